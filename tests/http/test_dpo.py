"""The DPO's audit queries over HTTP: who may ask, what each answers, what is withheld, and
that asking is audited too.

Within a test the app's commits are savepoints of one connection, so the audit events that
earlier requests wrote are there for the DPO's queries to find.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, AuditAccess, AuditEvent, BreakGlass, Child, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from tests.factories.sharing import break_glass
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import Role

AUDIT = "audit.dpo"

VIEW = "query View($nhs: String) { child(nhsNumber: $nhs) { hubId } }"
OPEN = """
mutation Open($input: BreakGlassInput!) { breakGlass(input: $input) { id } }
"""
WHY = "Child brought to the out-of-hours team by police; no allocation recorded yet."

ACCESSES = """
query Accesses($nhs: String, $hub: String, $since: DateTime, $until: DateTime,
               $first: Int! = 50, $after: String) {
  accessesToChild(nhsNumber: $nhs, hubId: $hub, since: $since, until: $until,
                  first: $first, after: $after) {
    items {
      eventId occurredAt agency { code name kind } userName roles purpose lawfulBases
      granted { action category rule lawfulBasis } refused { action category reason }
      accessBasis disclosed breakGlass outcome operationName requestId
    }
    endCursor hasNextPage
  }
}
"""
ENTRY = """
    items {
      eventId occurredAt user { id displayName } roles operationType operationName purpose
      lawfulBases outcome errorCodes breakGlass requestId refused { action category reason }
      children { hubId accessBasis disclosed granted { action category } refused { reason } }
    }
    endCursor hasNextPage
"""
ACTIVITY = f"""
query Activity($user: Int, $subject: String, $since: DateTime, $until: DateTime,
               $first: Int! = 50, $after: String) {{
  userActivity(userId: $user, subject: $subject, since: $since, until: $until, first: $first,
               after: $after) {{ {ENTRY} }}
}}
"""
REFUSALS = f"""
query Refusals($since: DateTime, $until: DateTime) {{
  auditRefusals(since: $since, until: $until) {{ {ENTRY} }}
}}
"""
WITHOUT = f"""
query Without($since: DateTime, $until: DateTime) {{
  accessesWithoutRelationship(since: $since, until: $until) {{ {ENTRY} }}
}}
"""
REVIEW_FIELDS = """
  id user { id displayName } hubId purpose justification startedAt expiresAt reviewedAt
  reviewedBy { id displayName } reviewOutcome reviewNote
