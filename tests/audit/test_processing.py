"""The record of processing (UK GDPR Art. 30): a pure function of policy and agreements."""

from datetime import UTC, datetime
from typing import Any

from audit.processing import (
    AGENCY_KIND_LABELS,
    CATEGORY_LABELS,
    LAWFUL_BASIS_LABELS,
    PURPOSE_LABELS,
    build_record_of_processing,
    md,
    render_markdown,
)
from policies import store
from policies.decision import STATUTORY_BASIS
from policies.grants import Grant, GrantTable
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.consent import CONSENT_CATEGORIES
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.roles import Role

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
AGENCIES = {AgencyKind.COUNCIL: 1, AgencyKind.SCHOOL: 300, AgencyKind.DISTRICT: 7}
#: A grant the default policy does not hold: a GP reading EHCPs for direct care.
EXTRA = Grant(Role.GP, AgencyKind.HEALTH, Category.EDUCATION_EHCP, Action.READ, Purpose.DIRECT_CARE)


def build(table: GrantTable) -> dict[str, Any]:
    return build_record_of_processing(
        grants=table.grants, policy_version=table.version, agencies=AGENCIES, generated_at=AT
    )


def recipients(record: dict[str, Any], category: Category) -> list[dict[str, Any]]:
    (item,) = [r for r in record["recipients"] if r["category"] == category.value]
    found: list[dict[str, Any]] = item["recipients"]
    return found


def test_every_vocabulary_member_has_a_label() -> None:
    assert set(PURPOSE_LABELS) == set(Purpose)
    assert set(CATEGORY_LABELS) == set(Category)
    assert set(AGENCY_KIND_LABELS) == set(AgencyKind)
    assert set(LAWFUL_BASIS_LABELS) == set(LawfulBasis)


def test_the_record_lists_every_purpose_and_category_with_its_basis() -> None:
    table = store.default_table()

    record = build(table)

    assert record["policy_version"] == table.version
    assert record["grant_count"] == len(table)
    assert record["generated_at"] == "2026-11-02T09:30:00.000000Z"
    purposes = {p["purpose"]: p for p in record["purposes"]}
    assert list(purposes) == [p.value for p in Purpose]
    for purpose in Purpose:
        assert purposes[purpose.value]["lawful_basis"] == STATUTORY_BASIS[purpose].value
    # statistics is aggregate only: no row-level grant, and said so
    assert purposes["statistics"]["declared_by"] == []
    assert purposes["statistics"]["aggregate_only"] is True
    assert purposes["statistics"]["row_level"] is False
    assert {"role": "dpo", "agency_kind": "police"} in purposes["audit.dpo"]["declared_by"]
    listed = [c["category"] for g in record["personal_data"] for c in g["categories"]]
    assert sorted(listed) == sorted(c.value for c in Category)
    assert [r["category"] for r in record["recipients"]] == [c.value for c in Category]


def test_categories_are_grouped_by_owner_and_special_ones_flagged() -> None:
    record = build(store.default_table())

    groups = {tuple(g["owner_kinds"]): g["categories"] for g in record["personal_data"]}
    assert [c["category"] for c in groups["council", "school"]] == [
        c.value for c in Category if c.value.startswith("education.")
    ]
    # identity, and answers to MASH information requests (each partner owns its own)
    assert [c["category"] for c in groups[tuple(k.value for k in AgencyKind)]] == [
        "identity",
        "mash.response",
    ]
    flags = {c["category"]: c for cats in groups.values() for c in cats}
    special = {name for name, c in flags.items() if c["special_category"]}
    assert special == {c.value for c in Category if c.value.startswith("health.")}
    criminal = {name for name, c in flags.items() if c["criminal_offence_data"]}
    assert "police.domestic_abuse_incident" in criminal
    assert "encompass.notification" in criminal
    assert "health.mental_health" not in criminal
    assert {n for n, c in flags.items() if c["consent_based"]} == {
        c.value for c in CONSENT_CATEGORIES
    }
    assert flags["health.gp_registration"]["condition"] == LawfulBasis.DPA_2018_SCH1_PARA18.value
    assert flags["council.child_protection_plan"]["condition"] is None


def test_controllers_are_counted_by_kind() -> None:
    record = build(store.default_table())

    counts = {c["kind"]: c["count"] for c in record["controllers"]}
    assert counts == {"council": 1, "police": 0, "health": 0, "school": 300, "district": 7}


def test_recipients_are_the_roles_granted_read() -> None:
    record = build(store.default_table())

    readers = recipients(record, Category.HEALTH_MENTAL_HEALTH)
    social_worker = {
        "agency_kind": "council",
        "role": "social_worker",
        "purposes": ["safeguarding.s47", "early_help"],
    }
    assert social_worker in readers
    # create and amend grants make no recipient
    assert all(r["role"] != "partnership_admin" for c in Category for r in recipients(record, c))


def test_a_policy_change_changes_the_record() -> None:
    default = store.default_table()
    changed = GrantTable([*default.grants, EXTRA])

    before, after = build(default), build(changed)

    assert after["policy_version"] != before["policy_version"]
    assert after["grant_count"] == before["grant_count"] + 1
    gp = {"agency_kind": "health", "role": "gp", "purposes": ["direct_care"]}
    assert gp not in recipients(before, Category.EDUCATION_EHCP)
    assert gp in recipients(after, Category.EDUCATION_EHCP)
    direct_care = next(p for p in after["purposes"] if p["purpose"] == "direct_care")
    assert "education.ehcp" in direct_care["categories"]
    assert render_markdown(after) != render_markdown(before)
    assert "GP, health (direct\\_care)" in render_markdown(after)


def test_the_markdown_renders_the_json() -> None:
    record = build(store.default_table())

    text = render_markdown(record)

    assert text.startswith("# Record of processing activities (UK GDPR Article 30)\n")
    assert f"`{record['policy_version']}`" in text
    for purpose in Purpose:
        assert f"(`{purpose.value}`)" in text
    for category in Category:
        assert f"(`{category.value}`)" in text
    assert "aggregate figures only; never row-level" in text
    assert "DPO (police)" in text
    assert (
        "| Mental health (`health.mental_health`) | yes |  | yes | Data Protection Act 2018 "
        "Sch.1 para 18" in text
    )
    assert "| School or college | DfE URN | 300 |" in text
    for section in ("Controllers", "Retention", "Security measures", "Transfers", "Recipients"):
        assert f"\n## {section}\n" in text
    assert "append-only" in text
    assert "TLS" in text


def test_an_empty_policy_grants_nothing_and_says_so() -> None:
    record = build(GrantTable([]))

    assert record["grant_count"] == 0
    assert all(not p["row_level"] and p["declared_by"] == [] for p in record["purposes"])
    assert all(r["recipients"] == [] for r in record["recipients"])
    text = render_markdown(record)
    assert "not granted in this policy version" in text
    assert "(`identity`) | none |" in text


def test_markdown_text_is_escaped() -> None:
    assert md("a|b_c *d*\n[e](f) <g> #h `i` \\") == (
        "a\\|b\\_c \\*d\\* \\[e\\](f) \\<g\\> \\#h \\`i\\` \\\\"
    )
