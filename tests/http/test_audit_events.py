"""The audit event each GraphQL operation writes (DESIGN §7), field by field and mutation by
mutation: who, purpose, what (operation, document hash, variable names), the children and
categories touched with each decision's rule and lawful basis or reason, fields masked,
break-glass, outcome and error codes, the request id — and never a value the caller sent
nor anything about the child but its internal id."""

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import audit.events
from db import (
    Agency,
    BreakGlass,
    Child,
    Consent,
    PolicyVersion,
    Record,
    RecordVersion,
    SharingDecision,
    StatutorySharing,
    User,
)
from policies import store
from policies.decision import STATUTORY_BASIS
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.audit import Logged, latest_event, latest_events
from tests.factories.children import house, make_child, make_record, relate
from tests.factories.sharing import give_consent
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import Role

S47 = Purpose.SAFEGUARDING_S47
S47_BASIS = STATUTORY_BASIS[S47].value
WELFARE = Purpose.EDUCATION_WELFARE
EARLY_HELP = Purpose.EARLY_HELP
JUSTIFICATION = "Sharing now would put the child at greater risk of harm from the adult."
PAYLOAD_SECRET = "Jordan Samplename"

CHILD = """
query Child($nhs: String) {
  child(nhsNumber: $nhs) {
    hubId nhsNumber givenName familyName
    records { id category payload }
    redactions { category field code }
    address { line1 postcode }
  }
}
"""
CREATE = """
mutation Create($input: CreateRecordInput!) { createRecord(input: $input) { id version } }
"""
AMEND = "mutation Amend($input: AmendRecordInput!) { amendRecord(input: $input) { version } }"
FLAGS = "query Flags($nhs: String!) { cpIsFlags(nhsNumber: $nhs) { category active } }"
BREAK_GLASS = "mutation Open($input: BreakGlassInput!) { breakGlass(input: $input) { id } }"
RECORD_CONSENT = (
    "mutation Consent($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"
)
WITHDRAW_CONSENT = (
    "mutation Withdraw($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { id } }"
)
NOT_TO_SHARE = """
mutation NotToShare($input: RecordDecisionNotToShareInput!) {
  recordDecisionNotToShare(input: $input) { id }
}
"""
STATUTORY = """
mutation Statutory($input: StatutorySharingInput!) { recordStatutorySharing(input: $input) { id } }
"""
POLICY = "query Policy { policy { version grants { ruleId } } }"
GRANT = "mutation Grant($input: PolicyChangeInput!) { grantPolicy(input: $input) { version } }"
REVOKE = "mutation Revoke($input: PolicyChangeInput!) { revokePolicy(input: $input) { version } }"
CP_PLAN = {"category_of_abuse": "emotional", "plan_started_on": "2026-09-01"}
CP = Category.COUNCIL_CHILD_PROTECTION_PLAN
IDENTITY = Category.IDENTITY
#: (role, agency kind) of the callers these tests use most.
SW = (Role.SOCIAL_WORKER, AgencyKind.COUNCIL)
DSL = (Role.DESIGNATED_SAFEGUARDING_LEAD, AgencyKind.SCHOOL)
EHW = (Role.EARLY_HELP_WORKER, AgencyKind.COUNCIL)
#: A granted decision as an event lists it: action, category, rule id, lawful basis.
Grant = tuple[Action, Category, str, str]


# --- helpers -----------------------------------------------------------------------------


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rule(role: Role, kind: AgencyKind, category: Category, action: Action, purpose: Purpose) -> str:
    """The id of the policy rule in force that grants this."""
    found = store.current().rule_for(frozenset({role}), kind, category, action, purpose)
    assert found is not None
    return found


def grant(
    role: Role, kind: AgencyKind, action: Action, category: Category, purpose: Purpose
) -> Grant:
    """A decision granted under the policy in force, as the event lists it: action, category,
    rule id, lawful basis (the purpose's statutory basis)."""
    return (
        action,
        category,
        rule(role, kind, category, action, purpose),
        STATUTORY_BASIS[purpose].value,
    )


def who(user: User, agency: Agency, *roles: Role) -> dict[str, Any]:
    return {
        "user": user.id,
        "agency": agency.id,
        "agency_code": agency.code,
        "roles": sorted(role.value for role in roles),
        "client": None,
    }


def child_entry(
    child: Child,
    access: str,
    granted: Iterable[Grant] = (),
    refused: Iterable[tuple[Action, Category, str]] = (),
) -> dict[str, Any]:
    """A child touched, as the event lists it: how it was reached, and per (action,
    category) the rule and lawful basis that granted it or the reason it was refused."""
    return {
        "child": child.id,
        "access": access,
        "granted": [[a.value, c.value, r, basis] for a, c, r, basis in granted],
        "refused": [[a.value, c.value, reason] for a, c, reason in refused],
    }