"""
REVIEWS = f"""
query Reviews($awaiting: Boolean! = true) {{
  breakGlassReviews(awaiting: $awaiting) {{ {REVIEW_FIELDS} }}
}}
"""
REVIEW = f"""
mutation Review($input: ReviewBreakGlassInput!) {{
  reviewBreakGlass(input: $input) {{ {REVIEW_FIELDS} }}
}}
"""


class Area:
    """A council (the DPO's agency) and a police force, each with a DPO and a practitioner,
    and a child both work with."""

    council: Agency
    police: Agency
    dpo: User
    worker: User
    police_dpo: User
    officer: User
    child: Child


async def area(session: AsyncSession) -> Area:
    scene = Area()
    scene.council = await make_agency(session)
    scene.police = await make_agency(session, AgencyKind.POLICE)
    scene.dpo = await make_user(session, scene.council, (Role.DPO,))
    scene.worker = await make_user(session, scene.council, (Role.SOCIAL_WORKER,))
    scene.police_dpo = await make_user(session, scene.police, (Role.DPO,))
    scene.officer = await make_user(session, scene.police, (Role.POLICE_OFFICER,))
    scene.child = await make_child(session)
    await relate(session, scene.child, scene.council)
    await relate(session, scene.child, scene.police, RelationshipKind.INCIDENT)
    return scene


def ok(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    value: str = errors[0]["extensions"]["code"]
    return value


async def last_event_of(session: AsyncSession, user: User) -> tuple[AuditEvent, dict[str, Any]]:
    row = (
        await session.execute(
            select(AuditEvent)
            .where(AuditEvent.user_id == user.id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).scalar_one()
    return row, json.loads(row.body)


def iso(moment: datetime) -> str:
    return moment.isoformat()


# --- who may ask -------------------------------------------------------------------------

OPERATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("accessesToChild", ACCESSES, {"hub": "H-unknown"}),
    ("userActivity", ACTIVITY, {"user": 1}),
    ("auditRefusals", REFUSALS, {}),
    ("accessesWithoutRelationship", WITHOUT, {}),
    ("breakGlassReviews", REVIEWS, {}),
    (
        "reviewBreakGlass",
        REVIEW,
        {"input": {"id": str(uuid.uuid4()), "outcome": "APPROPRIATE"}},
    ),
]


@pytest.mark.parametrize(
    ("caller", "purpose", "expected"),
    [
        ("worker", "safeguarding.s47", "FORBIDDEN"),
        ("worker", AUDIT, "FORBIDDEN"),
        ("dpo", None, "PURPOSE_REQUIRED"),
        ("dpo", "safeguarding.s47", "PURPOSE_REQUIRED"),
        ("dpo_and_worker", "safeguarding.s47", "PURPOSE_REQUIRED"),
    ],
)
@pytest.mark.parametrize(
    ("field", "document", "variables"), OPERATIONS, ids=[op[0] for op in OPERATIONS]
)
async def test_only_dpos_declaring_audit_may_ask(
    session: AsyncSession,
    graphql: GraphQLCall,
    caller: str,
    purpose: str | None,
    expected: str,
    field: str,
    document: str,
    variables: dict[str, Any],
) -> None:
    scene = await area(session)
    both = await make_user(session, scene.council, (Role.DPO, Role.SOCIAL_WORKER))
    who = {"worker": scene.worker, "dpo": scene.dpo, "dpo_and_worker": both}[caller]

    refused = await graphql(who.subject, document, variables, purpose=purpose)

    assert code(refused) == expected
    assert refused.json()["data"] is None
    # and the refusal is in the caller's own audit event
    row, body = await last_event_of(session, who)
    assert row.outcome == "failure"
    assert body["errors"] == [expected]
    assert body["children"] == []


@pytest.mark.parametrize(("field", "document", "variables"), OPERATIONS[1:5])
async def test_a_caldicott_guardian_may_ask(
    session: AsyncSession,
    graphql: GraphQLCall,
    field: str,
    document: str,
    variables: dict[str, Any],
) -> None:
    health = await make_agency(session, AgencyKind.HEALTH)
    guardian = await make_user(session, health, (Role.CALDICOTT_GUARDIAN,))
    if field == "userActivity":
        variables = {"user": guardian.id}

    allowed = await graphql(guardian.subject, document, variables, purpose=AUDIT)

    assert ok(allowed)[field] is not None


# --- who accessed this child? ------------------------------------------------------------


async def test_accesses_to_a_child_say_who_why_and_under_which_basis(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    # given the social worker and a police officer each viewed the child
    seen = await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number})
    ok(seen)
    ok(await graphql(scene.officer.subject, VIEW, {"nhs": scene.child.nhs_number}))

    # when the council's DPO asks who accessed the child
    answer = await graphql(
        scene.dpo.subject, ACCESSES, {"nhs": scene.child.nhs_number}, purpose=AUDIT
    )

    # then both accesses are there, newest first
    page = ok(answer)["accessesToChild"]
    police, council = page["items"]
    assert page["hasNextPage"] is False
    assert police["agency"] == {
        "code": scene.police.code,
        "name": scene.police.name,
        "kind": "POLICE",
    }
    assert police["accessBasis"] == "incident"
    # and only the DPO's own agency's staff are named
    assert police["userName"] is None
    assert council["userName"] == scene.worker.display_name
    assert council["agency"]["code"] == scene.council.code
    assert council["roles"] == ["SOCIAL_WORKER"]
    assert council["purpose"] == "SAFEGUARDING_S47"
    assert council["lawfulBases"] == ["CHILDREN_ACT_1989_S47"]
    assert council["granted"] == [
        {
            "action": "READ",
            "category": "IDENTITY",
            "rule": council["granted"][0]["rule"],
            "lawfulBasis": "CHILDREN_ACT_1989_S47",
        }
    ]
    assert council["granted"][0]["rule"]
    assert council["refused"] == []
    assert council["accessBasis"] == "allocation"
    assert council["disclosed"] is True
    assert council["breakGlass"] is False
    assert council["outcome"] == "SUCCESS"
    assert council["operationName"] == "View"
    assert council["requestId"] == seen.headers["X-Request-ID"]
    assert datetime.fromisoformat(council["occurredAt"]) <= datetime.fromisoformat(
        police["occurredAt"]
    )


async def test_refused_accesses_are_listed_with_their_reasons(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    # given the social worker looked for a child they have no relationship with
    looked = await graphql(scene.worker.subject, VIEW, {"nhs": stranger.nhs_number})
    assert code(looked) == "CHILD_NOT_FOUND"

    answer = await graphql(scene.dpo.subject, ACCESSES, {"hub": stranger.hub_id}, purpose=AUDIT)

    (access,) = ok(answer)["accessesToChild"]["items"]
    assert access["accessBasis"] == "none"
    assert access["disclosed"] is False
    assert access["granted"] == []
    assert access["refused"] == [
        {"action": "READ", "category": "IDENTITY", "reason": "no_relationship"}
    ]
    assert access["outcome"] != "SUCCESS"


async def test_asking_who_accessed_a_child_is_itself_audited(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    # given a child the council (the DPO's agency) has no relationship with
    unrelated = await make_child(session)
    await relate(session, unrelated, scene.police, RelationshipKind.INCIDENT)
    ok(await graphql(scene.officer.subject, VIEW, {"nhs": unrelated.nhs_number}))

    first = await graphql(scene.dpo.subject, ACCESSES, {"nhs": unrelated.nhs_number}, purpose=AUDIT)

    # then the DPO's event records the child, reached under the audit duty
    assert len(ok(first)["accessesToChild"]["items"]) == 1
    row, body = await last_event_of(session, scene.dpo)
    assert body["purpose"] == AUDIT
    assert body["operation"]["name"] == "Accesses"
    assert body["request_id"] == first.headers["X-Request-ID"]
    assert row.no_relationship is True
    (entry,) = body["children"]
    assert entry["child"] == unrelated.id
    assert entry["access"] == "audit_duty"
    assert [item[:2] for item in entry["granted"]] == [["read", "identity"]]
    assert {"period_since", "period_until"} <= body["notes"].keys()
    stored = (
        await session.execute(select(AuditAccess).where(AuditAccess.seq == row.seq))
    ).scalar_one()
    assert (stored.child_id, stored.access, stored.disclosed) == (unrelated.id, "audit_duty", True)
    # and the next question shows the DPO's own access too
    again = await graphql(scene.dpo.subject, ACCESSES, {"nhs": unrelated.nhs_number}, purpose=AUDIT)
    newest = ok(again)["accessesToChild"]["items"][0]
    assert newest["accessBasis"] == "audit_duty"
    assert newest["purpose"] == "AUDIT_DPO"
    assert newest["userName"] == scene.dpo.display_name


async def test_an_unknown_child_is_not_found(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)

    answer = await graphql(
        scene.dpo.subject, ACCESSES, {"nhs": "9990000018", "hub": None}, purpose=AUDIT
    )

    assert code(answer) in {"CHILD_NOT_FOUND", "INVALID_NHS_NUMBER"}
    both = await graphql(
        scene.dpo.subject,
        ACCESSES,
        {"nhs": scene.child.nhs_number, "hub": scene.child.hub_id},
        purpose=AUDIT,
    )
    assert code(both) == "INVALID_INPUT"


@pytest.mark.parametrize(
    ("disclose_in_days", "shown_to_council"),
    [(None, False), (30, False), (-1, True)],
    ids=["covert", "covert-until-later", "disclosable"],
)
async def test_police_accesses_are_withheld_while_a_covert_interest_is_not_disclosable(
    session: AsyncSession,
    graphql: GraphQLCall,
    disclose_in_days: int | None,
    shown_to_council: bool,
) -> None:
    scene = await area(session)
    today = datetime.now(UTC).date()
    await make_record(
        session,
        scene.child,
        scene.police,
        Category.POLICE_EXPLOITATION_INTELLIGENCE,
        {"summary": "synthetic"},
        restriction=Restriction.COVERT,
        disclose_from=(
            None if disclose_in_days is None else today + timedelta(days=disclose_in_days)
        ),
    )
    ok(await graphql(scene.officer.subject, VIEW, {"nhs": scene.child.nhs_number}))
    ok(await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}))

    council = await graphql(
        scene.dpo.subject, ACCESSES, {"nhs": scene.child.nhs_number}, purpose=AUDIT
    )
    police = await graphql(
        scene.police_dpo.subject, ACCESSES, {"nhs": scene.child.nhs_number}, purpose=AUDIT
    )

    council_sees = {a["agency"]["kind"] for a in ok(council)["accessesToChild"]["items"]}
    assert ("POLICE" in council_sees) is shown_to_council
    assert "COUNCIL" in council_sees
    # the police always see their own accesses, and never the council's staff names
    police_items = ok(police)["accessesToChild"]["items"]
    assert {a["agency"]["kind"] for a in police_items} == {"POLICE", "COUNCIL"}
    assert all(a["userName"] is None for a in police_items if a["agency"]["kind"] == "COUNCIL")


async def test_accesses_are_filtered_by_period(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)
    before = datetime.now(UTC)
    ok(await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}))
    after = datetime.now(UTC)

    async def count(**period: str) -> int:
        variables = {"nhs": scene.child.nhs_number, **period}
        answer = await graphql(scene.dpo.subject, ACCESSES, variables, purpose=AUDIT)
        return len(ok(answer)["accessesToChild"]["items"])

    # (each question is an access too, after ``after``: ask the empty periods first)
    assert await count(since=iso(after), until=iso(after + timedelta(hours=1))) == 0
    assert await count(until=iso(before)) == 0
    assert await count(since=iso(before - timedelta(seconds=1)), until=iso(after)) == 1


@pytest.mark.parametrize(
    "period",
    [
        {"since": "2026-06-02T00:00:00+00:00", "until": "2026-06-01T00:00:00+00:00"},
        {"since": "2026-06-01T00:00:00+00:00", "until": "2026-06-01T00:00:00+00:00"},
        {"since": "2026-06-01T00:00:00"},
    ],
    ids=["reversed", "empty", "no-offset"],
)
async def test_a_bad_period_is_refused(
    session: AsyncSession, graphql: GraphQLCall, period: dict[str, str]
) -> None:
    scene = await area(session)

    answer = await graphql(
        scene.dpo.subject, ACCESSES, {"nhs": scene.child.nhs_number, **period}, purpose=AUDIT
    )

    assert code(answer) == "INVALID_PERIOD"


async def test_accesses_are_paged_newest_first(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)
    views = [
        await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}) for _ in range(3)
    ]
    newest_first = [view.headers["X-Request-ID"] for view in reversed(views)]
    until = iso(datetime.now(UTC))

    one = ok(
        await graphql(
            scene.dpo.subject,
            ACCESSES,
            {"nhs": scene.child.nhs_number, "first": 2, "until": until},
            purpose=AUDIT,
        )
    )["accessesToChild"]
    two = ok(
        await graphql(
            scene.dpo.subject,
            ACCESSES,
            {"nhs": scene.child.nhs_number, "first": 2, "until": until, "after": one["endCursor"]},
            purpose=AUDIT,
        )
    )["accessesToChild"]

    assert one["hasNextPage"] is True
    assert two["hasNextPage"] is False
    assert [a["requestId"] for a in one["items"] + two["items"]] == newest_first
    assert two["endCursor"] is not None


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"first": 501}, "INVALID_INPUT"),
        ({"first": 0}, "INVALID_INPUT"),
        ({"after": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"after": "YXVkaXQ6LTE"}, "INVALID_CURSOR"),  # "audit:-1"
    ],
)
async def test_bad_paging_is_refused_without_echoing_it(
    session: AsyncSession, graphql: GraphQLCall, variables: dict[str, Any], expected: str
) -> None:
    scene = await area(session)

    answer = await graphql(
        scene.dpo.subject, ACCESSES, {"nhs": scene.child.nhs_number, **variables}, purpose=AUDIT
    )

    assert code(answer) == expected
    assert str(variables.get("after", "\0")) not in answer.text


# --- what did this user see? -------------------------------------------------------------


async def test_user_activity_lists_what_a_user_saw_between_two_times(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    start = datetime.now(UTC)
    # given the social worker viewed their child, then looked for another
    seen = await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number})
    looked = await graphql(scene.worker.subject, VIEW, {"nhs": stranger.nhs_number})
    end = datetime.now(UTC)
    ok(await graphql(scene.officer.subject, VIEW, {"nhs": scene.child.nhs_number}))

    by_id = await graphql(
        scene.dpo.subject,
        ACTIVITY,
        {"user": scene.worker.id, "since": iso(start), "until": iso(end)},
        purpose=AUDIT,
    )
    by_subject = await graphql(
        scene.dpo.subject,
        ACTIVITY,
        {"subject": scene.worker.subject, "since": iso(start), "until": iso(end)},
        purpose=AUDIT,
    )

    page = ok(by_id)["userActivity"]
    assert ok(by_subject)["userActivity"]["items"] == page["items"]
    refused, viewed = page["items"]
    assert [refused["requestId"], viewed["requestId"]] == [
        looked.headers["X-Request-ID"],
        seen.headers["X-Request-ID"],
    ]
    assert viewed["user"] == {"id": scene.worker.id, "displayName": scene.worker.display_name}
    assert viewed["operationType"] == "query"
    assert viewed["operationName"] == "View"
    assert viewed["purpose"] == "SAFEGUARDING_S47"
    assert viewed["outcome"] == "SUCCESS"
    assert viewed["children"] == [
        {
            "hubId": scene.child.hub_id,
            "accessBasis": "allocation",
            "disclosed": True,
            "granted": [{"action": "READ", "category": "IDENTITY"}],
            "refused": [],
        }
    ]
    assert refused["outcome"] != "SUCCESS"
    assert refused["errorCodes"] == ["CHILD_NOT_FOUND"]
    assert refused["children"] == [
        {
            "hubId": stranger.hub_id,
            "accessBasis": "none",
            "disclosed": False,
            "granted": [],
            "refused": [{"reason": "no_relationship"}],
        }
    ]
    # and the DPO's own event names the user investigated and the children shown
    _, body = await last_event_of(session, scene.dpo)
    assert body["notes"]["user_id"] == scene.worker.id
    assert {c["child"] for c in body["children"]} == {scene.child.id, stranger.id}
    assert {c["access"] for c in body["children"]} == {"audit_duty"}


async def test_user_activity_is_for_users_of_the_dpos_agency_only(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)

    by_id = await graphql(scene.dpo.subject, ACTIVITY, {"user": scene.officer.id}, purpose=AUDIT)
    by_subject = await graphql(
        scene.dpo.subject, ACTIVITY, {"subject": scene.officer.subject}, purpose=AUDIT
    )
    unknown = await graphql(scene.dpo.subject, ACTIVITY, {"user": 2_000_000_000}, purpose=AUDIT)
    neither = await graphql(scene.dpo.subject, ACTIVITY, {}, purpose=AUDIT)

    assert code(by_id) == code(by_subject) == code(unknown) == "USER_NOT_FOUND"
    assert scene.officer.subject not in by_subject.text
    assert code(neither) == "INVALID_INPUT"


async def test_user_activity_is_paged(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)
    for _ in range(3):
        ok(await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}))

    one = ok(
        await graphql(
            scene.dpo.subject, ACTIVITY, {"user": scene.worker.id, "first": 2}, purpose=AUDIT
        )
    )["userActivity"]
    two = ok(
        await graphql(
            scene.dpo.subject,
            ACTIVITY,
            {"user": scene.worker.id, "first": 2, "after": one["endCursor"]},
            purpose=AUDIT,
        )
    )["userActivity"]

    assert (len(one["items"]), one["hasNextPage"]) == (2, True)
    assert (len(two["items"]), two["hasNextPage"]) == (1, False)
    ids = [item["eventId"] for item in one["items"] + two["items"]]
    assert len(set(ids)) == 3


# --- refusals and accesses without a relationship ----------------------------------------


async def test_refusals_are_the_dpos_agencys_refused_operations(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    ok(await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}))
    looked = await graphql(scene.worker.subject, VIEW, {"nhs": stranger.nhs_number})
    no_purpose = await graphql(
        scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}, purpose=None
    )
    # a police refusal is the police DPO's to see
    assert code(await graphql(scene.officer.subject, VIEW, {"nhs": stranger.nhs_number}))

    answer = await graphql(scene.dpo.subject, REFUSALS, purpose=AUDIT)

    items = ok(answer)["auditRefusals"]["items"]
    assert [i["requestId"] for i in items] == [
        no_purpose.headers["X-Request-ID"],
        looked.headers["X-Request-ID"],
    ]
    missing, unrelated = items
    assert missing["refused"] == [
        {"action": "READ", "category": "IDENTITY", "reason": "purpose_missing"}
    ]
    assert missing["children"] == []
    assert unrelated["children"][0]["hubId"] == stranger.hub_id
    assert unrelated["children"][0]["refused"] == [{"reason": "no_relationship"}]
    assert unrelated["user"]["displayName"] == scene.worker.display_name
    police = await graphql(scene.police_dpo.subject, REFUSALS, purpose=AUDIT)
    assert [i["user"]["id"] for i in ok(police)["auditRefusals"]["items"]] == [scene.officer.id]


async def test_accesses_without_relationship_list_break_glass(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    ok(await graphql(scene.worker.subject, VIEW, {"nhs": scene.child.nhs_number}))
    opened = await graphql(
        scene.worker.subject,
        OPEN,
        {"input": {"child": {"nhsNumber": stranger.nhs_number}, "justification": WHY}},
    )
    ok(opened)
    viewed = await graphql(scene.worker.subject, VIEW, {"nhs": stranger.nhs_number})
    ok(viewed)

    answer = await graphql(scene.dpo.subject, WITHOUT, purpose=AUDIT)

    items = ok(answer)["accessesWithoutRelationship"]["items"]
    assert [i["requestId"] for i in items] == [
        viewed.headers["X-Request-ID"],
        opened.headers["X-Request-ID"],
    ]
    assert all(i["breakGlass"] for i in items)
    assert {c["accessBasis"] for i in items for c in i["children"]} == {"break_glass"}
    assert {c["hubId"] for i in items for c in i["children"]} == {stranger.hub_id}
    # and a period before them finds none
    early = await graphql(
        scene.dpo.subject,
        WITHOUT,
        {"until": iso(datetime.now(UTC) - timedelta(hours=1))},
        purpose=AUDIT,
    )
    assert ok(early)["accessesWithoutRelationship"]["items"] == []


# --- break-glass review ------------------------------------------------------------------


async def test_break_glass_is_reviewed_once(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    opened = ok(
        await graphql(
            scene.worker.subject,
            OPEN,
            {"input": {"child": {"nhsNumber": stranger.nhs_number}, "justification": WHY}},
        )
    )["breakGlass"]

    # given the session awaits review
    queue = ok(await graphql(scene.dpo.subject, REVIEWS, purpose=AUDIT))["breakGlassReviews"]
    (waiting,) = queue
    assert waiting["id"] == opened["id"]
    assert waiting["user"] == {"id": scene.worker.id, "displayName": scene.worker.display_name}
    assert waiting["hubId"] == stranger.hub_id
    assert waiting["purpose"] == "SAFEGUARDING_S47"
    assert waiting["justification"] == WHY
    assert waiting["reviewedAt"] is None
    assert waiting["reviewOutcome"] is None

    # when the DPO reviews it
    note = "Checked with the team manager: out-of-hours call, appropriate."
    reviewed = await graphql(
        scene.dpo.subject,
        REVIEW,
        {"input": {"id": opened["id"], "outcome": "APPROPRIATE", "note": note}},
        purpose=AUDIT,
    )

    # then the review is recorded, and the session leaves the queue
    done = ok(reviewed)["reviewBreakGlass"]
    assert done["reviewOutcome"] == "APPROPRIATE"
    assert done["reviewNote"] == note
    assert done["reviewedBy"] == {"id": scene.dpo.id, "displayName": scene.dpo.display_name}
    assert done["reviewedAt"] is not None
    row = (
        await session.execute(select(BreakGlass).where(BreakGlass.id == uuid.UUID(opened["id"])))
    ).scalar_one()
    await session.refresh(row)
    assert (row.reviewed_by, row.review_outcome, row.review_note) == (
        scene.dpo.id,
        "appropriate",
        note,
    )
    assert row.reviewed_at is not None
    assert ok(await graphql(scene.dpo.subject, REVIEWS, purpose=AUDIT))["breakGlassReviews"] == []
    history = ok(await graphql(scene.dpo.subject, REVIEWS, {"awaiting": False}, purpose=AUDIT))[
        "breakGlassReviews"
    ]
    assert [(r["id"], r["reviewOutcome"]) for r in history] == [(opened["id"], "APPROPRIATE")]
    # and the audit event says which session and the outcome, never the note
    review_event = (
        await session.execute(
            select(AuditEvent).where(
                AuditEvent.user_id == scene.dpo.id, AuditEvent.operation == "Review"
            )
        )
    ).scalar_one()
    review_body = json.loads(review_event.body)
    assert review_body["notes"]["break_glass_id"] == opened["id"]
    assert review_body["notes"]["review_outcome"] == "appropriate"
    assert review_body["outcome"] == "success"
    assert note not in review_event.body
    assert [c["child"] for c in review_body["children"]] == [stranger.id]

    # when reviewed again
    again = await graphql(
        scene.dpo.subject,
        REVIEW,
        {"input": {"id": opened["id"], "outcome": "INAPPROPRIATE", "note": "second thoughts"}},
        purpose=AUDIT,
    )
    assert code(again) == "ALREADY_REVIEWED"
    await session.refresh(row)
    assert row.review_outcome == "appropriate"


async def test_another_agencys_break_glass_is_not_found(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    glass = await break_glass(session, scene.worker, stranger)

    listed = await graphql(scene.police_dpo.subject, REVIEWS, purpose=AUDIT)
    reviewed = await graphql(
        scene.police_dpo.subject,
        REVIEW,
        {"input": {"id": str(glass.id), "outcome": "APPROPRIATE"}},
        purpose=AUDIT,
    )
    unknown = await graphql(
        scene.dpo.subject,
        REVIEW,
        {"input": {"id": str(uuid.uuid4()), "outcome": "APPROPRIATE"}},
        purpose=AUDIT,
    )

    assert ok(listed)["breakGlassReviews"] == []
    assert code(reviewed) == code(unknown) == "NOT_FOUND"
    await session.refresh(glass)
    assert glass.reviewed_at is None


@pytest.mark.parametrize(
    ("outcome", "note", "expected"),
    [
        ("INAPPROPRIATE", None, "NOTE_REQUIRED"),
        ("REFERRED", "   ", "NOTE_REQUIRED"),
        ("APPROPRIATE", "Private detail about Alex Testchild. " * 60, "INVALID_INPUT"),
    ],
)
async def test_a_review_needs_a_note_unless_appropriate(
    session: AsyncSession,
    graphql: GraphQLCall,
    outcome: str,
    note: str | None,
    expected: str,
) -> None:
    scene = await area(session)
    stranger = await make_child(session)
    glass = await break_glass(session, scene.worker, stranger)

    refused = await graphql(
        scene.dpo.subject,
        REVIEW,
        {"input": {"id": str(glass.id), "outcome": outcome, "note": note}},
        purpose=AUDIT,
    )

    assert code(refused) == expected
    assert "Testchild" not in refused.text
    await session.refresh(glass)
    assert glass.reviewed_at is None


async def test_a_dpo_does_not_review_their_own_break_glass(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    both = await make_user(session, scene.council, (Role.DPO, Role.SOCIAL_WORKER))
    glass = await break_glass(session, both, await make_child(session))

    refused = await graphql(
        both.subject,
        REVIEW,
        {"input": {"id": str(glass.id), "outcome": "APPROPRIATE"}},
        purpose=AUDIT,
    )
    allowed = await graphql(
        scene.dpo.subject,
        REVIEW,
        {"input": {"id": str(glass.id), "outcome": "REFERRED", "note": "Referred to HR."}},
        purpose=AUDIT,
    )

    assert code(refused) == "SELF_REVIEW"
    assert ok(allowed)["reviewBreakGlass"]["reviewOutcome"] == "REFERRED"


async def test_reviews_are_listed_for_a_period(session: AsyncSession, graphql: GraphQLCall) -> None:
    scene = await area(session)
    old = await break_glass(
        session,
        scene.worker,
        await make_child(session),
        started_at=datetime.now(UTC) - timedelta(days=10),
    )
    recent = await break_glass(session, scene.worker, await make_child(session))
    since = iso(datetime.now(UTC) - timedelta(days=1))

    everything = await graphql(scene.dpo.subject, REVIEWS, purpose=AUDIT)
    lately = await graphql(
        scene.dpo.subject,
        "query($since: DateTime) { breakGlassReviews(since: $since) { id } }",
        {"since": since},
        purpose=AUDIT,
    )

    assert [r["id"] for r in ok(everything)["breakGlassReviews"]] == [str(old.id), str(recent.id)]
    assert [r["id"] for r in ok(lately)["breakGlassReviews"]] == [str(recent.id)]


@pytest.mark.parametrize(
    ("document", "operation"),
    [(REFUSALS, "Refusals"), (WITHOUT, "Without"), (REVIEWS, "Reviews")],
    ids=["auditRefusals", "accessesWithoutRelationship", "breakGlassReviews"],
)
async def test_each_dpo_list_is_audited_itself(
    session: AsyncSession, graphql: GraphQLCall, document: str, operation: str
) -> None:
    scene = await area(session)

    answered = await graphql(scene.dpo.subject, document, purpose=AUDIT)

    ok(answered)
    row, body = await last_event_of(session, scene.dpo)
    assert (row.outcome, row.operation, row.purpose) == ("success", operation, AUDIT)
    assert body["request_id"] == answered.headers["X-Request-ID"]
    assert body["who"]["roles"] == ["dpo"]


CREATE = """
mutation Create($input: CreateRecordInput!) { createRecord(input: $input) { id } }
"""


async def test_a_failed_operation_shows_its_grants_but_nothing_disclosed(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    scene = await area(session)
    # given the social worker's record for their child was granted, then refused as invalid
    failed = await graphql(
        scene.worker.subject,
        CREATE,
        {
            "input": {
                "child": {"nhsNumber": scene.child.nhs_number},
                "category": "COUNCIL_CHILD_PROTECTION_PLAN",
                "lawfulBasis": "CHILDREN_ACT_1989_S47",
                "validFrom": "2026-09-01",
                "payload": {"not_a_field": True},
            }
        },
    )
    assert code(failed) == "INVALID_PAYLOAD"

    # when the DPO looks at what the worker saw
    items = ok(
        await graphql(scene.dpo.subject, ACTIVITY, {"user": scene.worker.id}, purpose=AUDIT)
    )["userActivity"]["items"]

    # then the grant is listed, but the child is not shown as disclosed: nothing left the hub
    (entry,) = items
    assert entry["outcome"] == "FAILURE"
    (child,) = entry["children"]
    assert child["granted"] == [{"action": "CREATE", "category": "COUNCIL_CHILD_PROTECTION_PLAN"}]
    assert child["disclosed"] is False
