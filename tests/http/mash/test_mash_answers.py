"""The MASH front door over HTTP, beyond the happy path: each kind of answer and what it
takes, consent for early help and for consent-based answers, the strategy discussion's
participants, escalation of overdue requests, the board and timeliness, and input errors
(whose messages never name a child)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db import Child, User
from identifiers import new_hub_id
from tests.factories.agencies import make_agency, make_user
from tests.factories.app import Call
from tests.factories.audit import latest_event
from tests.factories.children import make_child
from tests.factories.encompass import Clock
from tests.factories.mash import MONDAY_10, MashArea, contact, data
from vocab.agencies import AgencyKind
from vocab.roles import Role
from workflows.escalation import escalate_overdue

#: Monday 23 November 2026, 10:00 GMT (London = UTC): inside working hours.
#: A Red contact received at MONDAY_10 is due at 14:00.
RED_DUE = MONDAY_10 + timedelta(hours=4)

REQUEST_FIELDS = """
  id agency { code } dueAt overdue escalatedAt response respondedAt onTime summary categories
  lawfulBasis notSharingReason justification withheld
"""
ENQUIRY_FIELDS = f"""
  id rag deadline minutesLeft overdue closedAt accessEndsAt
  children {{ hubId consent consentReason reReferral }}
  requests {{ {REQUEST_FIELDS} }}
  decision {{ outcome rationale participants {{ agency {{ code }} seat role }} }}