def expected(
    *,
    who: dict[str, Any],
    purpose: Purpose | None,
    operation: tuple[str, str | None],
    children: Iterable[dict[str, Any]] = (),
    refused: Iterable[tuple[Action, Category, str]] = (),
    masked: Iterable[dict[str, Any]] = (),
    break_glass: bool = False,
    outcome: str = "success",
    errors: Iterable[str] = (),
) -> dict[str, Any]:
    touched = list(children)
    return {
        "who": who,
        "purpose": purpose.value if purpose else None,
        "operation": operation,
        "children": touched,
        "refused": [[a.value, c.value, reason] for a, c, reason in refused],
        "lawful_bases": sorted({g[3] for c in touched for g in c["granted"] if g[3]}),
        "masked": list(masked),
        "break_glass": break_glass,
        "outcome": outcome,
        "errors": sorted(errors),
    }


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a body ``expected`` describes."""
    operation = body["operation"]
    return {
        "who": body["who"],
        "purpose": body["purpose"],
        "operation": (operation["type"], operation["name"]),
        "children": body["children"],
        "refused": body["refused"],
        "lawful_bases": body["lawful_bases"],
        "masked": body["masked"],
        "break_glass": body["break_glass"],
        "outcome": body["outcome"],
        "errors": body["errors"],
    }


def sent_strings(value: Any) -> Iterator[str]:
    """Every string value the caller sent (long enough to be recognisable)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from sent_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from sent_strings(item)
    elif isinstance(value, str) and len(value) >= 4:
        yield value


async def event_of(
    session: AsyncSession,
    response: httpx.Response,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    secrets: Iterable[str | None] = (),
    echoed: Iterable[str] = (),
) -> Logged:
    """The request's event, checked for what every event must say: its request id, the hash
    of the document, the variables by name only, nothing sent or secret in the body, and
    projections (columns, ``audit_accesses``) that agree with the body. ``echoed``: values
    sent that the event rightly holds for its own reasons (a policy version)."""
    logged = await latest_event(session)
    body, row = logged.body, logged.row
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["operation"]["document_sha256"] == sha256(query)
    assert body["operation"]["variables"] == sorted(variables or {})
    allowed = set(echoed)
    sent = [value for value in sent_strings(variables or {}) if value not in allowed]
    for value in [*sent, *(s for s in secrets if s)]:
        assert value not in logged.raw, value
    assert (body["seq"], body["id"]) == (row.seq, row.event_id)
    assert (row.user_id, row.agency_id) == (body["who"]["user"], body["who"]["agency"])
    assert (row.purpose, row.operation) == (body["purpose"], body["operation"]["name"])
    assert (row.outcome, row.break_glass) == (body["outcome"], body["break_glass"])
    assert row.refused == audit.events.refused(body)
    assert row.no_relationship == audit.events.without_relationship(body)
    failed = body["outcome"] == "failure"  # a failed operation disclosed nothing
    assert logged.accesses == [
        (c["child"], c["access"], bool(c["granted"]) and not failed) for c in body["children"]
    ]
    return logged


def personal(child: Child) -> list[str | None]:
    return [child.nhs_number, child.given_name, child.family_name, child.hub_id]


async def count(session: AsyncSession, model: type[Any]) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def allocated(session: AsyncSession) -> tuple[Agency, User, Child]:
    """A council social worker allocated to a child."""
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session, given_name="Robin", family_name="Auditchild")
    await relate(session, child, council)
    return council, worker, child


# --- me ----------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [S47, None])
async def test_me_says_who_asked_and_touches_no_child(
    session: AsyncSession, graphql: GraphQLCall, purpose: Purpose | None
) -> None:
    council = await make_agency(session)
    user = await make_user(session, council, (Role.SOCIAL_WORKER, Role.MASH_PRACTITIONER))
    query = "query Me { me { subject displayName } }"

    response = await graphql(user.subject, query, purpose=purpose.value if purpose else None)

    assert response.json()["data"]["me"]["subject"] == user.subject
    logged = await event_of(session, response, query, secrets=[user.display_name, user.subject])
    assert summary(logged.body) == expected(
        who=who(user, council, Role.SOCIAL_WORKER, Role.MASH_PRACTITIONER),
        purpose=purpose,
        operation=("query", "Me"),
    )
    assert logged.body["policy_version"] == store.current().version
    assert logged.accesses == []


# --- child: records, redactions, address -------------------------------------------------


async def test_child_view_records_each_category_with_its_rule_and_basis(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a social worker allocated to a child with the council's CP plan, at an address
    council, worker, child = await allocated(session)
    await make_record(session, child, council, payload=dict(CP_PLAN))
    await house(session, child, postcode="LE4 1AU")
    variables = {"nhs": child.nhs_number}

    # when they view the child for a s47 enquiry
    response = await graphql(worker.subject, CHILD, variables)

    # then the event names the child by internal id, with identity and the plan granted
    assert response.json()["data"]["child"]["address"]["postcode"] == "LE4 1AU"
    logged = await event_of(
        session,
        response,
        CHILD,
        variables,
        secrets=[*personal(child), "emotional", "1 Example Row", "LE4 1AU"],
    )
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("query", "Child"),
        children=[
            child_entry(
                child,
                "allocation",
                granted=[grant(*SW, Action.READ, IDENTITY, S47), grant(*SW, Action.READ, CP, S47)],
            )
        ],
    )
    assert logged.accesses == [(child.id, "allocation", True)]
    assert not logged.row.refused


