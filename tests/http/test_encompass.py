"""Operation Encompass over HTTP: submission, matching, routing, deadlines, the inbox,
acknowledgement, the MASH queue, reporting and escalation — each operation audited."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db import EncompassIncident, EncompassNotification, SchoolClosure, SchoolTerm
from hub.settings import Settings
from tests.factories.app import Call, caller
from tests.factories.audit import latest_event
from tests.factories.children import house, make_child
from tests.factories.encompass import Area, Clock, by_nhs, incident, make_area, pupil
from workflows.escalation import escalate_overdue

ENCOMPASS = "safeguarding.encompass"
FRIDAY_NIGHT = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # Friday 20 November 2026, GMT

SUBMIT = """
mutation Submit($input: EncompassIncidentInput!) {
  submitEncompassIncident(input: $input) {
    policeReference duplicate
    incident { id policeReference children {
      position method confidence route reason deadline sentLate recipients { code kind }
    } }
  }
}
"""
SUBMIT_MANY = """
mutation SubmitMany($input: SubmitEncompassIncidentsInput!) {
  submitEncompassIncidents(input: $input) {
    policeReference duplicate
    incident { id children { route reason deadline } }
    error { code field message }
  }
}
"""
NOTIFICATION_FIELDS = """
  id route reason occurredAt childPresent voiceOfChild deadline sentLate overdue
  acknowledgedAt escalatedAt receivedAt
  child { hubId givenName familyName dateOfBirth }
  policeContact { reference name telephone force { code } }
  particulars { givenName familyName postcode confidence location }
