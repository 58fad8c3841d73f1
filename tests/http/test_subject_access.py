"""Subject access (Art. 15), "who looked at my record" and the record of processing (Art. 30)
over HTTP: the DPO answers for the hub; exemptions are applied and never mentioned; staff
are never named; covert police interest stays hidden until its release date."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audit.events import build
from audit.store import append
from audit.trail import AuditTrail
from db import Agency, AuditAccess, AuditEvent, Child, ChildIdentifier, Record, User
from policies import store
from policies.decision import Decision, Step, StepResult
from policies.reasons import Reason
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.audit import principal_of
from tests.factories.children import house, make_child, make_record, relate, synthetic_nhs_number
from tests.factories.sharing import decide_not_to_share
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.audit import Outcome
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import Role

AUDIT = "audit.dpo"
EXPORT = """
query Export($nhs: String, $hub: String) {
  subjectAccessExport(nhsNumber: $nhs, hubId: $hub) { generatedAt json document }
}
"""
WHO = """
query Who($nhs: String, $since: Date, $until: Date) {
  whoLookedAtRecord(nhsNumber: $nhs, since: $since, until: $until) {
    date organisation { name kind code } purpose purposeOfUse count
  }
}
"""
PROCESSING = "query Processing { recordOfProcessing { generatedAt policyVersion json markdown } }"
VIEW = "query View($nhs: String) { child(nhsNumber: $nhs) { hubId records { category } } }"
GRANT = """
mutation Grant($input: PolicyChangeInput!) { grantPolicy(input: $input) { version } }
"""

TODAY = date.today()  # noqa: DTZ011 civil date, as the hub's (tests run on UK days)
#: What only withheld records hold: none of it may appear anywhere in an export.
SECRET_INTELLIGENCE = "Seen with older males near the bus station"
SEALED_CASE = "temporary_accommodation"
NOT_SHARED_SERVICE = "Harbour Counselling"
UPN = "A801200100010"


@pytest.fixture(autouse=True)
def default_policy() -> Iterator[None]:
    """Every test starts, and leaves the process, with the default policy in force."""
    store.reset()
    yield
    store.reset()


@dataclass
class Area:
    council: Agency
    police: Agency
    health: Agency
    school: Agency
    district: Agency
    dpo: User
    social_worker: User
    officer: User
    child: Child

    @property
    def nhs(self) -> str:
        assert self.child.nhs_number is not None
        return self.child.nhs_number


@pytest.fixture
async def area(session: AsyncSession) -> Area:
    # given partners, a DPO at the council, and a child known to several of them
    council = await make_agency(session, AgencyKind.COUNCIL, name="Northshire County Council")
    police = await make_agency(session, AgencyKind.POLICE, name="Northshire Police")
    health = await make_agency(session, AgencyKind.HEALTH, name="Northshire Health Partnership")
    school = await make_agency(session, AgencyKind.SCHOOL, name="Riverside Academy")
    district = await make_agency(session, AgencyKind.DISTRICT, name="Eastvale District Council")
    dpo = await make_user(session, council, (Role.DPO,))
    social_worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    officer = await make_user(session, police, (Role.POLICE_OFFICER,))
    nurse = await make_user(session, health, (Role.SAFEGUARDING_NURSE,))
    child = await make_child(session, given_name="Robin", family_name="Ashdown")
    await relate(session, child, council, RelationshipKind.ALLOCATION)
    await relate(session, child, police, RelationshipKind.INCIDENT)
    # records the subject may have, held by four partners
    await make_record(session, child, council)  # child protection plan
    await make_record(
        session,
        child,
        health,
        Category.HEALTH_GP_REGISTRATION,
        {"practice_ods_code": "C82001", "registered_on": "2015-06-10"},
    )
    attendance = await make_record(
        session,
        child,
        school,
        Category.EDUCATION_ATTENDANCE,
        {"academic_year": "2025/26", "sessions_possible": 300, "sessions_missed": 41},
    )
    attendance.valid_to = date(2026, 7, 20)
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {
            "reported_at": "2026-01-05T21:00:00+00:00",
            "returned_at": None,
            "return_interview_offered": True,
        },
        restriction=Restriction.COVERT,
        disclose_from=TODAY - timedelta(days=1),  # released yesterday
    )
    # and records exempt from subject access: sealed, covert, decided not to share
    await make_record(
        session,
        child,
        district,
        Category.DISTRICT_HOUSING,
        {"case_type": SEALED_CASE, "opened_on": "2026-02-01", "temporary_accommodation": True},
        restriction=Restriction.SEALED,
    )
    await make_record(
        session,
        child,
        police,
        Category.POLICE_EXPLOITATION_INTELLIGENCE,
        {"exploitation_type": "criminal", "grading": "2B1", "summary": SECRET_INTELLIGENCE},
        restriction=Restriction.COVERT,
    )
    await make_record(
        session,
        child,
        health,
        Category.HEALTH_MENTAL_HEALTH,
        {"service": NOT_SHARED_SERVICE, "open_to_service": True},
    )
    await decide_not_to_share(session, child, health, Category.HEALTH_MENTAL_HEALTH, nurse)
    return Area(council, police, health, school, district, dpo, social_worker, officer, child)


def data(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def code(response: httpx.Response) -> str:
    result: str = response.json()["errors"][0]["extensions"]["code"]
    return result


async def last_event(session: AsyncSession, operation: str) -> tuple[int, dict[str, Any]]:
    row = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.body)
            .where(AuditEvent.operation == operation)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).one()
    return row.seq, json.loads(row.body)


# --- Subject access export ----------------------------------------------------------------


async def test_export_holds_every_partners_records_but_no_exempt_one(
    area: Area, graphql: GraphQLCall
) -> None:
    # when the DPO exports the child's records
    response = await graphql(area.dpo.subject, EXPORT, {"nhs": area.nhs}, purpose=AUDIT)

    export = data(response)["subjectAccessExport"]
    body = export["json"]
    assert body["child"]["nhs_number"] == area.nhs
    assert body["child"]["given_name"] == "Robin"
    # then it holds the records of every partner that may be disclosed...
    held = {(r["organisation"]["name"], r["category"]) for r in body["records"]}
    assert held == {
        ("Northshire County Council", "council.child_protection_plan"),
        ("Northshire Health Partnership", "health.gp_registration"),
        ("Riverside Academy", "education.attendance"),
        ("Northshire Police", "police.missing_episode"),  # covert, released yesterday
    }
    attendance = next(r for r in body["records"] if r["category"] == "education.attendance")
    assert attendance["payload"]["sessions_missed"] == 41
    assert attendance["lawful_basis"] == "statute.children_act_1989.s47"
    assert attendance["valid_from"] == "2026-01-05"
    assert attendance["valid_to"] == "2026-07-20"
    # ...and nothing of the sealed, covert or not-shared ones, nor that anything was withheld
    text = response.text
    for withheld in (SECRET_INTELLIGENCE, SEALED_CASE, NOT_SHARED_SERVICE):
        assert withheld not in text
    for word in ("sealed", "covert", "exploitation", "mental", "housing", "eastvale"):
        assert word not in text.lower()
    assert "restriction" not in json.dumps(body["records"])


async def test_the_document_says_what_the_json_says(area: Area, graphql: GraphQLCall) -> None:
    await partners_look(area, graphql)
    response = await graphql(area.dpo.subject, EXPORT, {"nhs": area.nhs}, purpose=AUDIT)

    export = data(response)["subjectAccessExport"]
    body, document = export["json"], export["document"]
    assert document.startswith("# Subject access export (UK GDPR Article 15)\n")
    assert "- Name: Robin Ashdown" in document
    assert f"- NHS number: {area.nhs}" in document
    organisations = {r["organisation"]["name"] for r in body["records"]}
    assert f"{len(body['records'])} records from {len(organisations)} organisations." in document
    for record in body["records"]:
        assert f"### {record['organisation']['name']} (" in document
        assert f"#### {record['category_label']}" in document
        for value in record["payload"].values():
            if value is not None and not isinstance(value, bool):
                assert str(value) in document
    assert "- Sessions missed: 41" in document
    assert "- Period: 05 January 2026 to 20 July 2026" in document
    assert "- Period: from 05 January 2026" in document
    assert "- Return interview offered: yes" in document
    assert "- Returned at: not recorded" in document
    assert body["access_history"]
    for row in body["access_history"]:
        assert f"| {row['organisation']} | {row['purpose']} | {row['count']} |" in document
    assert body["notice"] in document


async def test_export_by_hub_id_and_its_audit_event(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given a DPO at a partner with no relationship to the child
    dpo = await make_user(session, area.district, (Role.DPO,))

    response = await graphql(dpo.subject, EXPORT, {"hub": area.child.hub_id}, purpose=AUDIT)

    assert data(response)["subjectAccessExport"]["json"]["child"]["hub_id"] == area.child.hub_id
    # the export is in the DPO's own audit event: the child reached under the audit duty,
    # identity only, and a note of what was produced; never the contents
    seq, event = await last_event(session, "Export")
    assert event["who"]["user"] == dpo.id
    assert event["purpose"] == AUDIT
    assert event["notes"]["export"] == "subject_access"
    assert event["notes"]["records"] == 4
    (child,) = event["children"]
    assert child["child"] == area.child.id
    assert child["access"] == "audit_duty"
    assert [item[:2] for item in child["granted"]] == [["read", "identity"]]
    assert "Robin" not in json.dumps(event)
    access = (await session.execute(select(AuditAccess).where(AuditAccess.seq == seq))).scalar_one()
    assert (access.child_id, access.access, access.disclosed) == (area.child.id, "audit_duty", True)


async def test_export_includes_records_of_a_merged_duplicate(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given a duplicate identity of the child, merged into it, with a record of its own
    duplicate = await make_child(session, nhs_number=None)
    duplicate.merged_into_id = area.child.id
    await make_record(
        session,
        duplicate,
        area.school,
        Category.EDUCATION_EXCLUSION,
        {"kind": "suspension", "started_on": "2026-03-02", "sessions": 4, "reason": "Damage"},
    )
    await session.flush()

    response = await graphql(area.dpo.subject, EXPORT, {"nhs": area.nhs}, purpose=AUDIT)

    records = data(response)["subjectAccessExport"]["json"]["records"]
    assert "education.exclusion" in {r["category"] for r in records}


async def test_export_gives_the_address_and_pupil_numbers_unless_shielded(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given the child lives at a known address and is on a school's roll with a UPN
    await house(session, area.child, postcode="LE2 7ZZ")
    session.add(
        ChildIdentifier(child_id=area.child.id, scheme="upn", value=UPN, agency_id=area.school.id)
    )
    await session.flush()

    shown = await graphql(area.dpo.subject, EXPORT, {"nhs": area.nhs}, purpose=AUDIT)

    export = data(shown)["subjectAccessExport"]
    assert export["json"]["child"]["address"]["postcode"] == "LE2 7ZZ"
    assert export["json"]["child"]["upns"] == [UPN]
    assert "- Address: 1 Example Row, Leicester, LE2 7ZZ" in export["document"]
    assert f"- Unique pupil numbers: {UPN}" in export["document"]

    # when the household's address is shielded (the requester may be who it is hidden from)
    shielded = await make_child(session)
    await house(session, shielded, shielded=True, postcode="LE3 8ZZ")
    hidden = await graphql(area.dpo.subject, EXPORT, {"nhs": shielded.nhs_number}, purpose=AUDIT)

    # then the export has no address, and does not say one was withheld
    assert data(hidden)["subjectAccessExport"]["json"]["child"]["address"] is None
    assert "LE3 8ZZ" not in hidden.text
    assert "Address" not in data(hidden)["subjectAccessExport"]["document"]
    _, event = await last_event(session, "Export")
    assert event["masked"] == [
        {"child": shielded.id, "field": "address", "code": "ADDRESS_SHIELDED"}
    ]


async def test_export_of_an_unknown_child(area: Area, graphql: GraphQLCall) -> None:
    other = await graphql(area.dpo.subject, EXPORT, {"nhs": synthetic_nhs_number(1)}, purpose=AUDIT)
    assert code(other) == "CHILD_NOT_FOUND"


@pytest.mark.parametrize("query", [EXPORT, WHO, PROCESSING])
async def test_only_the_dpo_declaring_audit_may_ask(
    area: Area, graphql: GraphQLCall, query: str
) -> None:
    # a social worker allocated to the child, for their own purpose: not theirs to ask
    worker = await graphql(area.social_worker.subject, query, {"nhs": area.nhs})
    # the DPO without a purpose, or the social worker declaring the DPO's
    undeclared = await graphql(area.dpo.subject, query, {"nhs": area.nhs}, purpose=None)
    borrowed = await graphql(area.social_worker.subject, query, {"nhs": area.nhs}, purpose=AUDIT)

    assert code(worker) == "FORBIDDEN"
    assert code(undeclared) == "PURPOSE_REQUIRED"
    assert code(borrowed) == "FORBIDDEN"
    for response in (worker, undeclared, borrowed):
        assert response.json()["data"] is None
        assert "Robin" not in response.text


async def test_a_refused_export_is_audited(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    await graphql(area.social_worker.subject, EXPORT, {"nhs": area.nhs})

    _, event = await last_event(session, "Export")
    assert event["who"]["user"] == area.social_worker.id
    assert event["outcome"] == "failure"
    assert event["errors"] == ["FORBIDDEN"]
    assert event["children"] == []


# --- Who looked at my record --------------------------------------------------------------


async def partners_look(area: Area, graphql: GraphQLCall) -> None:
    """The allocated social worker and the police officer on the incident view the child."""
    data(await graphql(area.social_worker.subject, VIEW, {"nhs": area.nhs}))
    data(await graphql(area.officer.subject, VIEW, {"nhs": area.nhs}))
    data(await graphql(area.social_worker.subject, VIEW, {"nhs": area.nhs}))


async def test_who_looked_shows_organisations_and_purposes_never_staff(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given the covert intelligence has been released
    await session.execute(
        update(Record)
        .where(Record.child_id == area.child.id, Record.restriction == Restriction.COVERT)
        .values(disclose_from=TODAY)
    )
    await partners_look(area, graphql)
    # and a refused look, by a school with no relationship: nothing was disclosed
    dsl = await make_user(session, area.school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    await graphql(dsl.subject, VIEW, {"nhs": area.nhs}, purpose="education.welfare")

    response = await graphql(area.dpo.subject, WHO, {"nhs": area.nhs}, purpose=AUDIT)

    rows = data(response)["whoLookedAtRecord"]
    assert rows == [
        {
            "date": TODAY.isoformat(),
            "organisation": {
                "name": "Northshire County Council",
                "kind": "COUNCIL",
                "code": area.council.code,
            },
            "purpose": "Safeguarding: child protection enquiry (section 47)",
            "purposeOfUse": "SAFEGUARDING_S47",
            "count": 2,
        },
        {
            "date": TODAY.isoformat(),
            "organisation": {
                "name": "Northshire Police",
                "kind": "POLICE",
                "code": area.police.code,
            },
            "purpose": "Safeguarding: child protection enquiry (section 47)",
            "purposeOfUse": "SAFEGUARDING_S47",
            "count": 1,
        },
    ]
    for user in (area.social_worker, area.officer, dsl, area.dpo):
        assert user.display_name not in response.text
        assert user.subject not in response.text
    _, event = await last_event(session, "Who")
    assert event["notes"] == {"report": "who_looked", "since": None, "until": TODAY.isoformat()}


async def test_covert_police_interest_is_withheld_until_its_release_date(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given the police looked while their intelligence is covert with no release date
    await partners_look(area, graphql)

    before = await graphql(area.dpo.subject, WHO, {"nhs": area.nhs}, purpose=AUDIT)
    export = await graphql(area.dpo.subject, EXPORT, {"nhs": area.nhs}, purpose=AUDIT)

    # then neither the report nor the export shows the police at all
    assert {r["organisation"]["kind"] for r in data(before)["whoLookedAtRecord"]} == {"COUNCIL"}
    assert "Northshire Police" not in json.dumps(
        data(export)["subjectAccessExport"]["json"]["access_history"]
    )

    # when the release date is set and arrives
    await session.execute(
        update(Record)
        .where(Record.child_id == area.child.id, Record.restriction == Restriction.COVERT)
        .values(disclose_from=TODAY)
    )
    after = await graphql(area.dpo.subject, WHO, {"nhs": area.nhs}, purpose=AUDIT)

    # then the police's look appears, and the DPO's own reads appear as data protection
    rows = data(after)["whoLookedAtRecord"]
    assert {(r["organisation"]["name"], r["purposeOfUse"], r["count"]) for r in rows} == {
        ("Northshire County Council", "SAFEGUARDING_S47", 2),
        ("Northshire Police", "SAFEGUARDING_S47", 1),
        ("Northshire County Council", "AUDIT_DPO", 2),
    }


async def test_a_future_release_date_still_withholds(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    await session.execute(
        update(Record)
        .where(Record.child_id == area.child.id, Record.restriction == Restriction.COVERT)
        .values(disclose_from=TODAY + timedelta(days=1))
    )
    await partners_look(area, graphql)

    response = await graphql(area.dpo.subject, WHO, {"nhs": area.nhs}, purpose=AUDIT)

    assert {r["organisation"]["kind"] for r in data(response)["whoLookedAtRecord"]} == {"COUNCIL"}


async def test_who_looked_within_a_period(area: Area, graphql: GraphQLCall) -> None:
    await partners_look(area, graphql)
    yesterday = (TODAY - timedelta(days=1)).isoformat()

    earlier = await graphql(
        area.dpo.subject, WHO, {"nhs": area.nhs, "until": yesterday}, purpose=AUDIT
    )
    today = await graphql(
        area.dpo.subject,
        WHO,
        {"nhs": area.nhs, "since": TODAY.isoformat(), "until": TODAY.isoformat()},
        purpose=AUDIT,
    )
    backwards = await graphql(
        area.dpo.subject,
        WHO,
        {"nhs": area.nhs, "since": TODAY.isoformat(), "until": yesterday},
        purpose=AUDIT,
    )
    tomorrow = await graphql(
        area.dpo.subject,
        WHO,
        {"nhs": area.nhs, "since": (TODAY + timedelta(days=1)).isoformat()},
        purpose=AUDIT,
    )

    assert data(earlier)["whoLookedAtRecord"] == []
    # the council's two looks, and the DPO's own report a moment before
    assert {(r["purposeOfUse"], r["count"]) for r in data(today)["whoLookedAtRecord"]} == {
        ("SAFEGUARDING_S47", 2),
        ("AUDIT_DPO", 1),
    }
    assert code(backwards) == "INVALID_PERIOD"
    assert code(tomorrow) == "INVALID_PERIOD"
    assert TODAY.isoformat() not in backwards.json()["errors"][0]["message"]


async def past_access(
    session: AsyncSession,
    user: User,
    agency: Agency,
    child: Child,
    at: datetime,
    *,
    purpose: str = Purpose.EDUCATION_WELFARE.value,
) -> None:
    """Append to the log a look at ``child`` by ``user`` at ``at``, as the server would have."""
    trail = AuditTrail(request_id=f"past-{at.isoformat()}")
    trail.record(
        Decision(
            allowed=True,
            action=Action.READ,
            category=Category.IDENTITY,
            child_id=child.id,
            purpose=Purpose.EDUCATION_WELFARE,
            reason=Reason.GRANTED,
            rule="grant:designated_safeguarding_lead:school:identity:read:education.welfare",
            lawful_basis=LawfulBasis.CHILDREN_ACT_2004_S11,
            steps=(
                StepResult(
                    Step.RELATIONSHIP, True, Reason.RELATIONSHIP, RelationshipKind.ENROLMENT
                ),
            ),
        )
    )
    principal = principal_of(user, agency, [Role.DESIGNATED_SAFEGUARDING_LEAD])
    event = build(
        trail=trail,
        principal=principal,
        client=None,
        purpose=Purpose.EDUCATION_WELFARE,
        occurred_at=at,
        operation_type="query",
        operation_name="View",
        document_sha256="0" * 64,
        variable_names=["nhs"],
        policy_version="v",
        outcome=Outcome.SUCCESS,
        error_codes=[],
        trace_id=None,
    )
    await append(
        await session.connection(), replace(event, body={**event.body, "purpose": purpose})
    )


async def test_who_looked_counts_uk_days(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    # given a school looked late on 1 July and again just after midnight, UK summer time
    dsl = await make_user(session, area.school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    for at in ("2026-07-01T22:30:00+00:00", "2026-07-01T23:30:00+00:00"):
        await past_access(session, dsl, area.school, area.child, datetime.fromisoformat(at))

    both = await graphql(
        area.dpo.subject,
        WHO,
        {"nhs": area.nhs, "since": "2026-07-01", "until": "2026-07-02"},
        purpose=AUDIT,
    )
    first = await graphql(
        area.dpo.subject,
        WHO,
        {"nhs": area.nhs, "since": "2026-07-01", "until": "2026-07-01"},
        purpose=AUDIT,
    )

    assert [
        (r["date"], r["organisation"]["name"], r["count"]) for r in data(both)["whoLookedAtRecord"]
    ] == [
        ("2026-07-02", "Riverside Academy", 1),
        ("2026-07-01", "Riverside Academy", 1),
    ]
    assert [r["purpose"] for r in data(first)["whoLookedAtRecord"]] == ["Education welfare"]


async def test_a_purpose_no_longer_in_the_vocabulary_is_shown_as_other(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    dsl = await make_user(session, area.school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    at = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
    await past_access(session, dsl, area.school, area.child, at, purpose="retired.purpose")

    response = await graphql(
        area.dpo.subject, WHO, {"nhs": area.nhs, "until": "2026-03-02"}, purpose=AUDIT
    )

    (row,) = data(response)["whoLookedAtRecord"]
    assert (row["purpose"], row["purposeOfUse"]) == ("Other", None)


# --- Record of processing -----------------------------------------------------------------


ADMIN_GRANT = {
    "role": "GP",
    "agencyKind": "HEALTH",
    "category": "EDUCATION_EHCP",
    "action": "READ",
    "purpose": "DIRECT_CARE",
    "note": "GPs need EHCPs for annual health checks (board minute 14).",
}


async def test_record_of_processing_follows_the_policy_in_force(
    area: Area, graphql: GraphQLCall, session: AsyncSession
) -> None:
    before = data(await graphql(area.dpo.subject, PROCESSING, purpose=AUDIT))["recordOfProcessing"]
    # when a partnership administrator adds a grant
    admin = await make_user(session, area.council, (Role.PARTNERSHIP_ADMIN,))
    version = data(await graphql(admin.subject, GRANT, {"input": ADMIN_GRANT}, purpose=None))
    after = data(await graphql(area.dpo.subject, PROCESSING, purpose=AUDIT))["recordOfProcessing"]

    # then the record names the new version and lists the new recipient
    assert after["policyVersion"] == version["grantPolicy"]["version"] != before["policyVersion"]
    assert after["json"]["policy_version"] == after["policyVersion"]
    ehcp = next(r for r in after["json"]["recipients"] if r["category"] == "education.ehcp")
    assert {"agency_kind": "health", "role": "gp", "purposes": ["direct_care"]} in ehcp[
        "recipients"
    ]
    assert after["markdown"] != before["markdown"]
    assert f"`{after['policyVersion']}`" in after["markdown"]
    # and counts the partners that are controllers
    counts = {c["kind"]: c["count"] for c in after["json"]["controllers"]}
    assert all(counts[kind] >= 1 for kind in ("council", "police", "health", "school", "district"))
    _, event = await last_event(session, "Processing")
    assert event["notes"] == {"export": "record_of_processing"}
    assert event["children"] == []