async def test_categories_withheld_are_recorded_with_their_reasons(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a pupil with a council early help plan (no consent) and a police missing episode
    school = await make_agency(session, AgencyKind.SCHOOL)
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    await make_record(
        session,
        child,
        council,
        Category.COUNCIL_EARLY_HELP,
        {
            "plan_started_on": "2026-05-01",
            "lead_practitioner_agency": "Hidden",
            "consent_recorded": True,
        },
    )
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
    )
    variables = {"nhs": child.nhs_number}

    # when the school's DSL views the pupil for early help
    response = await graphql(dsl.subject, CHILD, variables, purpose=EARLY_HELP.value)

    # then the caller is told of the consent (not of the police record); the event has both
    assert response.json()["data"]["child"]["redactions"] == [
        {"category": "COUNCIL_EARLY_HELP", "field": None, "code": "CONSENT_REQUIRED"}
    ]
    logged = await event_of(session, response, CHILD, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(dsl, school, Role.DESIGNATED_SAFEGUARDING_LEAD),
        purpose=EARLY_HELP,
        operation=("query", "Child"),
        children=[
            child_entry(
                child,
                "enrolment",
                granted=[grant(*DSL, Action.READ, IDENTITY, EARLY_HELP)],
                refused=[
                    (Action.READ, Category.COUNCIL_EARLY_HELP, "consent_required"),
                    (Action.READ, Category.POLICE_MISSING_EPISODE, "no_grant"),
                ],
            )
        ],
    )
    assert logged.row.refused
    assert logged.accesses == [(child.id, "enrolment", True)]