"""
OPEN = f"""
mutation Open($input: OpenMashEnquiryInput!) {{
  openMashEnquiry(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
REQUEST = f"""
mutation Ask($enquiry: UUID!, $agencies: [String!]!) {{
  requestMashInformation(input: {{enquiry: $enquiry, agencies: $agencies,
                                   question: "Known to you? Synthetic question"}}) {{
    {ENQUIRY_FIELDS}
  }}
}}"""
ENQUIRY = f"query Enquiry($id: UUID!) {{ mashEnquiry(id: $id) {{ {ENQUIRY_FIELDS} }} }}"
INBOX = """
query Inbox { mashRequests(openOnly: true) { request { id } enquiry { id } } }
"""
RESPOND = f"""
mutation Respond($input: RespondToMashRequestInput!) {{
  respondToMashRequest(input: $input) {{ {REQUEST_FIELDS} }}
}}"""
CONSENT = f"""
mutation Consent($input: RecordMashConsentInput!) {{
  recordMashConsent(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
DECIDE = f"""
mutation Decide($input: DecideMashEnquiryInput!) {{
  decideMashEnquiry(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
ESCALATIONS = """
query Escalations {
  mashEscalations { request { id agency { code } escalatedAt overdue } enquiry { id } }
}"""
BOARD = """
query Board {
  mashBoard {
    id rag deadline minutesLeft overdue children reReferrals
    requests { agency { code } answered overdue }
  }
}"""
TIMELINESS = """
query Timeliness($since: Date!, $until: Date!) {
  mashTimeliness(since: $since, until: $until) {
    agency { code } requests answered answeredOnTime outstanding overdue unanswered onTimeRate
  }
}"""

#: A justification long enough (20 to 2,000 characters).
JUSTIFICATION = "Synthetic: sharing would alert the alleged perpetrator"
SHARED = {
    "response": "RECORDS_SHARED",
    "summary": "Synthetic: registered with the practice, two missed appointments",
    "categories": ["HEALTH_GP_REGISTRATION"],
    "lawfulBasis": "CWS_ACT_2026_DUTY_TO_SHARE",
}
NOT_SHARED = {
    "response": "DECISION_NOT_TO_SHARE",
    "notSharingReason": "WOULD_PREJUDICE_INVESTIGATION",
    "justification": JUSTIFICATION,
}


# --- Helpers --------------------------------------------------------------------------------


async def open_enquiry(
    call: Call,
    area: MashArea,
    *children: Child,
    received_at: datetime = MONDAY_10,
    rag: str = "AMBER",
    by: User | None = None,
) -> Any:
    chosen = children or (area.child,)
    body = await call(
        by or area.mash, OPEN, {"input": contact(*chosen, received_at=received_at, rag=rag)}
    )
    return data(body)["openMashEnquiry"]


async def ask(call: Call, area: MashArea, enquiry: Any, *agencies: Any) -> Any:
    codes = [agency.code for agency in agencies]
    return data(await call(area.mash, REQUEST, {"enquiry": enquiry["id"], "agencies": codes}))[
        "requestMashInformation"
    ]


def request_to(enquiry: Any, agency: Any) -> str:
    """The id of the enquiry's request to ``agency``."""
    (found,) = [r["id"] for r in enquiry["requests"] if r["agency"]["code"] == agency.code]
    request_id: str = found
    return request_id


async def respond(call: Call, user: User, request_id: str, **answer: Any) -> dict[str, Any]:
    body: dict[str, Any] = await call(user, RESPOND, {"input": {"id": request_id, **answer}})
    return body


async def read(call: Call, user: User, enquiry: Any) -> Any:
    return data(await call(user, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]


def seen_request(enquiry: Any, agency: Any) -> Any:
    (found,) = [r for r in enquiry["requests"] if r["agency"]["code"] == agency.code]
    return found


async def record_consent(
    call: Call, area: MashArea, enquiry: Any, child: Child, status: str, reason: str | None = None
) -> dict[str, Any]:
    given: dict[str, Any] = {
        "enquiry": enquiry["id"],
        "child": {"hubId": child.hub_id},
        "status": status,
    }
    if reason is not None:
        given["reason"] = reason
    body: dict[str, Any] = await call(area.mash, CONSENT, {"input": given})
    return body


async def decide(
    call: Call,
    area: MashArea,
    enquiry: Any,
    outcome: str,
    participants: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    given: dict[str, Any] = {
        "enquiry": enquiry["id"],
        "outcome": outcome,
        "rationale": "Synthetic rationale for the decision",
    }
    if participants is not None:
        given["participants"] = participants
    body: dict[str, Any] = await call(area.mash, DECIDE, {"input": given})
    return body


def refused(body: dict[str, Any], expected: str, field: str | None = None) -> None:
    """The operation failed with code ``expected`` (naming ``field``), and its message names
    no child."""
    assert body.get("errors"), body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == expected, error
    if field is not None:
        assert error["extensions"].get("field") == field, error
    assert "Robin" not in error["message"]
    assert "Testchild" not in error["message"]
    assert body["data"] is None


def granted(touched: dict[str, Any]) -> list[list[str]]:
    return [entry[:2] for entry in touched["granted"]]


def strategy(area: MashArea, education: Any = None) -> list[dict[str, str]]:
    return [
        {"agency": area.police.code, "seat": "POLICE", "role": "Detective sergeant"},
        {"agency": area.health.code, "seat": "HEALTH", "role": "Named nurse"},
        {
            "agency": (education or area.school).code,
            "seat": "EDUCATION",
            "role": "Designated safeguarding lead",
        },
    ]


# --- Answers --------------------------------------------------------------------------------


async def test_records_shared_reach_the_council_with_their_lawful_basis(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given an enquiry about two siblings, with health asked
    enquiry = await ask(
        call, area, await open_enquiry(call, area, area.child, area.sibling), area.health
    )

    # when the health seat shares its records
    body = await respond(call, area.health_seat, request_to(enquiry, area.health), **SHARED)

    # then the answer is stored as given, on time, and audited for each child
    answer = data(body)["respondToMashRequest"]
    assert answer["response"] == "RECORDS_SHARED"
    assert answer["onTime"] is True
    event = await latest_event(session)
    assert sorted(c["child"] for c in event.body["children"]) == sorted(
        [area.child.id, area.sibling.id]
    )
    for touched in event.body["children"]:
        assert ["create", "mash.response"] in granted(touched)
    # and the council's MASH team sees what was found, from where and on which basis
    seen = seen_request(await read(call, area.mash, enquiry), area.health)
    assert seen["summary"] == SHARED["summary"]
    assert seen["categories"] == ["HEALTH_GP_REGISTRATION"]
    assert seen["lawfulBasis"] == "CWS_ACT_2026_DUTY_TO_SHARE"
    assert (seen["notSharingReason"], seen["justification"]) == (None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": None}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"categories": None}, "categories"),
        ({"categories": []}, "categories"),
        ({"lawfulBasis": None}, "lawfulBasis"),
        ({"justification": JUSTIFICATION}, "justification"),
    ],
)
async def test_records_shared_take_a_summary_categories_and_a_lawful_basis(
    call: Call, area: MashArea, change: dict[str, Any], field: str
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.health)
    answer = {name: value for name, value in {**SHARED, **change}.items() if value is not None}

    body = await respond(call, area.health_seat, request_to(enquiry, area.health), **answer)

    refused(body, "INVALID_INPUT", field)
    assert seen_request(await read(call, area.mash, enquiry), area.health)["response"] is None


@pytest.mark.parametrize(
    ("seat", "asked", "categories", "field"),
    [
        ("health_seat", "health", ["POLICE_DOMESTIC_ABUSE_INCIDENT"], "categories.0"),
        (
            "police_seat",
            "police",
            ["POLICE_MISSING_EPISODE", "HEALTH_GP_REGISTRATION"],
            "categories.1",
        ),
        ("school_seat", "school", ["DISTRICT_HOUSING"], "categories.0"),
        ("district_officer", "district", ["EDUCATION_ATTENDANCE"], "categories.0"),
    ],
)
async def test_a_seat_shares_only_categories_its_kind_of_agency_holds(
    call: Call, area: MashArea, seat: str, asked: str, categories: list[str], field: str
) -> None:
    agency = getattr(area, asked)
    enquiry = await ask(call, area, await open_enquiry(call, area), agency)

    body = await respond(
        call,
        getattr(area, seat),
        request_to(enquiry, agency),
        **{**SHARED, "categories": categories},
    )

    refused(body, "INVALID_INPUT", field)


async def test_nothing_known_is_recorded_and_audited(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    enquiry = await ask(
        call, area, await open_enquiry(call, area, area.child, area.sibling), area.police
    )

    body = await respond(
        call, area.police_seat, request_to(enquiry, area.police), response="NOTHING_KNOWN"
    )

    answer = data(body)["respondToMashRequest"]
    assert (answer["response"], answer["summary"], answer["categories"]) == (
        "NOTHING_KNOWN",
        None,
        [],
    )
    event = await latest_event(session)
    assert len(event.body["children"]) == 2
    for touched in event.body["children"]:
        assert ["create", "mash.response"] in granted(touched)
    assert seen_request(await read(call, area.mash, enquiry), area.police)["response"] == (
        "NOTHING_KNOWN"
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"summary": "Synthetic: nothing of note"}, "summary"),
        ({"categories": ["POLICE_MISSING_EPISODE"]}, "categories"),
        ({"lawfulBasis": "CWS_ACT_2026_DUTY_TO_SHARE"}, "lawfulBasis"),
        ({"notSharingReason": "NO_LAWFUL_BASIS"}, "notSharingReason"),
        ({"justification": JUSTIFICATION}, "justification"),
    ],
)
async def test_nothing_known_takes_no_other_field(
    call: Call, area: MashArea, extra: dict[str, Any], field: str
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)

    body = await respond(
        call, area.police_seat, request_to(enquiry, area.police), response="NOTHING_KNOWN", **extra
    )

    refused(body, "INVALID_INPUT", field)


async def test_a_decision_not_to_share_shows_the_council_its_reason_and_justification(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    enquiry = await ask(
        call, area, await open_enquiry(call, area, area.child, area.sibling), area.police
    )

    body = await respond(call, area.police_seat, request_to(enquiry, area.police), **NOT_SHARED)

    assert data(body)["respondToMashRequest"]["response"] == "DECISION_NOT_TO_SHARE"
    event = await latest_event(session)
    assert len(event.body["children"]) == 2
    for touched in event.body["children"]:
        assert ["create", "mash.response"] in granted(touched)
    seen = seen_request(await read(call, area.mash, enquiry), area.police)
    assert (seen["notSharingReason"], seen["justification"]) == (
        "WOULD_PREJUDICE_INVESTIGATION",
        JUSTIFICATION,
    )
    assert (seen["summary"], seen["lawfulBasis"]) == (None, None)


@pytest.mark.parametrize(
    ("change", "expected", "field"),
    [
        ({"notSharingReason": None}, "INVALID_INPUT", "notSharingReason"),
        ({"justification": None}, "INVALID_INPUT", "justification"),
        ({"justification": "Too short to say"}, "JUSTIFICATION_REQUIRED", "justification"),
        ({"justification": "   " + "x" * 19 + "   "}, "JUSTIFICATION_REQUIRED", "justification"),
        ({"justification": ""}, "JUSTIFICATION_REQUIRED", "justification"),
        ({"justification": "x" * 2001}, "JUSTIFICATION_REQUIRED", "justification"),
        ({"summary": "Synthetic: known to us"}, "INVALID_INPUT", "summary"),
    ],
)
async def test_a_decision_not_to_share_needs_a_reason_and_a_real_justification(
    call: Call, area: MashArea, change: dict[str, Any], expected: str, field: str
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)
    answer = {name: value for name, value in {**NOT_SHARED, **change}.items() if value is not None}

    body = await respond(call, area.police_seat, request_to(enquiry, area.police), **answer)

    refused(body, expected, field)
    assert seen_request(await read(call, area.mash, enquiry), area.police)["response"] is None


async def test_a_request_is_answered_once(call: Call, area: MashArea) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)
    request_id = request_to(enquiry, area.police)
    data(await respond(call, area.police_seat, request_id, response="NOTHING_KNOWN"))

    # a second answer, of any kind, is refused and the first stands
    refused(await respond(call, area.police_seat, request_id, **NOT_SHARED), "ALREADY_ANSWERED")
    seen = seen_request(await read(call, area.mash, enquiry), area.police)
    assert (seen["response"], seen["justification"]) == ("NOTHING_KNOWN", None)


async def test_an_answer_after_the_decision_is_refused(
    call: Call, area: MashArea, clock: Clock
) -> None:
    # given an enquiry closed by its decision, still within the 24-hour grace period
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)
    data(await decide(call, area, enquiry, "NO_FURTHER_ACTION"))
    clock.now = MONDAY_10 + timedelta(hours=1)

    # when the police seat answers late
    body = await respond(
        call, area.police_seat, request_to(enquiry, area.police), response="NOTHING_KNOWN"
    )

    # then the enquiry is closed to answers, and the request stays unanswered
    refused(body, "ENQUIRY_CLOSED", "enquiry")
    assert (
        seen_request(await read(call, area.police_seat, enquiry), area.police)["response"] is None
    )


async def test_an_answer_after_the_deadline_is_not_on_time(
    call: Call, area: MashArea, clock: Clock
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area, rag="RED"), area.police)
    assert seen_request(enquiry, area.police)["dueAt"] == "2026-11-23T14:00:00+00:00"

    clock.now = RED_DUE + timedelta(minutes=1)
    before = seen_request(await read(call, area.mash, enquiry), area.police)
    assert before["overdue"] is True
    answer = data(
        await respond(
            call, area.police_seat, request_to(enquiry, area.police), response="NOTHING_KNOWN"
        )
    )["respondToMashRequest"]

    assert answer["onTime"] is False
    assert answer["respondedAt"] == "2026-11-23T14:01:00+00:00"
    after = seen_request(await read(call, area.mash, enquiry), area.police)
    assert (after["onTime"], after["overdue"]) == (False, False)


async def test_a_district_housing_officer_is_asked_and_answers(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given the district council's housing team is asked about two siblings
    enquiry = await ask(
        call, area, await open_enquiry(call, area, area.child, area.sibling), area.district
    )

    # then the housing officer finds the request in the inbox
    (item,) = data(await call(area.district_officer, INBOX))["mashRequests"]
    assert item["request"]["id"] == request_to(enquiry, area.district)

    # and answers with its housing records
    answer = data(
        await respond(
            call,
            area.district_officer,
            item["request"]["id"],
            **{
                **SHARED,
                "summary": "Synthetic: family in temporary accommodation since May",
                "categories": ["DISTRICT_HOUSING"],
            },
        )
    )["respondToMashRequest"]
    assert answer["response"] == "RECORDS_SHARED"
    event = await latest_event(session)
    assert len(event.body["children"]) == 2
    for touched in event.body["children"]:
        assert ["create", "mash.response"] in granted(touched)
    seen = seen_request(await read(call, area.mash, enquiry), area.district)
    assert seen["summary"] == "Synthetic: family in temporary accommodation since May"
    assert seen["categories"] == ["DISTRICT_HOUSING"]


# --- Consent --------------------------------------------------------------------------------


async def test_early_help_needs_every_childs_consent(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given two siblings, consent given for one only
    enquiry = await open_enquiry(call, area, area.child, area.sibling)
    data(await record_consent(call, area, enquiry, area.child, "GIVEN"))

    # when the MASH decides early help
    body = await decide(call, area, enquiry, "EARLY_HELP")

    # then it is refused, the refusal audited for the sibling, and the enquiry stays open
    refused(body, "CONSENT_REQUIRED")
    event = await latest_event(session)
    touched = {c["child"]: c for c in event.body["children"]}
    assert ["notify", "council.early_help"] in granted(touched[area.child.id])
    assert ["notify", "council.early_help", "consent_required"] in touched[area.sibling.id][
        "refused"
    ]
    assert (await read(call, area.mash, enquiry))["closedAt"] is None

    # when the sibling's consent is given too, early help is decided and the enquiry closes
    data(await record_consent(call, area, enquiry, area.sibling, "GIVEN"))
    decided = data(await decide(call, area, enquiry, "EARLY_HELP"))["decideMashEnquiry"]
    assert decided["decision"]["outcome"] == "EARLY_HELP"
    assert decided["closedAt"] is not None
    event = await latest_event(session)
    for touched_child in event.body["children"]:
        assert ["notify", "council.early_help"] in granted(touched_child)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("REFUSED", None),
        ("SOUGHT", None),
        ("NOT_SOUGHT", "Synthetic: asking would alert the household"),
        (None, None),
    ],
)
async def test_early_help_without_consent_given_is_refused(
    call: Call, area: MashArea, session: AsyncSession, status: str | None, reason: str | None
) -> None:
    enquiry = await open_enquiry(call, area)
    if status is not None:
        recorded = data(await record_consent(call, area, enquiry, area.child, status, reason))
        assert recorded["recordMashConsent"]["children"][0]["consent"] == status

    refused(await decide(call, area, enquiry, "EARLY_HELP"), "CONSENT_REQUIRED")

    event = await latest_event(session)
    (touched,) = event.body["children"]
    assert touched["refused"] == [["notify", "council.early_help", "consent_required"]]
    again = await read(call, area.mash, enquiry)
    assert (again["closedAt"], again["decision"]) == (None, None)


@pytest.mark.parametrize("reason", [None, "   "])
async def test_consent_not_sought_needs_a_reason(
    call: Call, area: MashArea, reason: str | None
) -> None:
    enquiry = await open_enquiry(call, area)

    refused(
        await record_consent(call, area, enquiry, area.child, "NOT_SOUGHT", reason),
        "INVALID_INPUT",
        "reason",
    )
    assert (await read(call, area.mash, enquiry))["children"][0]["consent"] is None


async def test_why_consent_was_not_sought_is_for_the_council_only(
    call: Call, area: MashArea
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)
    reason = "Synthetic: asking would alert the household"

    recorded = data(await record_consent(call, area, enquiry, area.child, "NOT_SOUGHT", reason))

    (child,) = recorded["recordMashConsent"]["children"]
    assert (child["consent"], child["consentReason"]) == ("NOT_SOUGHT", reason)
    (by_police,) = (await read(call, area.police_seat, enquiry))["children"]
    assert (by_police["consent"], by_police["consentReason"]) == ("NOT_SOUGHT", None)


@pytest.mark.parametrize(
    ("outcome", "with_participants"),
    [("S17_ASSESSMENT", False), ("STRATEGY_DISCUSSION", True), ("NO_FURTHER_ACTION", False)],
)
async def test_other_outcomes_need_no_consent(
    call: Call, area: MashArea, outcome: str, with_participants: bool
) -> None:
    # consent refused for one sibling, never recorded for the other
    enquiry = await open_enquiry(call, area, area.child, area.sibling)
    data(await record_consent(call, area, enquiry, area.child, "REFUSED"))

    body = await decide(call, area, enquiry, outcome, strategy(area) if with_participants else None)

    decided = data(body)["decideMashEnquiry"]
    assert decided["decision"]["outcome"] == outcome
    assert decided["closedAt"] is not None


async def test_sharing_on_consent_needs_each_childs_consent_given(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given two siblings asked about, consent given for the sibling only
    enquiry = await ask(
        call, area, await open_enquiry(call, area, area.child, area.sibling), area.health
    )
    data(await record_consent(call, area, enquiry, area.sibling, "GIVEN"))
    request_id = request_to(enquiry, area.health)
    on_consent = {**SHARED, "lawfulBasis": "CONSENT"}

    # when health shares on the basis of consent, it is refused
    refused(
        await respond(call, area.health_seat, request_id, **on_consent),
        "CONSENT_REQUIRED",
        "lawfulBasis",
    )
    # and the refusal is audited, with each child asked about
    event = await latest_event(session)
    touched = {c["child"]: c for c in event.body["children"]}
    assert touched[area.child.id]["refused"] == [["create", "mash.response", "consent_required"]]
    assert ["create", "mash.response"] in granted(touched[area.sibling.id])
    assert seen_request(await read(call, area.mash, enquiry), area.health)["response"] is None

    # when the child's consent is given too, the answer is accepted on consent
    data(await record_consent(call, area, enquiry, area.child, "GIVEN"))
    answer = data(await respond(call, area.health_seat, request_id, **on_consent))
    assert answer["respondToMashRequest"]["lawfulBasis"] == "CONSENT"


async def test_a_consent_based_answer_on_a_statutory_basis_needs_a_justification(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given health shares mental health information on its statutory duty
    enquiry = await ask(call, area, await open_enquiry(call, area), area.health)
    request_id = request_to(enquiry, area.health)
    mental_health = {
        **SHARED,
        "summary": "Synthetic: known to CAMHS",
        "categories": ["HEALTH_GP_REGISTRATION", "HEALTH_MENTAL_HEALTH"],
    }
    # without a written justification it is refused; on a basis that is not statutory too
    body = await respond(call, area.health_seat, request_id, **mental_health)
    refused(body, "INVALID_INPUT", "justification")
    public_task = {**mental_health, "lawfulBasis": "PUBLIC_TASK", "justification": "x" * 30}
    refused(
        await respond(call, area.health_seat, request_id, **public_task),
        "INVALID_INPUT",
        "lawfulBasis",
    )

    # with one, the council's MASH team sees it at once, consent or not (not sought)
    data(await record_consent(call, area, enquiry, area.child, "NOT_SOUGHT", "Synthetic risk"))
    justified = {**mental_health, "justification": "Synthetic: risk of significant harm"}
    data(await respond(call, area.health_seat, request_id, **justified))
    shown = seen_request(await read(call, area.mash, enquiry), area.health)
    assert (shown["summary"], shown["withheld"]) == ("Synthetic: known to CAMHS", None)
    assert shown["justification"] == "Synthetic: risk of significant harm"


async def test_a_consent_based_answer_on_consent_is_withheld_once_consent_is_refused(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given health shares mental health information on the child's consent
    enquiry = await ask(call, area, await open_enquiry(call, area), area.health)
    data(await record_consent(call, area, enquiry, area.child, "GIVEN"))
    on_consent = {
        **SHARED,
        "summary": "Synthetic: known to CAMHS",
        "categories": ["HEALTH_MENTAL_HEALTH"],
        "lawfulBasis": "CONSENT",
    }
    answer = data(
        await respond(call, area.health_seat, request_to(enquiry, area.health), **on_consent)
    )["respondToMashRequest"]
    assert answer["summary"] == "Synthetic: known to CAMHS"
    shown = seen_request(await read(call, area.mash, enquiry), area.health)
    assert (shown["summary"], shown["withheld"]) == ("Synthetic: known to CAMHS", None)

    # when consent is then refused, the council sees that health answered, not what, and why
    data(await record_consent(call, area, enquiry, area.child, "REFUSED"))
    withheld = seen_request(await read(call, area.mash, enquiry), area.health)
    assert withheld["response"] == "RECORDS_SHARED"
    assert (withheld["summary"], withheld["categories"]) == (None, [])
    assert withheld["withheld"] == "CONSENT_REQUIRED"
    event = await latest_event(session)
    assert event.body["masked"]
    # health still sees its own answer
    own = data(await call(area.health_seat, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
    assert own["requests"][0]["summary"] == "Synthetic: known to CAMHS"


# --- The strategy discussion ----------------------------------------------------------------


@pytest.mark.parametrize("education", ["school", "council"])
async def test_a_strategy_discussion_records_its_participants(
    call: Call, area: MashArea, education: str
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)
    participants = strategy(area, getattr(area, education))

    decided = data(await decide(call, area, enquiry, "STRATEGY_DISCUSSION", participants))[
        "decideMashEnquiry"
    ]

    expected = [
        {"agency": {"code": p["agency"]}, "seat": p["seat"], "role": p["role"]}
        for p in participants
    ]
    assert decided["decision"]["participants"] == expected
    assert decided["closedAt"] is not None
    # partners asked see the outcome only: not who took part, nor the rationale
    by_police = (await read(call, area.police_seat, enquiry))["decision"]
    assert by_police["outcome"] == "STRATEGY_DISCUSSION"
    assert (by_police["participants"], by_police["rationale"]) == ([], None)


@pytest.mark.parametrize("missing", ["POLICE", "HEALTH", "EDUCATION", "ALL"])
async def test_a_strategy_discussion_needs_police_health_and_education(
    call: Call, area: MashArea, missing: str
) -> None:
    enquiry = await open_enquiry(call, area)
    participants = [p for p in strategy(area) if missing not in (p["seat"], "ALL")]

    body = await decide(call, area, enquiry, "STRATEGY_DISCUSSION", participants)

    refused(body, "PARTICIPANTS_REQUIRED", "participants")
    assert (await read(call, area.mash, enquiry))["closedAt"] is None


@pytest.mark.parametrize(
    ("outcome", "replace", "expected", "field"),
    [
        # a school cannot speak for the police, nor a police force for health
        ("STRATEGY_DISCUSSION", (0, "school"), "INVALID_INPUT", "participants.0"),
        ("STRATEGY_DISCUSSION", (1, "police"), "INVALID_INPUT", "participants.1"),
        ("STRATEGY_DISCUSSION", (2, "district"), "INVALID_INPUT", "participants.2"),
        ("STRATEGY_DISCUSSION", (1, None), "AGENCY_NOT_FOUND", "participants.1"),
        # only a strategy discussion has participants
        ("S17_ASSESSMENT", None, "INVALID_INPUT", "participants"),
        ("NO_FURTHER_ACTION", None, "INVALID_INPUT", "participants"),
    ],
)
async def test_strategy_participants_must_be_able_to_speak_for_their_seat(
    call: Call,
    area: MashArea,
    outcome: str,
    replace: tuple[int, str | None] | None,
    expected: str,
    field: str,
) -> None:
    enquiry = await open_enquiry(call, area)
    participants = strategy(area)
    if replace is not None:
        position, agency = replace
        participants[position]["agency"] = getattr(area, agency).code if agency else "E99999999"

    body = await decide(call, area, enquiry, outcome, participants)

    refused(body, expected, field)
    again = await read(call, area.mash, enquiry)
    assert (again["closedAt"], again["decision"]) == (None, None)


# --- Escalation -----------------------------------------------------------------------------


async def test_overdue_requests_are_escalated_to_the_mash_managers(
    call: Call,
    area: MashArea,
    session: AsyncSession,
    clock: Clock,
    connection: AsyncConnection,
) -> None:
    health_manager = await make_user(session, area.health, (Role.MASH_MANAGER,))
    # given a Red enquiry asking police and health, and another asking police, since closed
    enquiry = await ask(
        call, area, await open_enquiry(call, area, rag="RED"), area.police, area.health
    )
    closed = await ask(
        call, area, await open_enquiry(call, area, area.sibling, rag="RED"), area.police
    )
    data(await decide(call, area, closed, "NO_FURTHER_ACTION"))
    # health answers in time; the police never do
    clock.now = MONDAY_10 + timedelta(hours=1)
    data(
        await respond(
            call, area.health_seat, request_to(enquiry, area.health), response="NOTHING_KNOWN"
        )
    )

    # the sweep before the deadline escalates nothing
    assert await escalate_overdue(connection, RED_DUE - timedelta(minutes=1)) == set()
    # when the sweep runs after the deadline
    concerned = await escalate_overdue(connection, RED_DUE + timedelta(hours=1))
    clock.now = RED_DUE + timedelta(hours=1, minutes=5)

    # then only the police's unanswered request in the open enquiry is escalated
    assert concerned == {area.police.id}
    police_request = request_to(enquiry, area.police)
    for manager in (area.police_manager, area.manager):
        (item,) = data(await call(manager, ESCALATIONS))["mashEscalations"]
        assert item["enquiry"]["id"] == enquiry["id"]
        assert item["request"]["id"] == police_request
        assert item["request"]["agency"] == {"code": area.police.code}
        assert item["request"]["escalatedAt"] == "2026-11-23T15:00:00+00:00"
        assert item["request"]["overdue"] is True
    # another agency's manager sees none of it
    assert data(await call(health_manager, ESCALATIONS))["mashEscalations"] == []
    # the closed enquiry's request was not escalated
    (not_escalated,) = (await read(call, area.mash, closed))["requests"]
    assert not_escalated["escalatedAt"] is None
    # and a second sweep finds nothing new
    assert await escalate_overdue(connection, RED_DUE + timedelta(hours=2)) == set()

    # once the police answer (late), it leaves the escalations
    late = data(await respond(call, area.police_seat, police_request, response="NOTHING_KNOWN"))
    assert late["respondToMashRequest"]["onTime"] is False
    for manager in (area.police_manager, area.manager):
        assert data(await call(manager, ESCALATIONS))["mashEscalations"] == []


@pytest.mark.parametrize("user", ["mash", "police_seat", "district_officer"])
async def test_escalations_are_for_mash_managers(call: Call, area: MashArea, user: str) -> None:
    refused(await call(getattr(area, user), ESCALATIONS), "FORBIDDEN")


# --- The board and timeliness ---------------------------------------------------------------


async def test_the_board_lists_the_councils_open_enquiries_soonest_deadline_first(
    call: Call, area: MashArea, session: AsyncSession, clock: Clock
) -> None:
    other, stranger = await make_child(session), await make_child(session)
    other_council = await make_agency(session, AgencyKind.COUNCIL)
    other_mash = await make_user(session, other_council, (Role.MASH_PRACTITIONER,))
    clock.now = MONDAY_10 + timedelta(hours=6)  # Monday 16:00
    # given an earlier enquiry about the child, closed
    earlier = await open_enquiry(call, area, received_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
    data(await decide(call, area, earlier, "NO_FURTHER_ACTION"))
    # another council's enquiry
    await open_enquiry(call, area, stranger, by=other_mash)
    # Green and Amber contacts this morning, and a Red one at 16:00 about both siblings
    green = await open_enquiry(call, area, other, rag="GREEN")
    amber = await open_enquiry(call, area, other, rag="AMBER")
    red = await open_enquiry(call, area, area.child, area.sibling, rag="RED", received_at=clock.now)
    red = await ask(call, area, red, area.police, area.health)

    # at receipt the Red clock has its full 4 hours; Amber has 18 working hours left
    board = data(await call(area.mash, BOARD))["mashBoard"]
    assert [row["id"] for row in board] == [red["id"], amber["id"], green["id"]]
    assert [row["minutesLeft"] for row in board] == [240, 18 * 60, 66 * 60]

    # when the police answer and the evening comes (21:00: the MASH is closed)
    clock.now = MONDAY_10 + timedelta(hours=7)
    data(await respond(call, area.police_seat, request_to(red, area.police), **NOT_SHARED))
    clock.now = MONDAY_10 + timedelta(hours=11)
    board = data(await call(area.mash, BOARD))["mashBoard"]

    # then Red is an hour overdue in plain time; Amber and Green counted working time only
    assert [row["id"] for row in board] == [red["id"], amber["id"], green["id"]]
    first = board[0]
    assert (first["rag"], first["minutesLeft"], first["overdue"]) == ("RED", -60, True)
    assert (first["children"], first["reReferrals"]) == (2, 1)
    assert {r["agency"]["code"]: (r["answered"], r["overdue"]) for r in first["requests"]} == {
        area.police.code: (True, False),
        area.health.code: (False, True),
    }
    assert [(row["minutesLeft"], row["overdue"]) for row in board[1:]] == [
        (17 * 60, False),
        (65 * 60, False),
    ]
    assert (board[1]["children"], board[1]["reReferrals"], board[1]["requests"]) == (1, 0, [])


@pytest.mark.parametrize("user", ["police_seat", "health_seat", "school_seat", "district_officer"])
async def test_a_partner_seat_has_no_board(call: Call, area: MashArea, user: str) -> None:
    await ask(call, area, await open_enquiry(call, area), area.police, area.health)

    refused(await call(getattr(area, user), BOARD), "FORBIDDEN")


async def test_timeliness_per_agency(call: Call, area: MashArea, clock: Clock) -> None:
    # given a Red contact this morning asking police, health and the school
    red = await ask(
        call, area, await open_enquiry(call, area, rag="RED"), area.police, area.health, area.school
    )
    # an Amber one asking the police, another on Friday, and one asking the district, closed
    amber = await ask(call, area, await open_enquiry(call, area, area.sibling), area.police)
    friday = datetime(2026, 11, 20, 10, tzinfo=UTC)
    await ask(call, area, await open_enquiry(call, area, received_at=friday), area.police)
    closed = await ask(call, area, await open_enquiry(call, area, rag="RED"), area.district)
    data(await decide(call, area, closed, "NO_FURTHER_ACTION"))
    # the police answer in time, health late, the school not at all
    clock.now = MONDAY_10 + timedelta(hours=1)
    data(await respond(call, area.police_seat, request_to(red, area.police), **NOT_SHARED))
    clock.now = RED_DUE + timedelta(hours=1)
    data(await respond(call, area.health_seat, request_to(red, area.health), **SHARED))
    clock.now = RED_DUE + timedelta(hours=2)
    assert amber["requests"][0]["response"] is None

    # when the council asks for Monday's contacts
    monday = {"since": "2026-11-23", "until": "2026-11-23"}
    rows = data(await call(area.mash, TIMELINESS, monday))["mashTimeliness"]

    # then each agency asked has its row
    police = {
        "agency": {"code": area.police.code},
        "requests": 2,
        "answered": 1,
        "answeredOnTime": 1,
        "outstanding": 1,
        "overdue": 0,
        "unanswered": 0,
        "onTimeRate": 1.0,
    }
    assert {row["agency"]["code"]: row for row in rows} == {
        area.police.code: police,
        area.health.code: {
            "agency": {"code": area.health.code},
            "requests": 1,
            "answered": 1,
            "answeredOnTime": 0,
            "outstanding": 0,
            "overdue": 0,
            "unanswered": 0,
            "onTimeRate": 0.0,
        },
        area.school.code: {
            "agency": {"code": area.school.code},
            "requests": 1,
            "answered": 0,
            "answeredOnTime": 0,
            "outstanding": 1,
            "overdue": 1,
            "unanswered": 0,
            "onTimeRate": 0.0,
        },
        area.district.code: {
            "agency": {"code": area.district.code},
            "requests": 1,
            "answered": 0,
            "answeredOnTime": 0,
            "outstanding": 0,
            "overdue": 0,
            # decided without the district's answer: counted against it
            "unanswered": 1,
            "onTimeRate": 0.0,
        },
    }
    assert [row["agency"]["code"] for row in rows] == sorted(row["agency"]["code"] for row in rows)
    # Friday's contact counts from Friday on
    week = {"since": "2026-11-20", "until": "2026-11-23"}
    (by_week,) = [
        row
        for row in data(await call(area.mash, TIMELINESS, week))["mashTimeliness"]
        if row["agency"]["code"] == area.police.code
    ]
    assert (by_week["requests"], by_week["outstanding"]) == (3, 2)
    # a partner seat sees its own agency's row only
    assert data(await call(area.police_seat, TIMELINESS, monday))["mashTimeliness"] == [police]
    (own,) = data(await call(area.school_seat, TIMELINESS, monday))["mashTimeliness"]
    assert own["agency"] == {"code": area.school.code}


# --- Input errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected", "field"),
    [
        ("future", "INVALID_INPUT", "receivedAt"),
        ("no_children", "INVALID_INPUT", "children"),
        ("unknown_child", "CHILD_NOT_FOUND", "children.0"),
        ("unknown_second_child", "CHILD_NOT_FOUND", "children.1"),
        ("same_child_twice", "INVALID_INPUT", "children.1"),
    ],
)
async def test_opening_an_enquiry_checks_its_input(
    call: Call, area: MashArea, case: str, expected: str, field: str
) -> None:
    robin = {"hubId": area.child.hub_id}
    unknown = {"hubId": new_hub_id()}
    changes: dict[str, dict[str, Any]] = {
        # beyond the 5 minutes of clock skew tolerated
        "future": {"receivedAt": (MONDAY_10 + timedelta(minutes=6)).isoformat()},
        "no_children": {"children": []},
        "unknown_child": {"children": [unknown, robin]},
        "unknown_second_child": {"children": [robin, unknown]},
        "same_child_twice": {"children": [robin, robin]},
    }
    given = {**contact(area.child, received_at=MONDAY_10), **changes[case]}

    refused(await call(area.mash, OPEN, {"input": given}), expected, field)


async def test_a_contact_a_few_minutes_ahead_of_the_clock_is_accepted(
    call: Call, area: MashArea
) -> None:
    # clock skew between the caller and the hub is tolerated (5 minutes)
    ahead = MONDAY_10 + timedelta(minutes=4)
    enquiry = await open_enquiry(call, area, received_at=ahead, rag="RED")
    assert enquiry["deadline"] == "2026-11-23T14:04:00+00:00"


@pytest.mark.parametrize(
    ("agencies", "expected", "field"),
    [
        (["council"], "INVALID_INPUT", "agencies.0"),
        (["police", "council"], "INVALID_INPUT", "agencies.1"),
        (["police", None], "AGENCY_NOT_FOUND", "agencies.1"),
    ],
)
async def test_information_is_asked_of_partner_seats_only(
    call: Call, area: MashArea, agencies: list[str | None], expected: str, field: str
) -> None:
    enquiry = await open_enquiry(call, area)
    codes = [getattr(area, name).code if name else "E23999999" for name in agencies]

    body = await call(area.mash, REQUEST, {"enquiry": enquiry["id"], "agencies": codes})

    refused(body, expected, field)
    assert (await read(call, area.mash, enquiry))["requests"] == []


@pytest.mark.parametrize("user", ["police_seat", "health_seat", "school_seat", "district_officer"])
async def test_only_the_councils_mash_team_opens_enquiries(
    call: Call, area: MashArea, user: str
) -> None:
    body = await call(
        getattr(area, user), OPEN, {"input": contact(area.child, received_at=MONDAY_10)}
    )

    refused(body, "FORBIDDEN")
    assert data(await call(area.mash, BOARD))["mashBoard"] == []
