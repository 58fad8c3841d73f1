"""The MASH front door over HTTP: an enquiry from contact to decision, who may see it, access
ending on closure, re-referrals — each operation audited."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.agencies import make_agency, make_user
from tests.factories.app import Call
from tests.factories.audit import latest_event
from tests.factories.children import make_record
from tests.factories.encompass import Clock
from tests.factories.mash import MONDAY_10, MashArea, code, contact, data
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.roles import Role

ENQUIRY_FIELDS = """
  id rag receivedAt deadline minutesLeft overdue summary closedAt accessEndsAt
  source sourceAgency { code }
  children { hubId givenName reReferral previousEnquiryId consent consentReason }
  requests { id agency { code } question dueAt overdue response summary categories lawfulBasis
             notSharingReason justification onTime }
  decision { outcome rationale participants { agency { code } seat role } }
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
query Inbox($open: Boolean!) {
  mashRequests(openOnly: $open) {
    request { id question dueAt response }
    enquiry { id rag summary children { hubId nhsNumber } requests { agency { code } } }
  }
}"""
RESPOND = """
mutation Respond($input: RespondToMashRequestInput!) {
  respondToMashRequest(input: $input) {
    id response summary categories lawfulBasis notSharingReason justification onTime
  }
}"""
DECIDE = f"""
mutation Decide($input: DecideMashEnquiryInput!) {{
  decideMashEnquiry(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
CONSENT = f"""
mutation Consent($input: RecordMashConsentInput!) {{
  recordMashConsent(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
CHILD = """
query Child($hubId: String!) { child(hubId: $hubId) { hubId records { category } } }
"""


async def open_enquiry(call: Call, area: MashArea, *children: Any, **extra: Any) -> Any:
    chosen = children or (area.child,)
    body = await call(area.mash, OPEN, {"input": contact(*chosen, received_at=MONDAY_10, **extra)})
    return data(body)["openMashEnquiry"]


async def ask(call: Call, area: MashArea, enquiry: Any, *agencies: Any) -> Any:
    codes = [agency.code for agency in agencies]
    return data(await call(area.mash, REQUEST, {"enquiry": enquiry["id"], "agencies": codes}))[
        "requestMashInformation"
    ]


async def test_an_enquiry_from_contact_to_decision(
    call: Call, area: MashArea, session: AsyncSession, clock: Clock
) -> None:
    # given a police contact about two siblings, rated Amber at screening
    enquiry = await open_enquiry(call, area, area.child, area.sibling)
    assert enquiry["rag"] == "AMBER"
    # Amber: 24 working hours from Monday 10:00 -> Thursday 10:00 (09:00-17:00)
    assert enquiry["deadline"] == "2026-11-26T10:00:00+00:00"
    assert enquiry["minutesLeft"] == 24 * 60
    assert [c["givenName"] for c in enquiry["children"]] == ["Robin", "Sam"]
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Open"
    assert sorted(c["child"] for c in event.body["children"]) == sorted(
        [area.child.id, area.sibling.id]
    )
    assert all(
        ["create", "mash.enquiry"] in [g[:2] for g in c["granted"]] for c in event.body["children"]
    )

    # when the MASH asks police and health
    enquiry = await ask(call, area, enquiry, area.police, area.health)
    assert [r["agency"]["code"] for r in enquiry["requests"]] == sorted(
        [area.police.code, area.health.code]
    )

    # then the police seat sees the request, the children, but not the contact's summary
    (item,) = data(await call(area.police_seat, INBOX, {"open": True}))["mashRequests"]
    assert item["enquiry"]["summary"] is None
    assert {c["hubId"] for c in item["enquiry"]["children"]} == {
        area.child.hub_id,
        area.sibling.hub_id,
    }
    assert [r["agency"]["code"] for r in item["enquiry"]["requests"]] == [area.police.code]

    # and answers: records shared, with the lawful basis
    clock.now = MONDAY_10 + timedelta(hours=2)
    answer = data(
        await call(
            area.police_seat,
            RESPOND,
            {
                "input": {
                    "id": item["request"]["id"],
                    "response": "RECORDS_SHARED",
                    "summary": "Synthetic: two call-outs to the address",
                    "categories": ["POLICE_DOMESTIC_ABUSE_INCIDENT"],
                    "lawfulBasis": "CWS_ACT_2026_DUTY_TO_SHARE",
                }
            },
        )
    )["respondToMashRequest"]
    assert (answer["response"], answer["onTime"]) == ("RECORDS_SHARED", True)
    event = await latest_event(session)
    assert all(
        ["create", "mash.response"] in [g[:2] for g in c["granted"]] for c in event.body["children"]
    )

    # the MASH team sees the answer; health (asked too) does not see the police's answer
    seen = data(await call(area.mash, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
    police = next(r for r in seen["requests"] if r["agency"]["code"] == area.police.code)
    assert police["summary"] == "Synthetic: two call-outs to the address"
    by_health = data(await call(area.health_seat, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
    assert [r["agency"]["code"] for r in by_health["requests"]] == [area.health.code]

    # when the MASH decides: s17 assessment
    decided = data(
        await call(
            area.mash,
            DECIDE,
            {
                "input": {
                    "enquiry": enquiry["id"],
                    "outcome": "S17_ASSESSMENT",
                    "rationale": "Synthetic rationale: needs assessment",
                }
            },
        )
    )["decideMashEnquiry"]
    assert decided["decision"]["outcome"] == "S17_ASSESSMENT"
    assert decided["closedAt"] is not None
    assert decided["minutesLeft"] is None
    event = await latest_event(session)
    assert all(
        ["create", "mash.decision"] in [g[:2] for g in c["granted"]] for c in event.body["children"]
    )
    # partners see the outcome, not the rationale
    by_police = data(await call(area.police_seat, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
    assert by_police["decision"] == {
        "outcome": "S17_ASSESSMENT",
        "rationale": None,
        "participants": [],
    }


async def test_a_partner_not_asked_is_told_the_enquiry_does_not_exist(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    enquiry = await ask(call, area, await open_enquiry(call, area), area.police)

    # another force's seat, and a health seat never asked, are refused — and it is audited
    for outsider in (area.other_police_seat, area.health_seat):
        body = await call(outsider, ENQUIRY, {"id": enquiry["id"]})
        assert code(body) == "ENQUIRY_NOT_FOUND"
        assert body["data"] is None
        event = await latest_event(session)
        (touched,) = event.body["children"]
        assert touched["child"] == area.child.id
        assert touched["refused"] == [["read", "mash.enquiry", "no_relationship"]]
    # nor can it answer a request that is not its own
    police_request = enquiry["requests"][0]["id"]
    body = await call(
        area.other_police_seat,
        RESPOND,
        {"input": {"id": police_request, "response": "NOTHING_KNOWN"}},
    )
    assert code(body) == "REQUEST_NOT_FOUND"
    # and its inbox is empty
    assert data(await call(area.other_police_seat, INBOX, {"open": False}))["mashRequests"] == []


async def _close(call: Call, area: MashArea, enquiry: Any) -> None:
    data(
        await call(
            area.mash,
            DECIDE,
            {
                "input": {
                    "enquiry": enquiry["id"],
                    "outcome": "NO_FURTHER_ACTION",
                    "rationale": "Synthetic: no concerns found",
                }
            },
        )
    )


async def test_closing_the_enquiry_ends_access_to_the_child(
    app: Callable[..., AbstractAsyncContextManager[Call]],
    area: MashArea,
    session: AsyncSession,
    clock: Clock,
) -> None:
    await make_record(session, area.child, area.police, Category.POLICE_MISSING_EPISODE)
    async with app(grace=timedelta(0)) as call:
        # before any enquiry the MASH team cannot see the child
        assert code(await call(area.mash, CHILD, {"hubId": area.child.hub_id})) == (
            "CHILD_NOT_FOUND"
        )
        enquiry = await ask(call, area, await open_enquiry(call, area), area.health)
        # while the enquiry is open the MASH team and the asked health seat see its records
        for user in (area.mash, area.health_seat):
            seen = data(await call(user, CHILD, {"hubId": area.child.hub_id}))["child"]
            assert "POLICE_MISSING_EPISODE" in [r["category"] for r in seen["records"]]
        await _close(call, area, enquiry)
        # closing (no grace) ends it for both, that same minute
        for user in (area.mash, area.health_seat):
            assert code(await call(user, CHILD, {"hubId": area.child.hub_id})) == (
                "CHILD_NOT_FOUND"
            )
            assert code(await call(user, ENQUIRY, {"id": enquiry["id"]})) == "ENQUIRY_NOT_FOUND"


async def test_the_grace_period_keeps_access_for_a_while_after_closing(
    app: Callable[..., AbstractAsyncContextManager[Call]], area: MashArea, clock: Clock
) -> None:
    async with app(grace=timedelta(hours=24)) as call:
        enquiry = await open_enquiry(call, area)
        await _close(call, area, enquiry)
        clock.now = MONDAY_10 + timedelta(hours=23, minutes=59)
        assert data(await call(area.mash, CHILD, {"hubId": area.child.hub_id}))["child"]
        seen = data(await call(area.mash, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
        assert seen["accessEndsAt"] == "2026-11-24T10:00:00+00:00"
        clock.now = MONDAY_10 + timedelta(hours=24)
        assert code(await call(area.mash, CHILD, {"hubId": area.child.hub_id})) == (
            "CHILD_NOT_FOUND"
        )


async def test_a_child_referred_again_within_12_months_is_flagged(
    call: Call, area: MashArea, clock: Clock
) -> None:
    # given a contact about the child in January 2026 (before "now")
    first = data(
        await call(
            area.mash,
            OPEN,
            {"input": contact(area.child, received_at=datetime(2026, 1, 10, 12, tzinfo=UTC))},
        )
    )["openMashEnquiry"]
    assert first["children"][0]["reReferral"] is False
    # and one about the sibling in November 2025 (more than 12 months before now)
    data(
        await call(
            area.mash,
            OPEN,
            {"input": contact(area.sibling, received_at=datetime(2025, 11, 22, 12, tzinfo=UTC))},
        )
    )
    # when both are referred again today
    again = await open_enquiry(call, area, area.child, area.sibling)
    flags = {c["hubId"]: (c["reReferral"], c["previousEnquiryId"]) for c in again["children"]}
    # then only the child contacted within 12 months is a re-referral, naming the enquiry
    assert flags[area.child.hub_id] == (True, first["id"])
    assert flags[area.sibling.hub_id] == (False, None)


async def test_another_councils_enquiry_is_not_a_re_referral_here(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given a contact about the child to a neighbouring council last month
    neighbour = await make_agency(session, AgencyKind.COUNCIL)
    neighbour_mash = await make_user(session, neighbour, (Role.MASH_PRACTITIONER,))
    last_month = datetime(2026, 10, 20, 12, tzinfo=UTC)
    data(await call(neighbour_mash, OPEN, {"input": contact(area.child, received_at=last_month)}))
    # when the child is referred to this council
    here = await open_enquiry(call, area)
    # then it is not flagged, and nothing of the other council's enquiry is shown
    assert here["children"][0]["reReferral"] is False
    assert here["children"][0]["previousEnquiryId"] is None


async def test_the_enquiry_relationship_is_for_the_mash_purpose_only(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given an open enquiry at the council about the child
    enquiry = await open_enquiry(call, area)
    await make_record(session, area.child, area.police, Category.POLICE_MISSING_EPISODE)
    s47 = "safeguarding.s47"
    # a council social worker (granted enquiries for s47) reaches neither the enquiry, nor
    # the child through it, nor the board: the enquiry is the MASH's relationship
    assert code(await call(area.social_worker, ENQUIRY, {"id": enquiry["id"]}, purpose=s47)) == (
        "ENQUIRY_NOT_FOUND"
    )
    assert code(
        await call(area.social_worker, CHILD, {"hubId": area.child.hub_id}, purpose=s47)
    ) == ("CHILD_NOT_FOUND")
    board = "query { mashBoard { id } }"
    assert code(await call(area.social_worker, board, purpose=s47)) == "FORBIDDEN"
    timeliness = 'query { mashTimeliness(since: "2026-11-01", until: "2026-11-30") { requests } }'
    assert code(await call(area.social_worker, timeliness, purpose=s47)) == "FORBIDDEN"
    # while the MASH team, for its purpose, does
    assert data(await call(area.mash, CHILD, {"hubId": area.child.hub_id}))["child"]
    assert [row["id"] for row in data(await call(area.mash, board))["mashBoard"]] == [enquiry["id"]]


async def test_partners_see_neither_the_contacts_source_nor_earlier_enquiries(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # given a school's contact about a child referred before, this year
    earlier = datetime(2026, 6, 1, 12, tzinfo=UTC)
    data(await call(area.mash, OPEN, {"input": contact(area.child, received_at=earlier)}))
    enquiry = await ask(
        call, area, await open_enquiry(call, area, sourceAgency=area.school.code), area.district
    )
    assert enquiry["sourceAgency"] == {"code": area.school.code}
    assert enquiry["children"][0]["reReferral"] is True
    # then the district asked sees neither (who made the contact, the child's MASH history)
    seen = data(await call(area.district_officer, ENQUIRY, {"id": enquiry["id"]}))["mashEnquiry"]
    assert seen["sourceAgency"] is None
    assert (seen["children"][0]["reReferral"], seen["children"][0]["previousEnquiryId"]) == (
        False,
        None,
    )
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Enquiry"


async def test_answers_are_made_through_the_front_door_only(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    # a partner seat cannot publish an "answer" as an ordinary record other partners read
    await ask(call, area, await open_enquiry(call, area), area.police)
    create = """
    mutation Create($input: CreateRecordInput!) { createRecord(input: $input) { id } }"""
    body = await call(
        area.police_seat,
        create,
        {
            "input": {
                "child": {"hubId": area.child.hub_id},
                "category": "MASH_RESPONSE",
                "lawfulBasis": "CWS_ACT_2026_DUTY_TO_SHARE",
                "validFrom": "2026-11-23",
                "payload": {"outcome": "nothing_known"},
            }
        },
    )
    assert code(body) == "INVALID_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "category"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"receivedAt": (MONDAY_10 - timedelta(days=800)).isoformat()}, "receivedAt"),
        ({"receivedAt": "0001-01-05T12:00:00+00:00"}, "receivedAt"),
        ({"summary": "Synthetic\x00contact"}, "summary"),
    ],
)
async def test_implausible_contacts_are_refused_clearly(
    call: Call, area: MashArea, change: dict[str, str], field: str
) -> None:
    body = await call(
        area.mash, OPEN, {"input": {**contact(area.child, received_at=MONDAY_10), **change}}
    )
    assert code(body) == "INVALID_INPUT"
    assert body["errors"][0]["extensions"]["field"] == field


async def test_timeliness_at_the_end_of_the_calendar_is_refused_clearly(
    call: Call, area: MashArea
) -> None:
    query = 'query { mashTimeliness(since: "9999-12-31", until: "9999-12-31") { requests } }'
    assert code(await call(area.mash, query)) == "INVALID_INPUT"


async def test_each_step_notes_what_happened_in_its_audit_event(
    call: Call, area: MashArea, session: AsyncSession
) -> None:
    enquiry = await open_enquiry(call, area, rag="RED")
    assert (await latest_event(session)).body["notes"] == {"enquiry": enquiry["id"], "rag": "red"}
    enquiry = await ask(call, area, enquiry, area.police, area.health)
    notes = (await latest_event(session)).body["notes"]
    assert notes["agencies_asked"] == ",".join(sorted([area.police.code, area.health.code]))
    consent = {"enquiry": enquiry["id"], "child": {"hubId": area.child.hub_id}, "status": "REFUSED"}
    data(await call(area.mash, CONSENT, {"input": consent}))
    assert (await latest_event(session)).body["notes"]["consent"] == "refused"
    (item, *_) = data(await call(area.police_seat, INBOX, {"open": True}))["mashRequests"]
    answer = {"id": item["request"]["id"], "response": "NOTHING_KNOWN"}
    data(await call(area.police_seat, RESPOND, {"input": answer}))
    notes = (await latest_event(session)).body["notes"]
    assert (notes["request"], notes["response"]) == (item["request"]["id"], "nothing_known")
    await _close(call, area, enquiry)
    assert (await latest_event(session)).body["notes"]["outcome"] == "no_further_action"