async def test_a_shielded_address_is_recorded_as_masked(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, worker, child = await allocated(session)
    await house(session, child, shielded=True, postcode="LE3 9ZZ")
    variables = {"nhs": child.nhs_number}

    response = await graphql(worker.subject, CHILD, variables)

    assert response.json()["data"]["child"]["address"] is None
    logged = await event_of(
        session, response, CHILD, variables, secrets=[*personal(child), "LE3 9ZZ", "Example"]
    )
    assert logged.body["masked"] == [
        {"child": child.id, "field": "address", "code": "ADDRESS_SHIELDED"}
    ]
    assert logged.body["outcome"] == "success"
    assert [c["child"] for c in logged.body["children"]] == [child.id]


async def test_no_relationship_looks_unknown_to_the_caller_but_not_in_the_log(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a school DSL and a child the school has no relationship with
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    known_vars = {"nhs": child.nhs_number}
    unknown_vars = {"nhs": "9434765919"}

    # when they look up that child, and an NHS number nobody holds
    known = await graphql(dsl.subject, CHILD, known_vars, purpose=WELFARE.value)
    known_event = await event_of(session, known, CHILD, known_vars, secrets=personal(child))
    unknown = await graphql(dsl.subject, CHILD, unknown_vars, purpose=WELFARE.value)
    unknown_event = await event_of(session, unknown, CHILD, unknown_vars)

    # then both callers are told the same CHILD_NOT_FOUND
    assert known.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"
    assert known.json()["errors"] == unknown.json()["errors"]
    # and the log keeps the real reason for the known child, and no child for the other
    base: dict[str, Any] = {
        "who": who(dsl, school, Role.DESIGNATED_SAFEGUARDING_LEAD),
        "purpose": WELFARE,
        "operation": ("query", "Child"),
        "outcome": "failure",
        "errors": ["CHILD_NOT_FOUND"],
    }
    assert summary(known_event.body) == expected(
        **base,
        children=[child_entry(child, "none", refused=[(Action.READ, IDENTITY, "no_relationship")])],
    )
    assert known_event.accesses == [(child.id, "none", False)]
    assert known_event.row.refused
    assert not known_event.row.no_relationship  # refused, not reached without one
    assert summary(unknown_event.body) == expected(**base)


@pytest.mark.parametrize(
    ("declared", "recorded", "reason"),
    [
        (None, None, "purpose_missing"),
        ("marketing", None, "purpose_missing"),
        ("inspection", Purpose.INSPECTION, "purpose_not_permitted"),
    ],
)
async def test_a_purpose_refusal_is_recorded_before_any_child_is_looked_up(
    session: AsyncSession,
    graphql: GraphQLCall,
    declared: str | None,
    recorded: Purpose | None,
    reason: str,
) -> None:
    council, worker, child = await allocated(session)
    variables = {"nhs": child.nhs_number}

    response = await graphql(worker.subject, CHILD, variables, purpose=declared)

    assert response.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    logged = await event_of(session, response, CHILD, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=recorded,
        operation=("query", "Child"),
        refused=[(Action.READ, IDENTITY, reason)],
        outcome="failure",
        errors=["PURPOSE_REQUIRED"],
    )
    assert logged.row.refused
    assert logged.accesses == []


async def test_some_data_and_some_errors_is_a_partial_outcome(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, worker, child = await allocated(session)
    stranger = await make_child(session)
    query = """
    query Two($mine: String, $other: String) {
      mine: child(nhsNumber: $mine) { hubId }
      other: child(nhsNumber: $other) { hubId }
    }
    """
    variables = {"mine": child.nhs_number, "other": stranger.nhs_number}

    response = await graphql(worker.subject, query, variables)

    assert response.json()["data"]["mine"]["hubId"] == child.hub_id
    logged = await event_of(session, response, query, variables, secrets=personal(stranger))
    assert (logged.body["outcome"], logged.body["errors"]) == ("partial", ["CHILD_NOT_FOUND"])
    assert logged.accesses == [(child.id, "allocation", True), (stranger.id, "none", False)]


# --- cpIsFlags ---------------------------------------------------------------------------


async def test_a_cp_is_flag_view_is_recorded_as_reached_without_a_relationship(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child on a council CP plan, unknown to the hospital
    council = await make_agency(session)
    hospital = await make_agency(session, AgencyKind.HEALTH)
    clinician = await make_user(session, hospital, (Role.UNSCHEDULED_CARE_CLINICIAN,))
    child = await make_child(session)
    await make_record(session, child, council)
    variables = {"nhs": child.nhs_number}

    # when an A&E clinician checks for flags for direct care
    response = await graphql(clinician.subject, FLAGS, variables, purpose="direct_care")

    # then the event records the flag category, reached through the CP-IS exemption
    assert response.json()["data"]["cpIsFlags"][0]["active"] is True
    logged = await event_of(session, response, FLAGS, variables, secrets=personal(child))
    role, care = Role.UNSCHEDULED_CARE_CLINICIAN, Purpose.DIRECT_CARE
    assert summary(logged.body) == expected(
        who=who(clinician, hospital, role),
        purpose=care,
        operation=("query", "Flags"),
        children=[
            child_entry(
                child, "cp_is_flag", granted=[grant(role, AgencyKind.HEALTH, Action.READ, CP, care)]
            )
        ],
    )
    assert logged.row.no_relationship
    assert logged.accesses == [(child.id, "cp_is_flag", True)]


async def test_cp_is_flags_for_another_purpose_are_refused_and_recorded(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    hospital = await make_agency(session, AgencyKind.HEALTH)
    clinician = await make_user(session, hospital, (Role.UNSCHEDULED_CARE_CLINICIAN,))
    variables = {"nhs": "9434765919"}

    response = await graphql(clinician.subject, FLAGS, variables, purpose=S47.value)

    logged = await event_of(session, response, FLAGS, variables)
    assert summary(logged.body) == expected(
        who=who(clinician, hospital, Role.UNSCHEDULED_CARE_CLINICIAN),
        purpose=S47,
        operation=("query", "Flags"),
        refused=[(Action.READ, CP, "purpose_not_permitted")],
        outcome="failure",
        errors=["PURPOSE_REQUIRED"],
    )


# --- createRecord and amendRecord --------------------------------------------------------


def create_input(child: Child, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "child": {"nhsNumber": child.nhs_number},
        "category": "COUNCIL_CHILD_PROTECTION_PLAN",
        "lawfulBasis": "CHILDREN_ACT_1989_S47",
        "validFrom": "2026-09-01",
        "payload": CP_PLAN,
    }
    return {"input": base | changes}


async def test_create_record_is_recorded_with_its_rule_not_its_contents(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, worker, child = await allocated(session)
    variables = create_input(child)

    response = await graphql(worker.subject, CREATE, variables)

    created = response.json()["data"]["createRecord"]
    assert await session.get(Record, uuid.UUID(created["id"])) is not None
    logged = await event_of(
        session, response, CREATE, variables, secrets=[*personal(child), "emotional"]
    )
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("mutation", "Create"),
        children=[child_entry(child, "allocation", granted=[grant(*SW, Action.CREATE, CP, S47)])],
    )
    assert logged.body["operation"]["variables"] == ["input"]


async def test_a_create_that_fails_validation_keeps_its_decision_not_its_record(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, worker, child = await allocated(session)
    variables = create_input(child, payload={"category_of_abuse": PAYLOAD_SECRET})

    response = await graphql(worker.subject, CREATE, variables)

    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert await count(session, Record) == 0
    logged = await event_of(session, response, CREATE, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("mutation", "Create"),
        children=[child_entry(child, "allocation", granted=[grant(*SW, Action.CREATE, CP, S47)])],
        outcome="failure",
        errors=["INVALID_PAYLOAD"],
    )


@pytest.mark.parametrize("refusal", ["no_grant", "no_relationship"])
async def test_a_refused_create_is_recorded_with_its_reason(
    session: AsyncSession, graphql: GraphQLCall, refusal: str
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    if refusal == "no_grant":  # a police category, for a child the council works with
        await relate(session, child, council)
        variables = create_input(child, category="POLICE_DOMESTIC_ABUSE_INCIDENT")
    else:  # a council category, for a child the council does not work with
        variables = create_input(child)

    response = await graphql(worker.subject, CREATE, variables)

    code = response.json()["errors"][0]["extensions"]["code"]
    assert await count(session, Record) == 0
    logged = await event_of(session, response, CREATE, variables, secrets=personal(child))
    base: dict[str, Any] = {
        "who": who(worker, council, Role.SOCIAL_WORKER),
        "purpose": S47,
        "operation": ("mutation", "Create"),
        "outcome": "failure",
        "errors": [code],
    }
    if refusal == "no_grant":  # refused before the child is looked up
        assert code == "FORBIDDEN"
        assert summary(logged.body) == expected(
            **base, refused=[(Action.CREATE, Category.POLICE_DOMESTIC_ABUSE_INCIDENT, "no_grant")]
        )
    else:
        assert code == "CHILD_NOT_FOUND"
        assert summary(logged.body) == expected(
            **base,
            children=[
                child_entry(
                    child,
                    "none",
                    refused=[(Action.CREATE, CP, "no_relationship")],
                )
            ],
        )


@pytest.mark.parametrize(
    ("payload", "outcome", "errors"),
    [
        ({**CP_PLAN, "plan_ended_on": "2026-11-01"}, "success", []),
        ({"category_of_abuse": PAYLOAD_SECRET}, "failure", ["INVALID_PAYLOAD"]),
    ],
    ids=["amended", "invalid_payload"],
)
async def test_amend_record_is_recorded_and_a_failed_one_changes_nothing(
    session: AsyncSession,
    graphql: GraphQLCall,
    payload: dict[str, Any],
    outcome: str,
    errors: list[str],
) -> None:
    council, worker, child = await allocated(session)
    record = await make_record(session, child, council)
    variables = {"input": {"id": str(record.id), "expectedVersion": 1, "payload": payload}}

    response = await graphql(worker.subject, AMEND, variables)

    logged = await event_of(
        session, response, AMEND, variables, secrets=[*personal(child), "neglect"]
    )
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("mutation", "Amend"),
        children=[child_entry(child, "allocation", granted=[grant(*SW, Action.AMEND, CP, S47)])],
        outcome=outcome,
        errors=errors,
    )
    await session.refresh(record)
    assert record.version == (2 if outcome == "success" else 1)
    assert await count(session, RecordVersion) == (1 if outcome == "success" else 0)


@pytest.mark.parametrize(
    ("kind", "role", "access", "reason"),
    [
        # the police may not amend a council category at all
        (AgencyKind.POLICE, Role.POLICE_PUBLIC_PROTECTION, "none", "no_grant"),
        # another council may, but only its own records
        (AgencyKind.COUNCIL, Role.SOCIAL_WORKER, "incident", "not_record_owner"),
    ],
)
async def test_an_amendment_by_another_agency_is_refused_and_recorded(
    session: AsyncSession,
    graphql: GraphQLCall,
    kind: AgencyKind,
    role: Role,
    access: str,
    reason: str,
) -> None:
    council, _, child = await allocated(session)
    other = await make_agency(session, kind)
    user = await make_user(session, other, (role,))
    await relate(session, child, other, RelationshipKind.INCIDENT)
    record = await make_record(session, child, council)
    variables = {"input": {"id": str(record.id), "expectedVersion": 1, "validTo": "2026-12-31"}}

    response = await graphql(user.subject, AMEND, variables)

    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    logged = await event_of(session, response, AMEND, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(user, other, role),
        purpose=S47,
        operation=("mutation", "Amend"),
        children=[
            child_entry(
                child,
                access,
                refused=[(Action.AMEND, CP, reason)],
            )
        ],
        outcome="failure",
        errors=["FORBIDDEN"],
    )
    assert logged.accesses == [(child.id, access, False)]
    await session.refresh(record)
    assert (record.version, record.valid_to) == (1, None)


# --- breakGlass --------------------------------------------------------------------------


async def test_break_glass_and_what_it_reaches_are_flagged(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a social worker with no relationship to a child the police hold a record about
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-11-20T01:00:00Z"},
    )
    why = "Brought to the out-of-hours team by police; no allocation recorded yet."
    opened_vars = {"input": {"child": {"nhsNumber": child.nhs_number}, "justification": why}}
    view_vars = {"nhs": child.nhs_number}

    # when they break glass, then view the child
    opened = await graphql(worker.subject, BREAK_GLASS, opened_vars)
    opened_event = await event_of(
        session, opened, BREAK_GLASS, opened_vars, secrets=[*personal(child), why]
    )
    viewed = await graphql(worker.subject, CHILD, view_vars)
    viewed_event = await event_of(session, viewed, CHILD, view_vars, secrets=personal(child))

    # then both events carry the break-glass flag, and the child reached through it
    assert (await session.execute(select(BreakGlass.justification))).scalar_one() == why
    missing = Category.POLICE_MISSING_EPISODE
    assert summary(opened_event.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("mutation", "Open"),
        children=[
            child_entry(
                child, "break_glass", granted=[grant(*SW, Action.BREAK_GLASS, IDENTITY, S47)]
            )
        ],
        break_glass=True,
    )
    assert summary(viewed_event.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("query", "Child"),
        children=[
            child_entry(
                child,
                "break_glass",
                granted=[
                    grant(*SW, Action.READ, IDENTITY, S47),
                    grant(*SW, Action.READ, missing, S47),
                ],
            )
        ],
        break_glass=True,
    )
    for event in (opened_event, viewed_event):
        assert event.row.break_glass
        assert event.row.no_relationship
        assert event.accesses == [(child.id, "break_glass", True)]


async def test_break_glass_without_the_grant_is_refused_and_recorded(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    variables = {
        "input": {"child": {"nhsNumber": child.nhs_number}, "justification": JUSTIFICATION}
    }

    response = await graphql(dsl.subject, BREAK_GLASS, variables, purpose=WELFARE.value)

    assert await count(session, BreakGlass) == 0
    logged = await event_of(session, response, BREAK_GLASS, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(dsl, school, Role.DESIGNATED_SAFEGUARDING_LEAD),
        purpose=WELFARE,
        operation=("mutation", "Open"),
        refused=[(Action.BREAK_GLASS, IDENTITY, "no_grant")],
        outcome="failure",
        errors=["FORBIDDEN"],
    )
    assert not logged.row.break_glass


# --- consent, decisions not to share, statutory sharing -----------------------------------


async def early_help_worker(session: AsyncSession) -> tuple[Agency, User, Child]:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.EARLY_HELP_WORKER,))
    child = await make_child(session, given_name="Sam", family_name="Consentchild")
    await relate(session, child, council)
    return council, worker, child


def consent_input(child: Child, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "child": {"nhsNumber": child.nhs_number},
        "givenBy": "PARENT_WITH_PARENTAL_RESPONSIBILITY",
        "categories": ["COUNCIL_EARLY_HELP"],
        "purposes": ["EARLY_HELP"],
        "startsOn": "2026-01-01",
    }
    return {"input": base | changes}


@pytest.mark.parametrize(
    ("changes", "outcome", "errors", "kept"),
    [
        ({}, "success", [], 1),
        ({"categories": []}, "failure", ["INVALID_INPUT"], 0),
    ],
    ids=["recorded", "invalid"],
)
async def test_record_consent_is_recorded_and_an_invalid_one_keeps_its_decision(
    session: AsyncSession,
    graphql: GraphQLCall,
    changes: dict[str, Any],
    outcome: str,
    errors: list[str],
    kept: int,
) -> None:
    council, worker, child = await early_help_worker(session)
    variables = consent_input(child, **changes)

    response = await graphql(worker.subject, RECORD_CONSENT, variables, purpose=EARLY_HELP.value)

    assert await count(session, Consent) == kept
    logged = await event_of(session, response, RECORD_CONSENT, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.EARLY_HELP_WORKER),
        purpose=EARLY_HELP,
        operation=("mutation", "Consent"),
        children=[
            child_entry(
                child,
                "allocation",
                granted=[grant(*EHW, Action.READ, IDENTITY, EARLY_HELP)],
            )
        ],
        outcome=outcome,
        errors=errors,
    )


async def test_record_consent_for_an_unrelated_child_is_recorded_as_refused(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, _, child = await early_help_worker(session)
    school = await make_agency(session, AgencyKind.SCHOOL)
    stranger = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    variables = consent_input(child)

    response = await graphql(stranger.subject, RECORD_CONSENT, variables, purpose=EARLY_HELP.value)

    assert await count(session, Consent) == 0
    logged = await event_of(session, response, RECORD_CONSENT, variables, secrets=personal(child))
    assert summary(logged.body) == expected(
        who=who(stranger, school, Role.DESIGNATED_SAFEGUARDING_LEAD),
        purpose=EARLY_HELP,
        operation=("mutation", "Consent"),
        children=[child_entry(child, "none", refused=[(Action.READ, IDENTITY, "no_relationship")])],
        outcome="failure",
        errors=["CHILD_NOT_FOUND"],
    )


@pytest.mark.parametrize("caller", ["recorder", "stranger"])
async def test_withdraw_consent_is_recorded_and_a_stranger_refused(
    session: AsyncSession, graphql: GraphQLCall, caller: str
) -> None:
    council, worker, child = await early_help_worker(session)
    consent = await give_consent(
        session, child, worker, [Category.COUNCIL_EARLY_HELP], [EARLY_HELP]
    )
    school = await make_agency(session, AgencyKind.SCHOOL)
    stranger = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    user, agency, role = (
        (worker, council, Role.EARLY_HELP_WORKER)
        if caller == "recorder"
        else (stranger, school, Role.DESIGNATED_SAFEGUARDING_LEAD)
    )
    variables = {"input": {"id": str(consent.id)}}

    response = await graphql(user.subject, WITHDRAW_CONSENT, variables, purpose=EARLY_HELP.value)

    await session.refresh(consent)
    logged = await event_of(session, response, WITHDRAW_CONSENT, variables, secrets=personal(child))
    operation = ("mutation", "Withdraw")
    if caller == "recorder":
        assert consent.withdrawn_at is not None
        assert summary(logged.body) == expected(
            who=who(user, agency, role),
            purpose=EARLY_HELP,
            operation=operation,
            children=[
                child_entry(
                    child,
                    "allocation",
                    granted=[grant(role, agency.kind, Action.READ, IDENTITY, EARLY_HELP)],
                )
            ],
        )
    else:
        assert consent.withdrawn_at is None
        assert response.json()["errors"][0]["extensions"]["code"] == "CONSENT_NOT_FOUND"
        assert summary(logged.body) == expected(
            who=who(user, agency, role),
            purpose=EARLY_HELP,
            operation=operation,
            children=[
                child_entry(child, "none", refused=[(Action.READ, IDENTITY, "no_relationship")])
            ],
            outcome="failure",
            errors=["CONSENT_NOT_FOUND"],
        )


@pytest.mark.parametrize(
    ("justification", "outcome", "errors", "kept"),
    [
        (JUSTIFICATION, "success", [], 1),
        ("  Too risky now.  ", "failure", ["JUSTIFICATION_REQUIRED"], 0),
    ],
    ids=["recorded", "too_short"],
)
async def test_decision_not_to_share_is_recorded_without_its_justification(
    session: AsyncSession,
    graphql: GraphQLCall,
    justification: str,
    outcome: str,
    errors: list[str],
    kept: int,
) -> None:
    council, worker, child = await allocated(session)
    variables = {
        "input": {
            "child": {"nhsNumber": child.nhs_number},
            "category": "COUNCIL_CHILD_PROTECTION_PLAN",
            "reason": "MORE_DETRIMENTAL_TO_CHILD",
            "justification": justification,
        }
    }

    response = await graphql(worker.subject, NOT_TO_SHARE, variables)

    assert await count(session, SharingDecision) == kept
    logged = await event_of(
        session,
        response,
        NOT_TO_SHARE,
        variables,
        secrets=[*personal(child), justification.strip()],
    )
    assert summary(logged.body) == expected(
        who=who(worker, council, Role.SOCIAL_WORKER),
        purpose=S47,
        operation=("mutation", "NotToShare"),
        children=[
            child_entry(
                child,
                "allocation",
                granted=[grant(*SW, Action.READ, IDENTITY, S47)],
            )
        ],
        outcome=outcome,
        errors=errors,
    )


@pytest.mark.parametrize("caller", ["allocated", "unrelated"])
async def test_statutory_sharing_is_recorded_and_an_unrelated_caller_refused(
    session: AsyncSession, graphql: GraphQLCall, caller: str
) -> None:
    council, worker, child = await allocated(session)
    other = await make_agency(session)
    stranger = await make_user(session, other, (Role.SOCIAL_WORKER,))
    user, agency = (worker, council) if caller == "allocated" else (stranger, other)
    variables = {
        "input": {
            "child": {"nhsNumber": child.nhs_number},
            "categories": ["HEALTH_MENTAL_HEALTH"],
            "basis": "CHILDREN_ACT_1989_S47",
            "justification": JUSTIFICATION,
        }
    }

    response = await graphql(user.subject, STATUTORY, variables)

    logged = await event_of(
        session, response, STATUTORY, variables, secrets=[*personal(child), JUSTIFICATION]
    )
    common: dict[str, Any] = {
        "who": who(user, agency, Role.SOCIAL_WORKER),
        "purpose": S47,
        "operation": ("mutation", "Statutory"),
    }
    if caller == "allocated":
        assert await count(session, StatutorySharing) == 1
        assert summary(logged.body) == expected(
            **common,
            children=[
                child_entry(
                    child,
                    "allocation",
                    granted=[grant(*SW, Action.READ, IDENTITY, S47)],
                )
            ],
        )
    else:
        assert await count(session, StatutorySharing) == 0
        assert summary(logged.body) == expected(
            **common,
            children=[
                child_entry(child, "none", refused=[(Action.READ, IDENTITY, "no_relationship")])
            ],
            outcome="failure",
            errors=["CHILD_NOT_FOUND"],
        )


# --- policy, grantPolicy, revokePolicy -----------------------------------------------------


@pytest.fixture
def default_policy() -> Iterator[None]:
    """The default policy in force before and after the test."""
    store.reset()
    yield
    store.reset()


MISSING_EPISODES = {
    "role": "DESIGNATED_SAFEGUARDING_LEAD",
    "agencyKind": "SCHOOL",
    "category": "POLICE_MISSING_EPISODE",
    "action": "READ",
    "purpose": "EDUCATION_WELFARE",
}
NOTE = "Schools' DSLs need missing episodes for welfare checks (board minute 12)."


@pytest.mark.usefixtures("default_policy")
@pytest.mark.parametrize("caller", ["admin", "dsl"])
async def test_reading_the_policy_is_recorded_and_a_refusal_too(
    session: AsyncSession, graphql: GraphQLCall, caller: str
) -> None:
    council = await make_agency(session)
    role = Role.PARTNERSHIP_ADMIN if caller == "admin" else Role.DESIGNATED_SAFEGUARDING_LEAD
    user = await make_user(session, council, (role,))

    response = await graphql(user.subject, POLICY, purpose=None)

    logged = await event_of(session, response, POLICY)
    forbidden = caller == "dsl"
    assert summary(logged.body) == expected(
        who=who(user, council, role),
        purpose=None,
        operation=("query", "Policy"),
        outcome="failure" if forbidden else "success",
        errors=["FORBIDDEN"] if forbidden else [],
    )
    # a role check records no decision, but its FORBIDDEN is a refusal all the same
    assert logged.row.refused is forbidden


@pytest.mark.usefixtures("default_policy")
async def test_grant_and_revoke_are_recorded_under_the_policy_they_changed(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    admin = await make_user(session, council, (Role.PARTNERSHIP_ADMIN,))
    before = store.current().version
    grant_vars = {"input": {**MISSING_EPISODES, "note": NOTE}}

    # when the administrator grants, then revokes against the version just written
    granted = await graphql(admin.subject, GRANT, grant_vars, purpose=None)
    grant_event = await event_of(session, granted, GRANT, grant_vars, secrets=[NOTE])
    written = granted.json()["data"]["grantPolicy"]["version"]
    revoke_note = "Revoked: welfare checks go through the MASH from now on."
    revoke_vars = {"input": {**MISSING_EPISODES, "note": revoke_note, "expectedVersion": written}}
    revoked = await graphql(admin.subject, REVOKE, revoke_vars, purpose=None)
    revoke_event = await event_of(
        session, revoked, REVOKE, revoke_vars, secrets=[revoke_note], echoed=[written]
    )

    # then each event says who changed the policy, under the version in force when they did
    base: dict[str, Any] = {"who": who(admin, council, Role.PARTNERSHIP_ADMIN), "purpose": None}
    assert summary(grant_event.body) == expected(**base, operation=("mutation", "Grant"))
    assert summary(revoke_event.body) == expected(**base, operation=("mutation", "Revoke"))
    assert grant_event.body["policy_version"] == before
    assert revoke_event.body["policy_version"] == written != before
    assert await count(session, PolicyVersion) == 2


@pytest.mark.usefixtures("default_policy")
@pytest.mark.parametrize(
    ("operation", "name", "changes", "code"),
    [
        (GRANT, "Grant", {"note": "ok"}, "INVALID_NOTE"),
        (REVOKE, "Revoke", {}, "GRANT_NOT_FOUND"),
    ],
)
async def test_a_failed_policy_change_is_recorded_and_writes_nothing(
    session: AsyncSession,
    graphql: GraphQLCall,
    operation: str,
    name: str,
    changes: dict[str, str],
    code: str,
) -> None:
    council = await make_agency(session)
    admin = await make_user(session, council, (Role.PARTNERSHIP_ADMIN,))
    variables = {"input": {**MISSING_EPISODES, "note": NOTE, **changes}}

    response = await graphql(admin.subject, operation, variables, purpose=None)

    assert await count(session, PolicyVersion) == 0
    logged = await event_of(session, response, operation, variables, secrets=[NOTE])
    assert summary(logged.body) == expected(
        who=who(admin, council, Role.PARTNERSHIP_ADMIN),
        purpose=None,
        operation=("mutation", name),
        outcome="failure",
        errors=[code],
    )


# --- one event per operation, chained ----------------------------------------------------


async def test_each_operation_appends_one_event_chained_to_the_one_before(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, worker, child = await allocated(session)
    previous = await latest_events(session, 1)

    responses = [
        await graphql(worker.subject, CHILD, {"nhs": child.nhs_number}),
        await graphql(worker.subject, CHILD, {"nhs": child.nhs_number}, purpose=None),
        await graphql(worker.subject, "{ me { subject } }"),
    ]

    events = await latest_events(session, 4)
    mine = events[-3:]
    assert [e.body["request_id"] for e in mine] == [r.headers["x-request-id"] for r in responses]
    assert [e.row.seq for e in mine] == [mine[0].row.seq + i for i in range(3)]
    for before in previous:  # the log may be empty before the first
        assert mine[0].row.seq == before.row.seq + 1
        assert mine[0].row.prev_hash == before.row.hash
    assert [e.row.prev_hash for e in mine[1:]] == [e.row.hash for e in mine[:-1]]
    assert len({e.body["id"] for e in mine}) == 3
    assert [e.body["operation"]["type"] for e in mine] == ["query"] * 3
    assert mine[2].body["operation"]["name"] is None