"""
INBOX = f"""
query Inbox($open: Boolean!) {{ encompassInbox(openOnly: $open) {{ {NOTIFICATION_FIELDS} }} }}"""
ONE = f"query One($id: UUID!) {{ encompassNotification(id: $id) {{ {NOTIFICATION_FIELDS} }} }}"
ACK = f"""
mutation Ack($id: UUID!) {{
  acknowledgeEncompassNotification(input: {{id: $id}}) {{ {NOTIFICATION_FIELDS} }}
}}"""
MATCH = f"""
mutation Match($id: UUID!, $nhs: String!) {{
  matchEncompassChild(input: {{id: $id, child: {{nhsNumber: $nhs}}}}) {{ {NOTIFICATION_FIELDS} }}
}}"""
REPORT = """
query Report($since: Date!, $until: Date!) {
  encompassReport(since: $since, until: $until) {
    notifications onTimeRate sentLate
    days { day notifications acknowledged acknowledgedOnTime overdue }
    overdue { id policeReference recipient { code } route deadline escalatedAt }
  }
}
"""


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY_NIGHT + timedelta(minutes=30))


@pytest.fixture
async def call(
    settings: Settings,
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    token: Callable[[str], str],
    clock: Clock,
) -> AsyncIterator[Call]:
    """POST an operation as a user, declaring a purpose, on the test's clock; the JSON body."""
    async with caller(settings, sessions, token, clock, purpose=ENCOMPASS) as post:
        yield post


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body["errors"]
    return body["data"]


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def submit(call: Call, area: Area, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data(await call(area.coordinator, SUBMIT, {"input": payload}))[
        "submitEncompassIncident"
    ]
    return result


def london(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
async def area(session: AsyncSession) -> Area:
    return await make_area(session)


# --- Deadlines ------------------------------------------------------------------------------


async def test_friday_night_incident_is_due_before_school_on_monday(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given a pupil of a school starting at 08:45
    child = await pupil(session, area.school)

    # when the police submit a Friday-night incident half an hour later
    submitted = await submit(call, area, incident("FRI/1", FRIDAY_NIGHT, by_nhs(child)))

    # then the school is notified, due by 08:45 on Monday (GMT in November)
    (routed,) = submitted["incident"]["children"]
    assert routed["route"] == "SCHOOL"
    assert routed["reason"] == "ON_ROLL"
    assert routed["method"] == "NHS_NUMBER"
    assert routed["recipients"] == [{"code": area.school.code, "kind": "SCHOOL"}]
    assert london(routed["deadline"]) == datetime(2026, 11, 23, 8, 45, tzinfo=UTC)
    assert routed["sentLate"] is False
    # and the submission's audit event names the child and the grant to notify
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Submit"
    (touched,) = event.body["children"]
    assert touched["child"] == child.id
    assert touched["granted"][0][:2] == ["notify", "encompass.notification"]


@pytest.mark.parametrize(
    ("occurred", "due"),
    [
        # the August bank holiday weekend: Friday night -> Tuesday 08:45 BST
        (
            datetime(2026, 8, 28, 21, 0, tzinfo=UTC),
            datetime(2026, 9, 1, 7, 45, tzinfo=UTC),
        ),
        # the clocks go back in the night of Saturday 24 October: Monday 08:45 GMT
        (
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            datetime(2026, 10, 26, 8, 45, tzinfo=UTC),
        ),
        # the clocks go forward on 29 March 2026: Monday 08:45 BST
        (
            datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 7, 45, tzinfo=UTC),
        ),
        # Easter: Thursday evening before Good Friday -> Tuesday after Easter Monday
        (
            datetime(2026, 4, 2, 19, 0, tzinfo=UTC),
            datetime(2026, 4, 7, 7, 45, tzinfo=UTC),
        ),
        # early on a school day, before school starts: the same morning
        (
            datetime(2026, 11, 18, 6, 0, tzinfo=UTC),
            datetime(2026, 11, 18, 8, 45, tzinfo=UTC),
        ),
    ],
)
async def test_deadline_is_the_start_of_the_next_school_day(
    session: AsyncSession,
    call: Call,
    area: Area,
    clock: Clock,
    occurred: datetime,
    due: datetime,
) -> None:
    # given an incident submitted ten minutes after it happened
    clock.now = occurred + timedelta(minutes=10)
    child = await pupil(session, area.school)

    submitted = await submit(call, area, incident("DUE/1", occurred, by_nhs(child)))

    (routed,) = submitted["incident"]["children"]
    assert london(routed["deadline"]) == due


async def test_a_closure_day_and_term_dates_move_the_deadline(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given a school closed on Monday 23 November (an INSET day), starting at 09:00
    area.school.school_day_start = time(9, 0)
    session.add(SchoolClosure(agency_id=area.school.id, closed_on=date(2026, 11, 23)))
    # and another school whose term ended on Friday (term dates known)
    session.add_all(
        [
            SchoolTerm(
                agency_id=area.other_school.id,
                starts_on=date(2026, 9, 2),
                ends_on=date(2026, 11, 20),
            ),
            SchoolTerm(
                agency_id=area.other_school.id,
                starts_on=date(2026, 11, 30),
                ends_on=date(2026, 12, 18),
            ),
        ]
    )
    await session.flush()
    first = await pupil(session, area.school)
    second = await pupil(session, area.other_school)

    submitted = await submit(
        call, area, incident("CLOSED/1", FRIDAY_NIGHT, by_nhs(first), by_nhs(second))
    )

    closed, holiday = submitted["incident"]["children"]
    # then the first school is due on Tuesday at its own start time
    assert london(closed["deadline"]) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    # and the second on the first day of its next term
    assert london(holiday["deadline"]) == datetime(2026, 11, 30, 8, 45, tzinfo=UTC)


async def test_a_late_submission_is_due_the_next_school_day_after_it_and_marked_late(
    session: AsyncSession, call: Call, area: Area, clock: Clock
) -> None:
    # given a Friday-night incident the police only submit on Monday at 10:00
    clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    child = await pupil(session, area.school)

    submitted = await submit(call, area, incident("LATE/1", FRIDAY_NIGHT, by_nhs(child)))

    (routed,) = submitted["incident"]["children"]
    assert london(routed["deadline"]) == datetime(2026, 11, 24, 8, 45, tzinfo=UTC)
    assert routed["sentLate"] is True


# --- Matching and routing ---------------------------------------------------------------------


async def test_a_child_who_changed_school_last_week_goes_to_the_new_school(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given a child who left the other school on 13 November and joined this one on the 16th
    child = await pupil(session, area.other_school, until=date(2026, 11, 13))
    from tests.factories.children import relate
    from vocab.relationships import RelationshipKind

    await relate(
        session, child, area.school, RelationshipKind.ENROLMENT, valid_from=date(2026, 11, 16)
    )

    submitted = await submit(call, area, incident("MOVED/1", FRIDAY_NIGHT, by_nhs(child)))

    (routed,) = submitted["incident"]["children"]
    assert routed["recipients"] == [{"code": area.school.code, "kind": "SCHOOL"}]
    # then the new school has it, and the old school does not
    assert len(data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]) == 1
    assert data(await call(area.other_lead, INBOX, {"open": True}))["encompassInbox"] == []


async def test_a_home_educated_child_goes_to_childrens_social_care(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given a child on no school's roll (electively home educated)
    child = await make_child(session)

    submitted = await submit(
        call, area, incident("EHE/1", FRIDAY_NIGHT, by_nhs(child, voiceOfChild="I hid upstairs"))
    )

    (routed,) = submitted["incident"]["children"]
    assert routed["route"] == "SOCIAL_CARE"
    assert routed["reason"] == "NO_SCHOOL"
    assert routed["recipients"] == [{"code": area.council.code, "kind": "COUNCIL"}]
    # and children's social care sees it, with the voice of the child
    (seen,) = data(await call(area.social_worker, INBOX, {"open": True}))["encompassInbox"]
    assert seen["child"]["hubId"] == child.hub_id
    assert seen["voiceOfChild"] == "I hid upstairs"
    assert seen["particulars"] is None
    # and no school does
    assert data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"] == []


async def test_a_child_without_nhs_number_is_matched_on_name_birth_date_and_address(
    session: AsyncSession, call: Call, area: Area
) -> None:
    child = await pupil(
        session, area.school, nhs_number=None, given_name="Maisie", family_name="Fernbrook"
    )
    await house(session, child, postcode="LE2 7QQ")

    submitted = await submit(
        call,
        area,
        incident(
            "DEMOG/1",
            FRIDAY_NIGHT,
            {
                "present": False,
                "givenName": "Maisie",
                "familyName": "Fernbrook",
                "dateOfBirth": "2015-06-01",
                "postcode": "le2 7qq",
            },
        ),
    )

    (routed,) = submitted["incident"]["children"]
    assert routed["method"] == "DEMOGRAPHICS"
    assert routed["confidence"] >= 0.8
    assert routed["route"] == "SCHOOL"
    (seen,) = data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]
    assert seen["child"]["hubId"] == child.hub_id
    assert seen["childPresent"] is False


async def test_an_unmatched_child_goes_to_the_mash_queue_never_a_guessed_school(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given a pupil, and a police report of a child whose name does not fit them
    child = await pupil(session, area.school, given_name="Harriet", family_name="Oakhollow")
    unknown = {
        "present": True,
        "givenName": "Jaydon",
        "familyName": "Quillstream",
        "dateOfBirth": "2015-06-01",
        "postcode": "LE3 9XX",
    }

    submitted = await submit(call, area, incident("UNK/1", FRIDAY_NIGHT, unknown))

    (routed,) = submitted["incident"]["children"]
    assert routed["route"] == "MASH_QUEUE"
    assert routed["method"] == "NONE"
    assert routed["recipients"] == [{"code": area.council.code, "kind": "COUNCIL"}]
    # then no school has anything
    assert data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"] == []
    # and the MASH sees the police's particulars to match by hand
    (queued,) = data(await call(area.mash, INBOX, {"open": True}, purpose="safeguarding.mash"))[
        "encompassInbox"
    ]
    assert queued["child"]["hubId"] is None
    assert queued["particulars"]["familyName"] == "Quillstream"
    assert queued["particulars"]["location"] == "An address in the test area"
    # a queued item is closed by matching, not by acknowledging
    refused = await call(area.mash, ACK, {"id": queued["id"]}, purpose="safeguarding.mash")
    assert codes(refused) == ["MATCH_REQUIRED"] or codes(refused) == ["FORBIDDEN"]

    # when the MASH matches it to the pupil (who turned out to use another name)
    matched = data(
        await call(
            area.mash,
            MATCH,
            {"id": queued["id"], "nhs": child.nhs_number},
            purpose="safeguarding.mash",
        )
    )["matchEncompassChild"]

    # then the queue item is closed and the school is notified, due from the incident
    assert matched["acknowledgedAt"] is not None
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Match"
    (touched,) = event.body["children"]
    assert touched["child"] == child.id
    assert ["notify", "encompass.notification"] in [g[:2] for g in touched["granted"]]
    (seen,) = data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]
    assert seen["child"]["hubId"] == child.hub_id
    assert london(seen["deadline"]) == datetime(2026, 11, 23, 8, 45, tzinfo=UTC)
    assert (
        data(await call(area.mash, INBOX, {"open": True}, purpose="safeguarding.mash"))[
            "encompassInbox"
        ]
        == []
    )


async def test_a_valid_nhs_number_the_hub_does_not_hold_is_queued(
    session: AsyncSession, call: Call, area: Area
) -> None:
    from tests.factories.children import synthetic_nhs_number

    submitted = await submit(
        call,
        area,
        incident("NHS/1", FRIDAY_NIGHT, {"present": True, "nhsNumber": synthetic_nhs_number(7)}),
    )

    (routed,) = submitted["incident"]["children"]
    assert routed["route"] == "MASH_QUEUE"
    assert routed["reason"] == "NHS_NUMBER_UNKNOWN"


# --- Idempotency and batches ------------------------------------------------------------------


async def test_a_retried_submission_never_duplicates(
    session: AsyncSession, call: Call, area: Area
) -> None:
    child = await pupil(session, area.school)
    payload = incident("RETRY/1", FRIDAY_NIGHT, by_nhs(child))

    first = await submit(call, area, payload)
    again = await submit(call, area, payload)

    # then the retry returns the same incident, and nothing new was made
    assert first["duplicate"] is False
    assert again["duplicate"] is True
    assert again["incident"]["id"] == first["incident"]["id"]
    assert again["incident"]["children"] == first["incident"]["children"]
    incidents = await session.scalars(
        select(EncompassIncident).where(EncompassIncident.police_reference == "RETRY/1")
    )
    assert len(incidents.all()) == 1
    assert len(data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]) == 1

    # and different details under the same reference are refused, not merged
    changed = incident("RETRY/1", FRIDAY_NIGHT, by_nhs(child, present=False))
    refused = await call(area.coordinator, SUBMIT, {"input": changed})
    assert codes(refused) == ["INCIDENT_CONFLICT"]


async def test_a_batch_reports_each_incident_and_a_bad_one_holds_up_nothing(
    session: AsyncSession, call: Call, area: Area
) -> None:
    first = await pupil(session, area.school)
    second = await make_child(session)
    night = [
        incident("NIGHT/1", FRIDAY_NIGHT, by_nhs(first)),
        incident("NIGHT/2", FRIDAY_NIGHT, {"present": True, "nhsNumber": "1234567890"}),
        incident("NIGHT/3", FRIDAY_NIGHT, by_nhs(second)),
        incident("NIGHT/1", FRIDAY_NIGHT, by_nhs(first)),  # sent twice in the batch
    ]

    results = data(await call(area.coordinator, SUBMIT_MANY, {"input": {"incidents": night}}))[
        "submitEncompassIncidents"
    ]

    assert [r["policeReference"] for r in results] == ["NIGHT/1", "NIGHT/2", "NIGHT/3", "NIGHT/1"]
    assert results[0]["incident"]["children"][0]["route"] == "SCHOOL"
    # the bad NHS number is named by field, never echoed
    assert results[1]["incident"] is None
    assert results[1]["error"]["code"] == "INVALID_NHS_NUMBER"
    assert results[1]["error"]["field"] == "incidents[1].children[0].nhsNumber"
    assert "1234567890" not in results[1]["error"]["message"]
    assert results[2]["incident"]["children"][0]["route"] == "SOCIAL_CARE"
    assert results[3]["duplicate"] is True
    assert results[3]["incident"]["id"] == results[0]["incident"]["id"]


async def test_only_the_police_submit(session: AsyncSession, call: Call, area: Area) -> None:
    child = await pupil(session, area.school)

    refused = await call(
        area.lead, SUBMIT, {"input": incident("SCHOOL/1", FRIDAY_NIGHT, by_nhs(child))}
    )

    assert codes(refused) == ["FORBIDDEN"]
    event = await latest_event(session)
    assert event.body["refused"] == [["notify", "encompass.notification", "no_grant"]]


# --- The inbox and acknowledgement --------------------------------------------------------


async def test_the_school_sees_only_what_the_scheme_shares_and_acknowledges_once(
    session: AsyncSession, call: Call, area: Area, clock: Clock
) -> None:
    child = await pupil(session, area.school, given_name="Poppy", family_name="Ashdown")
    await submit(
        call, area, incident("ACK/1", FRIDAY_NIGHT, by_nhs(child, voiceOfChild="Mum cried"))
    )

    # when the key adult opens the inbox
    (seen,) = data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]

    # then it shows the child, when, present, the voice of the child and the police contact
    assert seen["child"] == {
        "hubId": child.hub_id,
        "givenName": "Poppy",
        "familyName": "Ashdown",
        "dateOfBirth": "2015-06-01",
    }
    assert london(seen["occurredAt"]) == FRIDAY_NIGHT
    assert seen["childPresent"] is True
    assert seen["voiceOfChild"] == "Mum cried"
    assert seen["policeContact"] == {
        "reference": "ACK/1",
        "name": "Encompass desk",
        "telephone": "0116 000 0000",
        "force": {"code": area.police.code},
    }
    # and never the location or the police's particulars
    assert seen["particulars"] is None
    # and the view is audited: the child, read under the notification relationship
    event = await latest_event(session)
    (touched,) = event.body["children"]
    assert touched["child"] == child.id
    assert touched["access"] == "notified"

    # when the key adult acknowledges on Monday at 07:30, and again at 08:00
    clock.now = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    acked = data(await call(area.lead, ACK, {"id": seen["id"]}))["acknowledgeEncompassNotification"]
    clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    again = data(await call(area.lead, ACK, {"id": seen["id"]}))["acknowledgeEncompassNotification"]

    # then the first acknowledgement stands
    assert london(acked["acknowledgedAt"]) == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert again["acknowledgedAt"] == acked["acknowledgedAt"]
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Ack"
    (touched,) = event.body["children"]
    assert ["acknowledge", "encompass.notification"] in [g[:2] for g in touched["granted"]]
    assert data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"] == []
    assert len(data(await call(area.lead, INBOX, {"open": False}))["encompassInbox"]) == 1
    # and the school can read it by id, audited the same way
    one = data(await call(area.lead, ONE, {"id": seen["id"]}))["encompassNotification"]
    assert one["acknowledgedAt"] == acked["acknowledgedAt"]
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "One"
    assert [c["child"] for c in event.body["children"]] == [child.id]
    granted = [g[:2] for c in event.body["children"] for g in c["granted"]]
    assert ["read", "encompass.notification"] in granted


async def test_a_school_cannot_read_or_acknowledge_another_schools_notification(
    session: AsyncSession, call: Call, area: Area
) -> None:
    child = await pupil(session, area.school)
    submitted = await submit(call, area, incident("OTHER/1", FRIDAY_NIGHT, by_nhs(child)))
    assert submitted["incident"] is not None
    (mine,) = data(await call(area.lead, INBOX, {"open": True}))["encompassInbox"]

    # when the other school's key adult asks for it by id
    refused = await call(area.other_lead, ONE, {"id": mine["id"]})

    # then it does not exist for them, and the refusal is audited against the child
    assert codes(refused) == ["NOTIFICATION_NOT_FOUND"]
    assert refused["data"] is None
    event = await latest_event(session)
    (touched,) = event.body["children"]
    assert touched["child"] == child.id
    assert touched["granted"] == []
    assert touched["refused"] == [["read", "encompass.notification", "no_relationship"]]

    # nor can they acknowledge it
    refused = await call(area.other_lead, ACK, {"id": mine["id"]})
    assert codes(refused) == ["NOTIFICATION_NOT_FOUND"]
    stored = await session.get(EncompassNotification, uuid.UUID(mine["id"]))
    assert stored is not None
    await session.refresh(stored)
    assert stored.acknowledged_at is None


# --- Reporting and escalation ---------------------------------------------------------------


async def test_overdue_notifications_escalate_and_show_in_the_reports(
    session: AsyncSession,
    call: Call,
    area: Area,
    clock: Clock,
    connection: AsyncConnection,
) -> None:
    late, prompt = await pupil(session, area.school), await pupil(session, area.other_school)
    await submit(call, area, incident("REP/1", FRIDAY_NIGHT, by_nhs(late), by_nhs(prompt)))
    # the other school acknowledges on Monday morning before school; the first never does
    (theirs,) = data(await call(area.other_lead, INBOX, {"open": True}))["encompassInbox"]
    clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    data(await call(area.other_lead, ACK, {"id": theirs["id"]}))

    # when the escalation sweep runs on Monday at 09:00
    concerned = await escalate_overdue(connection, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)

    # then the council and the police force are the ones to tell
    assert concerned == {area.council.id, area.police.id}
    # and both see the overdue notification, escalated, and the on-time rate
    period = {"since": "2026-11-20", "until": "2026-11-23"}
    for user in (area.coordinator, area.education_officer):
        report = data(await call(user, REPORT, period))["encompassReport"]
        assert report["notifications"] == 2
        assert report["onTimeRate"] == 0.5
        assert report["days"] == [
            {
                "day": "2026-11-20",
                "notifications": 2,
                "acknowledged": 1,
                "acknowledgedOnTime": 1,
                "overdue": 1,
            }
        ]
        (overdue,) = report["overdue"]
        assert overdue["policeReference"] == "REP/1"
        assert overdue["recipient"] == {"code": area.school.code}
        assert london(overdue["escalatedAt"]) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        # and the report is audited: the overdue child, read under the user's relationship
        event = await latest_event(session)
        assert event.body["operation"]["name"] == "Report"
        (touched,) = event.body["children"]
        assert touched["child"] == late.id
        assert touched["access"] == ("incident" if user is area.coordinator else "notified")
    # and a school cannot ask for the force's report: it only sees its own
    own = data(await call(area.other_lead, REPORT, period))["encompassReport"]
    assert own["notifications"] == 1
    assert own["overdue"] == []


# --- The school's calendar ----------------------------------------------------------------

SET_CALENDAR = """
mutation Calendar($input: SetSchoolCalendarInput!) {
  setSchoolCalendar(input: $input) { terms { startsOn endsOn } closures }
}
"""


async def test_a_school_keeps_its_calendar_and_deadlines_follow_it(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # given the key adult records an INSET day on Monday 23 November and a term to Christmas
    calendar = {
        "since": "2026-11-21",
        "terms": [{"startsOn": "2026-11-23", "endsOn": "2026-12-18"}],
        "closures": ["2026-11-23"],
    }
    kept = data(await call(area.lead, SET_CALENDAR, {"input": calendar}))["setSchoolCalendar"]
    assert kept == {
        "terms": [{"startsOn": "2026-11-23", "endsOn": "2026-12-18"}],
        "closures": ["2026-11-23"],
    }
    child = await pupil(session, area.school)

    # when a Friday-night incident is submitted
    submitted = await submit(call, area, incident("CAL/1", FRIDAY_NIGHT, by_nhs(child)))

    # then it is due on Tuesday
    (routed,) = submitted["incident"]["children"]
    assert london(routed["deadline"]) == datetime(2026, 11, 24, 8, 45, tzinfo=UTC)
    # and the calendar change was audited, touching no child
    await call(area.lead, SET_CALENDAR, {"input": calendar})
    event = await latest_event(session)
    assert event.body["operation"]["name"] == "Calendar"
    assert event.body["children"] == []


@pytest.mark.parametrize(
    ("who", "calendar", "code"),
    [
        ("coordinator", {"since": "2026-11-21", "terms": [], "closures": []}, "FORBIDDEN"),
        ("lead", {"since": "2026-01-01", "terms": [], "closures": []}, "INVALID_PERIOD"),
        (
            "lead",
            {
                "since": "2026-11-21",
                "terms": [
                    {"startsOn": "2026-11-23", "endsOn": "2026-12-18"},
                    {"startsOn": "2026-12-01", "endsOn": "2027-02-12"},
                ],
                "closures": [],
            },
            "INVALID_PERIOD",
        ),
    ],
)
async def test_a_calendar_is_kept_by_the_schools_lead_and_checked(
    call: Call, area: Area, who: str, calendar: dict[str, Any], code: str
) -> None:
    refused = await call(getattr(area, who), SET_CALENDAR, {"input": calendar})
    assert codes(refused) == [code]


async def test_a_subscription_sent_by_post_is_refused_and_audited(
    session: AsyncSession, call: Call, area: Area
) -> None:
    # when a key adult POSTs the subscription instead of opening a WebSocket
    refused = await call(area.lead, "subscription Live { encompassNotifications { id } }")

    # then it is refused with a code saying so, and nothing ran
    assert codes(refused) == ["OPERATION_NOT_ALLOWED"]
    assert refused["data"] is None
    event = await latest_event(session)
    assert event.body["outcome"] == "failure"
    assert event.body["errors"] == ["OPERATION_NOT_ALLOWED"]
    assert event.body["children"] == []
