"""The MASH front door: a year of a Leicestershire-sized area's contacts, replayed through the API.

    .venv/bin/python -m bench.mash [--database sqlite|postgres|both] [--contacts 22184] ...

Builds the demo area (``demo.build_demo_area``, 137,000 children by default) into a fresh
database for each database asked for: a SQLite file in a temporary folder, and a scratch
database on the PostgreSQL server of ``--postgres-url`` (``BENCH_POSTGRES_URL``, default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``), dropped at the end, also on Ctrl-C.
The council's MASH practitioner is the demo's; the bench adds the partners' seats it asks
(Core inserts): a MASH practitioner in the police force, the community health trust and each
school, and a housing officer in each district.

The year (Leicestershire's MASH: 22,184 contacts a year, about 61 a day, 1.3 children each,
24.6% becoming referrals to children's social care): ``--contacts`` contacts received over
the 365 days from tomorrow (80% in working hours, the rest evenings, nights and weekends),
about real demo households: 1 to 4 of the household's children (siblings), 22% of contacts
about a household contacted before in the year, so re-referrals happen. RAG 10% red, 40%
amber, 50% green. Each contact, in simulated time:

- ``openMashEnquiry`` by the council's MASH practitioner, screened within the hour (amber
  and green received out of hours are screened the next working morning);
- ``requestMashInformation`` to police and health, and the first child's school or, with no
  school, the district (sometimes both; sometimes police and health only): 2 to 4 seats;
- each seat answers ``respondToMashRequest`` as its own user: records shared (with the
  categories and a statutory lawful basis, or consent where every child's consent is
  given; consent-based categories without consent on an override basis, justified),
  nothing known, or a decision not to share; 85% by the deadline, 12% late, 3% never;
- ``recordMashConsent``: consent given for every child before early help, and in 15% of the
  other contacts sought, refused, given or not sought (with the reason);
- ``decideMashEnquiry`` after the answers: no further action, early help, s17 assessment or
  a strategy discussion (police, health, education and council participants), weighted by
  RAG so that 24.6% are referrals (s17 or strategy discussion).

Operations run one at a time in simulated-time order through the hub's ASGI app
(``server.create_app`` over ``httpx.ASGITransport``, in process, development-issuer tokens,
purpose ``safeguarding.mash``) with an injected clock set to each operation's simulated
time, so RAG deadlines, overdue requests, the grace period and the 12-month re-referral
window behave as they would over a real year; each operation commits its audit event.
``workflows.escalation.escalate_overdue`` runs once a simulated day (07:00). The hub's
re-referral flags are checked against the plan's (a child in an enquiry held by the council,
the demo's or one opened earlier in the replay, received within the 12 months before), its
deadlines against ``MashRules``.

The floors, in the same run: (1) a trivial audited GraphQL request (``{ me { subject } }``
as the council's practitioner), one after every 25th operation through the year, so it
sees the same tables, audit chain and machine load. Each MASH operation is one such
request plus its own work, so "the year's operations x the trivial request's mean" is what
the year would cost if the MASH logic were free: sign-in, GraphQL, one committed audit
event each; the ratio says what the MASH logic adds. (2) the year's writes (the same
enquiries, children, requests, relationships, answers, consents, decisions and closings)
with SQLAlchemy Core, one committed transaction per operation, with no reads, GraphQL,
policy or audit: the writes the year cannot avoid.

Printed: the year's wall time end to end and in the operations; per contact (the wall time
of its operations added up) the mean and p95; operations and contacts per second; the
ratios to both floors. For each step its SQL statements, this process's CPU time (the hub,
and SQLite with it; not a PostgreSQL server's) and the time spent in the driver's round
trips ("in SQL": from sending a statement to having its rows, on SQLite including the hop
to aiosqlite's thread). Per operation: mean, p95, statements and time in SQL; per quarter of
the year: what grows as the tables fill. ``--profile FILE`` runs the year under cProfile
(slower; SQLite's own work runs in aiosqlite's thread, outside the profile) and prints the
top functions.

At full size (22,184 contacts, about 144,000 operations) a run takes well over 20 minutes
per database on 2 cores: the operations cost 11 to 16 ms each, one at a time, against
4 to 5 ms for the trivial audited request.

Nothing personal is printed or logged: only counts and times (the area is synthetic, but
names and NHS numbers still stay out of output).
"""

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import orjson
from sqlalchemy import Date, bindparam, case, event, insert, make_url, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.dev_issuer import DEV_ISSUER, mint
from db import (
    Address,
    Agency,
    Child,
    ChildRelationship,
    Enquiry,
    EnquiryChild,
    EnquiryDecision,
    Household,
    HouseholdChild,
    InformationRequest,
    User,
    UserRole,
)
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from demo import build_demo_area, list_demo_users, places
from hub.settings import Environment, Settings
from server import create_app
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import CONSENT_CATEGORIES, STATUTORY_OVERRIDE_BASES, NotSharingReason
from vocab.lawful_bases import LawfulBasis
from vocab.mash import ConsentStatus, ContactSource, Outcome, Rag, ResponseKind, Seat
from vocab.relationships import RelationshipKind
from vocab.roles import Role
from workflows.escalation import escalate_overdue
from workflows.mash import MashRules
from workflows.working_hours import WorkingHours

T = TypeVar("T")
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LONDON = ZoneInfo("Europe/London")
AUDIENCE = "urn:safeguarding-hub:bench"
PURPOSE = "safeguarding.mash"
SEAT_PREFIX = "bench.mash-seat."

#: Leicestershire: contacts to the front door in a year.
CONTACTS_A_YEAR = 22_184
CHILDREN_IN_AREA = 137_000
#: Children per contact: 1.30 on average (siblings from the same household).
CHILDREN_PER_CONTACT = {1: 76, 2: 19, 3: 4, 4: 1}
RAG_WEIGHTS = {Rag.RED: 10, Rag.AMBER: 40, Rag.GREEN: 50}
SOURCE_WEIGHTS = {
    ContactSource.POLICE: 38,
    ContactSource.SCHOOL: 18,
    ContactSource.HEALTH: 14,
    ContactSource.PUBLIC: 10,
    ContactSource.OTHER: 10,
    ContactSource.COUNCIL: 6,
    ContactSource.DISTRICT: 4,
}
#: Outcomes by RAG: 10% x 70% + 40% x 30% + 50% x 11.2% = 24.6% referrals (s17 or strategy).
OUTCOME_WEIGHTS = {
    Rag.RED: {
        Outcome.STRATEGY_DISCUSSION: 40.0,
        Outcome.S17_ASSESSMENT: 30.0,
        Outcome.EARLY_HELP: 10.0,
        Outcome.NO_FURTHER_ACTION: 20.0,
    },
    Rag.AMBER: {
        Outcome.STRATEGY_DISCUSSION: 5.0,
        Outcome.S17_ASSESSMENT: 25.0,
        Outcome.EARLY_HELP: 35.0,
        Outcome.NO_FURTHER_ACTION: 35.0,
    },
    Rag.GREEN: {
        Outcome.STRATEGY_DISCUSSION: 0.5,
        Outcome.S17_ASSESSMENT: 10.7,
        Outcome.EARLY_HELP: 35.0,
        Outcome.NO_FURTHER_ACTION: 53.8,
    },
}
REFERRALS = frozenset({Outcome.S17_ASSESSMENT, Outcome.STRATEGY_DISCUSSION})
#: Contacts about a household already contacted in the year.
SHARE_REPEAT = 0.22
SHARE_IN_HOURS = 0.80
#: Out-of-hours contacts by hour (00-23), and weekend daytime: evenings most.
OUT_OF_HOURS_WEIGHTS = (2, 1, 1, 1, 1, 1, 1, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 5, 4, 3)
#: Partners asked: police and health only; plus the school (or the district without one);
#: the district as well.
SHARE_POLICE_HEALTH_ONLY = 0.08
SHARE_DISTRICT_TOO = 0.20
#: A seat's answer: never, late (after the deadline), else on time.
SHARE_NEVER = 0.03
SHARE_LATE = 0.12
RESPONSE_WEIGHTS = {
    ResponseKind.RECORDS_SHARED: 45,
    ResponseKind.NOTHING_KNOWN: 48,
    ResponseKind.DECISION_NOT_TO_SHARE: 7,
}
#: Consent recorded in contacts not going to early help (early help: every child, given).
SHARE_OTHER_CONSENT = 0.15
OTHER_CONSENT_WEIGHTS = {
    ConsentStatus.SOUGHT: 30,
    ConsentStatus.REFUSED: 20,
    ConsentStatus.GIVEN: 15,
    ConsentStatus.NOT_SOUGHT: 35,
}
STATUTORY_BASES = {
    LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE: 50,
    LawfulBasis.CHILDREN_ACT_2004_S11: 25,
    LawfulBasis.DPA_2018_SCH1_PARA18: 15,
    LawfulBasis.CHILDREN_ACT_1989_S17: 10,
}
#: For consent-based categories shared without consent (with a written justification).
OVERRIDE_BASES = {b: w for b, w in STATUTORY_BASES.items() if b in STATUTORY_OVERRIDE_BASES}
#: A trivial audited request after every this many operations (the first floor).
TRIVIAL_EVERY = 25
SWEEP_AT = clock_time(7, 0)
QUARTERS = 4
#: The hub's own modules, for the cumulative part of ``--profile``'s report.
PROFILED = re.escape(str(Path(__file__).resolve().parents[1])) + (
    r"/(server\.py|resolvers/|policies/|audit/|schema/|auth/|workflows/)"
)

SUMMARIES = (
    "Synthetic contact: police attended a verbal argument at the address overnight.",
    "Synthetic contact: school reports the child arrived hungry and unkempt again.",
    "Synthetic contact: health visitor concerned about home conditions and parental mood.",
    "Synthetic contact: neighbour reports children left alone in the evening.",
    "Synthetic contact: the child disclosed being hit at home to a teacher.",
    "Synthetic contact: a missing episode overnight, returned by police this morning.",
)
QUESTION = "Synthetic question: what is known about these children and their household?"
SHARED = {
    AgencyKind.POLICE: "Synthetic: two domestic incidents at the address this year.",
    AgencyKind.HEALTH: "Synthetic: missed health appointments; one emergency attendance.",
    AgencyKind.SCHOOL: "Synthetic: attendance 84% this term; staff concerns recorded.",
    AgencyKind.DISTRICT: "Synthetic: rent arrears and a noise complaint at the tenancy.",
}
JUSTIFICATION = "Synthetic justification: sharing now would increase the risk to the child."
OVERRIDE_JUSTIFICATION = "Synthetic justification: the risk of harm outweighs seeking consent."
NOT_SOUGHT = "Synthetic: seeking consent would place the child at greater risk of harm."
RATIONALE = {
    Outcome.NO_FURTHER_ACTION: "Synthetic rationale: no role for services at this time.",
    Outcome.EARLY_HELP: "Synthetic rationale: family agree to early help support.",
    Outcome.S17_ASSESSMENT: "Synthetic rationale: needs assessment under section 17.",
    Outcome.STRATEGY_DISCUSSION: "Synthetic rationale: reasonable cause to suspect harm.",
}
ROLES = {
    Seat.POLICE: "Detective sergeant, child abuse investigation",
    Seat.HEALTH: "Named nurse for safeguarding children",
    Seat.EDUCATION: "Designated safeguarding lead",
    Seat.COUNCIL: "MASH team manager",
}
#: Categories a seat shares from, by agency kind (those the kind may own).
SHARED_CATEGORIES = {
    kind: [
        c
        for c in Category
        if kind in OWNER_KINDS[c]
        and c is not Category.IDENTITY
        and not c.value.startswith(("mash.", "encompass."))
    ]
    for kind in AgencyKind
}

ENQUIRY_FIELDS = """
  id rag receivedAt deadline minutesLeft overdue closedAt accessEndsAt
  children { hubId givenName familyName dateOfBirth reReferral previousEnquiryId consent }
  requests { id agency { code } dueAt overdue escalatedAt response respondedAt onTime }
  decision { outcome rationale participants { agency { code } seat } }
"""
OPEN = f"""mutation Open($input: OpenMashEnquiryInput!) {{
  openMashEnquiry(input: $input) {{ summary {ENQUIRY_FIELDS} }}
}}"""
REQUEST = f"""mutation Ask($input: RequestMashInformationInput!) {{
  requestMashInformation(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
RESPOND = """mutation Respond($input: RespondToMashRequestInput!) {
  respondToMashRequest(input: $input) {
    id response respondedAt onTime summary categories lawfulBasis notSharingReason
  }
}"""
CONSENT = f"""mutation Consent($input: RecordMashConsentInput!) {{
  recordMashConsent(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
DECIDE = f"""mutation Decide($input: DecideMashEnquiryInput!) {{
  decideMashEnquiry(input: $input) {{ {ENQUIRY_FIELDS} }}
}}"""
TRIVIAL = "query Me { me { subject } }"


class Op(StrEnum):
    OPEN = "openMashEnquiry"
    REQUEST = "requestMashInformation"
    RESPOND = "respondToMashRequest"
    CONSENT = "recordMashConsent"
    DECIDE = "decideMashEnquiry"
    SWEEP = "escalate_overdue"


OPERATION_NAMES = {
    Op.OPEN: "Open",
    Op.REQUEST: "Ask",
    Op.RESPOND: "Respond",
    Op.CONSENT: "Consent",
    Op.DECIDE: "Decide",
}
QUERIES = {
    Op.OPEN: OPEN,
    Op.REQUEST: REQUEST,
    Op.RESPOND: RESPOND,
    Op.CONSENT: CONSENT,
    Op.DECIDE: DECIDE,
}


# --- The demo area and the partners' seats -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kid:
    """A demo child as the MASH would identify them (kept in memory, never printed)."""

    child_id: int
    ref: dict[str, str]
    school: str | None
    district: str


@dataclass(slots=True)
class Area:
    council: str
    police: str
    health: str
    #: The council's MASH practitioner.
    mash_subject: str
    #: The seat answering for each partner agency, by agency code.
    seats: dict[str, str]
    agency_ids: dict[str, int]
    user_ids: dict[str, int]
    #: Households with at least one child at home today: the children at the address.
    households: list[list[Kid]]
    #: Receipt times of the enquiries already held (the demo's), by child: re-referrals.
    history: dict[int, list[datetime]]


_AT_HOME = (
    select(
        HouseholdChild.household_id,
        Child.id,
        Child.nhs_number,
        Child.hub_id,
        Address.town,
    )
    .join(Child, Child.id == HouseholdChild.child_id)
    .join(Household, Household.id == HouseholdChild.household_id)
    .join(Address, Address.id == Household.address_id)
    .order_by(HouseholdChild.household_id, Child.id)
)
_ON_ROLL = (
    select(ChildRelationship.child_id, Agency.code)
    .join(Agency, Agency.id == ChildRelationship.agency_id)
    .where(
        ChildRelationship.kind == RelationshipKind.ENROLMENT,
        Agency.kind == AgencyKind.SCHOOL,
    )
    .order_by(ChildRelationship.child_id, ChildRelationship.valid_from)
)


async def seed_seats(engine: AsyncEngine) -> int:
    """Partner seats the demo area does not have: a MASH practitioner in the police force,
    the community health trust and each school; a housing officer in each district."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(Agency.id, Agency.kind, Agency.code).where(
                    Agency.active.is_(True),
                    Agency.kind.in_([AgencyKind.POLICE, AgencyKind.SCHOOL, AgencyKind.DISTRICT])
                    | (Agency.code == places.COMMUNITY_TRUST_ODS_CODE),
                )
            )
        ).all()
        seats = [
            (row.id, row.code, Role.DISTRICT_HOUSING_OFFICER)
            if row.kind is AgencyKind.DISTRICT
            else (row.id, row.code, Role.MASH_PRACTITIONER)
            for row in rows
        ]
        for agency_id, code, role in seats:
            user_id = (
                await conn.execute(
                    insert(User).returning(User.id),
                    {
                        "agency_id": agency_id,
                        "issuer": DEV_ISSUER,
                        "subject": SEAT_PREFIX + code,
                        "display_name": f"MASH seat {code}",
                        "active": True,
                        "created_at": now,
                    },
                )
            ).scalar_one()
            await conn.execute(insert(UserRole), {"user_id": user_id, "role": role})
    return len(seats)


async def load_area(engine: AsyncEngine) -> Area:
    today = datetime.now(UTC).astimezone(LONDON).date()
    town_district = {t.name: d.ons_code for d in places.DISTRICTS for t in d.towns}
    async with session_factory(engine)() as session:
        users = await list_demo_users(session)
        mash = next(
            u
            for u in users
            if u.role is Role.MASH_PRACTITIONER and u.agency_kind is AgencyKind.COUNCIL
        )
        agencies = (await session.execute(select(Agency.id, Agency.kind, Agency.code))).all()
        council = next(
            a.code
            for a in agencies
            if a.kind is AgencyKind.COUNCIL and a.code == places.COUNCIL_ONS_CODE
        )
        people = (
            await session.execute(
                select(User.subject, User.id, Agency.code)
                .join(Agency, Agency.id == User.agency_id)
                .where(User.issuer == DEV_ISSUER)
            )
        ).all()
        seats = {p.code: p.subject for p in people if p.subject.startswith(SEAT_PREFIX)}
        schools: dict[int, str] = {}
        for pupil in await session.execute(
            _ON_ROLL.where(
                ChildRelationship.valid_from <= today,
                or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= today),
            )
        ):
            if pupil.code in seats:
                schools[pupil.child_id] = pupil.code
        rows = await session.execute(
            _AT_HOME.where(
                HouseholdChild.valid_from <= today,
                or_(HouseholdChild.valid_to.is_(None), HouseholdChild.valid_to >= today),
                Child.merged_into_id.is_(None),
            )
        )
        history: dict[int, list[datetime]] = defaultdict(list)
        for held in await session.execute(
            select(EnquiryChild.child_id, Enquiry.received_at)
            .join(Enquiry, Enquiry.id == EnquiryChild.enquiry_id)
            .join(Agency, Agency.id == Enquiry.council_id)
            .where(Agency.code == council)
        ):
            history[held.child_id].append(held.received_at)
        by_household: dict[int, list[Kid]] = defaultdict(list)
        for row in rows:
            ref = {"nhsNumber": row.nhs_number} if row.nhs_number else {"hubId": row.hub_id}
            district = town_district.get(row.town, places.DISTRICTS[0].ons_code)
            by_household[row.household_id].append(Kid(row.id, ref, schools.get(row.id), district))
    return Area(
        council=council,
        police=places.POLICE_ONS_CODE,
        health=places.COMMUNITY_TRUST_ODS_CODE,
        mash_subject=mash.subject,
        seats=seats,
        agency_ids={a.code: a.id for a in agencies},
        user_ids={p.subject: p.id for p in people},
        households=list(by_household.values()),
        history=history,
    )


# --- The year's contacts --------------------------------------------------------------------


@dataclass(slots=True)
class Ask:
    """A request to one partner seat and the answer it will give (None: never answers)."""

    code: str
    kind: AgencyKind
    answer_at: datetime | None = None
    answer: dict[str, Any] | None = None
    request_id: str | None = None


@dataclass(slots=True)
class Consent:
    kid: int
    status: ConsentStatus
    at: datetime


@dataclass(slots=True)
class Contact:
    received_at: datetime
    rag: Rag
    source: ContactSource
    source_agency: str | None
    summary: str
    household: int
    kids: list[Kid]
    open_at: datetime
    request_at: datetime
    deadline: datetime
    asks: list[Ask]
    consents: list[Consent]
    outcome: Outcome
    participants: list[dict[str, str]]
    decide_at: datetime
    enquiry_id: str | None = None
    seconds: float = 0.0


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), list(weights.values()))[0]


def _received_at(rng: random.Random, first_day: date, days: int, hours: WorkingHours) -> datetime:
    """A receipt time in the year: in working hours, or (20%) evenings, nights, weekends."""
    in_hours = rng.random() < SHARE_IN_HOURS
    top = max(OUT_OF_HOURS_WEIGHTS)
    while True:
        day = first_day + timedelta(days=rng.randrange(days))
        second = rng.randrange(24 * 3600)
        moment = clock_time(second // 3600, second // 60 % 60, second % 60)
        working = hours.is_working_day(day) and hours.opens <= moment < hours.closes
        if working != in_hours:
            continue
        if in_hours or rng.random() * top < OUT_OF_HOURS_WEIGHTS[moment.hour]:
            return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


def _working(rng: random.Random, hours: WorkingHours, at: datetime) -> datetime:
    """``at`` if the MASH is open then, else a little after the next opening."""
    opening = hours.add(at, 0)
    if opening == at.astimezone(UTC):
        return at
    return opening + timedelta(minutes=rng.uniform(0, 90))


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _answer(
    rng: random.Random, ask: Ask, consents: list[Consent], kids: int, at: datetime
) -> dict[str, Any]:
    kind = _pick(rng, RESPONSE_WEIGHTS)
    answer: dict[str, Any] = {"response": kind.name}
    if kind is ResponseKind.RECORDS_SHARED:
        given = {c.kid for c in consents if c.status is ConsentStatus.GIVEN and c.at < at}
        on_consent = len(given) == kids and rng.random() < 0.5
        pool = SHARED_CATEGORIES[ask.kind]
        categories = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
        # consent-based categories go on consent, or on an override basis explained in writing
        sensitive = not on_consent and any(c in CONSENT_CATEGORIES for c in categories)
        bases = OVERRIDE_BASES if sensitive else STATUTORY_BASES
        basis = LawfulBasis.CONSENT if on_consent else _pick(rng, bases)
        answer |= {
            "summary": SHARED[ask.kind],
            "categories": [c.name for c in categories],
            "lawfulBasis": basis.name,
        }
        if sensitive:
            answer["justification"] = OVERRIDE_JUSTIFICATION
    elif kind is ResponseKind.DECISION_NOT_TO_SHARE:
        reasons = [NotSharingReason.MORE_DETRIMENTAL_TO_CHILD, NotSharingReason.NO_LAWFUL_BASIS]
        if ask.kind is AgencyKind.POLICE:
            reasons.append(NotSharingReason.WOULD_PREJUDICE_INVESTIGATION)
        answer |= {"notSharingReason": rng.choice(reasons).name, "justification": JUSTIFICATION}
    return answer


def plan_year(
    rng: random.Random,
    area: Area,
    households: Sequence[int],
    contacts: int,
    first_day: date,
    days: int,
    rules: MashRules,
    outcomes: Sequence[Outcome] = (),
) -> list[Contact]:
    """``contacts`` contacts received over ``days`` days from ``first_day`` about the given
    households (indexes into ``area.households``), in order of receipt; ``outcomes`` forces
    the first contacts' outcomes (the warm-up)."""
    hours = rules.hours
    pool = [area.households[h] for h in households]
    by_size = {
        k: [h for h, kids in zip(households, pool, strict=True) if len(kids) >= k]
        for k in CHILDREN_PER_CONTACT
    }
    times = sorted(_received_at(rng, first_day, days, hours) for _ in range(contacts))
    plan: list[Contact] = []
    for n, received in enumerate(times):
        size = _pick(rng, CHILDREN_PER_CONTACT)
        if plan and rng.random() < SHARE_REPEAT:
            household = plan[rng.randrange(len(plan))].household
        else:
            household = rng.choice(by_size[size] or households)
        members = area.households[household]
        kids = rng.sample(members, min(size, len(members)))
        rag = _pick(rng, RAG_WEIGHTS)
        red = rag is Rag.RED
        school = next((k.school for k in kids if k.school), None)
        district = kids[0].district

        source = _pick(rng, SOURCE_WEIGHTS)
        source_agency = {
            ContactSource.POLICE: area.police,
            ContactSource.HEALTH: area.health,
            ContactSource.SCHOOL: school,
            ContactSource.DISTRICT: district,
            ContactSource.COUNCIL: area.council,
        }.get(source)
        if source is ContactSource.SCHOOL and school is None:
            source = ContactSource.PUBLIC

        if red:
            open_at = received + _minutes(rng, 5, 45)
        else:
            open_at = _working(rng, hours, received + _minutes(rng, 10, 120))
        request_at = open_at + _minutes(rng, 2, 20)
        deadline = rules.deadline(rag, received)

        asks = [Ask(area.police, AgencyKind.POLICE), Ask(area.health, AgencyKind.HEALTH)]
        if rng.random() >= SHARE_POLICE_HEALTH_ONLY:
            if school is not None:
                asks.append(Ask(school, AgencyKind.SCHOOL))
            if school is None or rng.random() < SHARE_DISTRICT_TOO:
                asks.append(Ask(district, AgencyKind.DISTRICT))

        outcome = outcomes[n] if n < len(outcomes) else _pick(rng, OUTCOME_WEIGHTS[rag])
        consents: list[Consent] = []
        if outcome is Outcome.EARLY_HELP or rng.random() < SHARE_OTHER_CONSENT:
            at = open_at + _minutes(rng, 15, 240)
            at = at if red else _working(rng, hours, at)
            if outcome is Outcome.EARLY_HELP:
                for i in range(len(kids)):
                    consents.append(Consent(i, ConsentStatus.GIVEN, at))
                    at += _minutes(rng, 1, 5)
            else:
                consents.append(Consent(0, _pick(rng, OTHER_CONSENT_WEIGHTS), at))

        latest = max([request_at, *(c.at for c in consents)])
        never = False
        for ask in asks:
            fate = rng.random()
            if fate < SHARE_NEVER and not outcomes:  # the warm-up's seats all answer
                never = True
                continue
            window = deadline - request_at
            if fate < SHARE_NEVER + SHARE_LATE:
                at = deadline + _minutes(rng, 60, 48 * 60)
            elif window <= timedelta(minutes=10):
                at = request_at + _minutes(rng, 5, 30)
            else:
                at = request_at + window * rng.uniform(0.05, 0.9)
            at = at if red else _working(rng, hours, at)
            ask.answer_at = at
            ask.answer = _answer(rng, ask, consents, len(kids), at)
            latest = max(latest, at)
        decide_at = latest + _minutes(rng, 20, 240)
        if never:
            decide_at = max(decide_at, deadline + _minutes(rng, 120, 30 * 60))
        decide_at = decide_at if red else _working(rng, hours, decide_at)

        participants: list[dict[str, str]] = []
        if outcome is Outcome.STRATEGY_DISCUSSION:
            for seat, code in (
                (Seat.POLICE, area.police),
                (Seat.HEALTH, area.health),
                (Seat.EDUCATION, school or area.council),
                (Seat.COUNCIL, area.council),
            ):
                participants.append({"agency": code, "seat": seat.name, "role": ROLES[seat]})
        plan.append(
            Contact(
                received_at=received,
                rag=rag,
                source=source,
                source_agency=source_agency,
                summary=rng.choice(SUMMARIES),
                household=household,
                kids=kids,
                open_at=open_at,
                request_at=request_at,
                deadline=deadline,
                asks=asks,
                consents=consents,
                outcome=outcome,
                participants=participants,
                decide_at=decide_at,
            )
        )
    return plan


#: (simulated time, order, operation, contact, argument: the ask or consent's position)
Event = tuple[datetime, int, Op, int, int]


def timeline(plan: Sequence[Contact], sweeps: Sequence[datetime] = ()) -> list[Event]:
    """Every operation of the plan, and the daily sweeps, in simulated-time order."""
    events: list[Event] = []
    for n, contact in enumerate(plan):
        events.append((contact.open_at, len(events), Op.OPEN, n, 0))
        events.append((contact.request_at, len(events), Op.REQUEST, n, 0))
        for i, consent in enumerate(contact.consents):
            events.append((consent.at, len(events), Op.CONSENT, n, i))
        for i, ask in enumerate(contact.asks):
            if ask.answer_at is not None:
                events.append((ask.answer_at, len(events), Op.RESPOND, n, i))
        events.append((contact.decide_at, len(events), Op.DECIDE, n, 0))
    events.extend((at, len(events) + i, Op.SWEEP, -1, 0) for i, at in enumerate(sweeps))
    return sorted(events)


def daily_sweeps(first_day: date, last: datetime) -> list[datetime]:
    day, sweeps = first_day + timedelta(days=1), []
    while (at := datetime.combine(day, SWEEP_AT, tzinfo=LONDON).astimezone(UTC)) <= last:
        sweeps.append(at)
        day += timedelta(days=1)
    return sweeps


# --- The replay -----------------------------------------------------------------------------


_TABLES = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def _label(statement: str) -> str:
    """A statement as its verb and the tables it names, e.g. ``SELECT children,
    child_relationships, break_glass``."""
    verb = statement.split(None, 1)[0].upper() if statement.strip() else "?"
    tables = list(dict.fromkeys(_TABLES.findall(statement)))
    return f"{verb} {', '.join(tables[:5])}".strip()


class Meter:
    """The SQL statements an engine sends (an executemany counts once) and the time from
    sending each to having its rows (the driver's round trip: on SQLite a hop to
    aiosqlite's thread and SQLite's own work; on PostgreSQL the socket and the server)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.seconds = 0.0
        self._sent = 0.0
        #: By statement (its verb and tables: never its parameters): count and seconds.
        self.by_statement: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self._labels: dict[str, str] = {}
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._sent = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seconds = time.perf_counter() - self._sent
        self.seconds += seconds
        label = self._labels.get(statement)
        if label is None:
            label = self._labels[statement] = _label(statement)
        entry = self.by_statement[label]
        entry[0] += 1
        entry[1] += seconds

    def mark(self) -> tuple[int, float, float, float]:
        return self.count, self.seconds, time.perf_counter(), time.process_time()

    def since(self, mark: tuple[int, float, float, float]) -> tuple[float, float, int, float]:
        """Wall and CPU seconds, statements and SQL seconds since ``mark``."""
        count, sql, wall, cpu = mark
        return (
            time.perf_counter() - wall,
            time.process_time() - cpu,
            self.count - count,
            self.seconds - sql,
        )


class Clock:
    """What "now" is for the hub: the simulated time of the operation being replayed."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(slots=True)
class Timed:
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    statements: int = 0
    #: In the driver's round trips (``Meter``).
    sql_seconds: float = 0.0

    def add(self, measured: tuple[float, float, int, float]) -> None:
        seconds, cpu_seconds, statements, sql_seconds = measured
        self.seconds.append(seconds)
        self.cpu_seconds += cpu_seconds
        self.statements += statements
        self.sql_seconds += sql_seconds


@dataclass(slots=True)
class Year:
    """What the replay measured and what the hub answered (counts only)."""

    ops: dict[Op, Timed] = field(default_factory=lambda: defaultdict(Timed))
    #: By quarter of the year (operations after its end count in the last), by operation.
    quarters: list[dict[Op, Timed]] = field(
        default_factory=lambda: [defaultdict(Timed) for _ in range(QUARTERS)]
    )
    trivial: Timed = field(default_factory=Timed)
    elapsed: float = 0.0
    children: int = 0
    flagged: int = 0
    expected_flags: int = 0
    flag_disagreements: int = 0
    contacts_flagged: int = 0
    deadline_disagreements: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    responses: Counter[str] = field(default_factory=Counter)
    consents: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    on_time: int = 0
    late: int = 0
    unanswered: int = 0
    escalated: int = 0
    withheld: int = 0


class Replayer:
    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        engine: AsyncEngine,
        meter: Meter,
        area: Area,
        settings: Settings,
    ) -> None:
        self.client = client
        self.clock = clock
        self.engine = engine
        self.meter = meter
        self.area = area
        self.rules = settings.mash
        self.headers: dict[str, dict[str, str]] = {}
        for subject in {area.mash_subject, *area.seats.values()}:
            token = mint(settings.dev_issuer_dir, subject=subject, audience=AUDIENCE)
            self.headers[subject] = {
                "authorization": f"Bearer {token}",
                "x-purpose-of-use": PURPOSE,
                "content-type": "application/json",
            }
        #: Receipt times of the contacts opened so far, by child (for re-referrals).
        self.received: dict[int, list[datetime]] = defaultdict(list)
        for child_id, received in area.history.items():
            self.received[child_id].extend(received)

    def body(self, op: Op, contact: Contact, arg: int) -> tuple[str, bytes]:
        """Who posts the operation, and the request body."""
        variables: dict[str, Any]
        subject = self.area.mash_subject
        if op is Op.OPEN:
            variables = {
                "source": contact.source.name,
                "summary": contact.summary,
                "receivedAt": contact.received_at.isoformat(),
                "rag": contact.rag.name,
                "children": [kid.ref for kid in contact.kids],
            }
            if contact.source_agency is not None:
                variables["sourceAgency"] = contact.source_agency
        elif op is Op.REQUEST:
            variables = {
                "enquiry": contact.enquiry_id,
                "agencies": [ask.code for ask in contact.asks],
                "question": QUESTION,
            }
        elif op is Op.RESPOND:
            ask = contact.asks[arg]
            subject = self.area.seats[ask.code]
            variables = {"id": ask.request_id, **(ask.answer or {})}
        elif op is Op.CONSENT:
            consent = contact.consents[arg]
            variables = {
                "enquiry": contact.enquiry_id,
                "child": contact.kids[consent.kid].ref,
                "status": consent.status.name,
            }
            if consent.status is ConsentStatus.NOT_SOUGHT:
                variables["reason"] = NOT_SOUGHT
        else:
            variables = {
                "enquiry": contact.enquiry_id,
                "outcome": contact.outcome.name,
                "rationale": RATIONALE[contact.outcome],
            }
            if contact.participants:
                variables["participants"] = contact.participants
        body = {
            "query": QUERIES[op],
            "variables": {"input": variables},
            "operationName": OPERATION_NAMES[op],
        }
        return subject, orjson.dumps(body)

    async def run(
        self,
        plan: Sequence[Contact],
        events: Sequence[Event],
        year: Year,
        *,
        first_day: date,
        days: int,
        timed: bool = True,
    ) -> None:
        started = time.perf_counter()
        done = 0
        month = 0
        trivial = orjson.dumps({"query": TRIVIAL, "operationName": "Me"})
        start = datetime.combine(first_day, clock_time(), tzinfo=LONDON)
        for at, _order, op, index, arg in events:
            self.clock.now = at
            if op is Op.SWEEP:
                mark = self.meter.mark()
                async with self.engine.begin() as connection:
                    await escalate_overdue(connection, at)
                if timed:
                    year.ops[op].add(self.meter.since(mark))
                continue
            contact = plan[index]
            subject, body = self.body(op, contact, arg)
            headers = self.headers[subject]
            mark = self.meter.mark()
            response = await self.client.post("/graphql", content=body, headers=headers)
            measured = self.meter.since(mark)
            result = _data(response, op)
            if timed:
                contact.seconds += measured[0]
                year.ops[op].add(measured)
                quarter = min(QUARTERS - 1, (at - start).days * QUARTERS // days)
                year.quarters[quarter][op].add(measured)
            self.observe(op, contact, arg, result, year)
            done += 1
            if timed and done % TRIVIAL_EVERY == 0:
                mark = self.meter.mark()
                answer = await self.client.post(
                    "/graphql", content=trivial, headers=self.headers[self.area.mash_subject]
                )
                year.trivial.add(self.meter.since(mark))
                _data(answer, None)
            if timed and (at - start).days // 30 > month:
                month = (at - start).days // 30
                spent = time.perf_counter() - started
                print(
                    f"    day {(at - start).days:>3} of {days}: {done:,} operations in "
                    f"{spent:,.0f} s ({spent / done * 1000:.1f} ms each)",
                    file=sys.stderr,
                )
        if timed:
            year.elapsed = time.perf_counter() - started

    def observe(self, op: Op, contact: Contact, arg: int, result: Any, year: Year) -> None:
        """Check and count what the hub answered (no personal data kept)."""
        if op is Op.OPEN:
            enquiry = result["openMashEnquiry"]
            contact.enquiry_id = enquiry["id"]
            since = self.rules.rereferral_since(contact.received_at)
            flagged = 0
            for kid, child in zip(contact.kids, enquiry["children"], strict=True):
                before = self.received[kid.child_id]
                expected = any(since <= r < contact.received_at for r in before)
                before.append(contact.received_at)
                year.children += 1
                year.expected_flags += expected
                flagged += child["reReferral"]
                year.flag_disagreements += expected != child["reReferral"]
            year.flagged += flagged
            year.contacts_flagged += flagged > 0
            deadline = datetime.fromisoformat(enquiry["deadline"])
            year.deadline_disagreements += deadline != contact.deadline
        elif op is Op.REQUEST:
            by_code = {
                r["agency"]["code"]: r["id"] for r in result["requestMashInformation"]["requests"]
            }
            for ask in contact.asks:
                ask.request_id = by_code[ask.code]
        elif op is Op.RESPOND:
            year.responses[result["respondToMashRequest"]["response"]] += 1
        elif op is Op.CONSENT:
            year.consents[contact.consents[arg].status.name] += 1
        elif op is Op.DECIDE:
            enquiry = result["decideMashEnquiry"]
            year.outcomes[enquiry["decision"]["outcome"]] += 1
            for request in enquiry["requests"]:
                year.requests += 1
                year.escalated += request["escalatedAt"] is not None
                if request["response"] is None:
                    year.unanswered += 1
                elif request["onTime"]:
                    year.on_time += 1
                else:
                    year.late += 1


def _data(response: httpx.Response, op: Op | None) -> Any:
    name = op.value if op is not None else "me"
    if response.status_code != 200:
        raise RuntimeError(f"{name}: the hub answered HTTP {response.status_code}")
    body = response.json()
    if body.get("errors"):
        codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
        raise RuntimeError(f"{name} failed: {codes}")
    return body["data"]


# --- The floor of rows ----------------------------------------------------------------------


_END = (
    update(ChildRelationship)
    .where(
        ChildRelationship.kind == RelationshipKind.ENQUIRY,
        ChildRelationship.reference == bindparam("the_reference"),
    )
    .values(
        valid_to=case(
            (
                ChildRelationship.valid_from > bindparam("ends_on", type_=Date),
                ChildRelationship.valid_from,
            ),
            else_=bindparam("ends_on", type_=Date),
        ),
        ends_at=bindparam("until"),
    )
)
_ANSWER = (
    update(InformationRequest)
    .where(InformationRequest.id == bindparam("request_id"))
    .values(
        response=bindparam("v_response"),
        responded_by=bindparam("v_by"),
        responded_at=bindparam("v_at"),
        summary=bindparam("v_summary"),
        categories=bindparam("v_categories"),
        lawful_basis=bindparam("v_lawful_basis"),
        not_sharing_reason=bindparam("v_not_sharing_reason"),
        justification=bindparam("v_justification"),
    )
)
_CONSENT = (
    update(EnquiryChild)
    .where(
        EnquiryChild.enquiry_id == bindparam("the_enquiry"),
        EnquiryChild.child_id == bindparam("the_child"),
    )
    .values(
        consent_status=bindparam("v_status"),
        consent_reason=bindparam("v_reason"),
        consent_recorded_by=bindparam("v_by"),
        consent_recorded_at=bindparam("v_at"),
    )
)
_CLOSE = (
    update(Enquiry)
    .where(Enquiry.id == bindparam("the_enquiry"))
    .values(closed_at=bindparam("v_at"), access_ends_at=bindparam("v_ends_at"))
)
_INSERT_ENQUIRY = insert(Enquiry)
_INSERT_CHILDREN = insert(EnquiryChild)
_INSERT_REQUESTS = insert(InformationRequest)
_INSERT_RELATIONSHIPS = insert(ChildRelationship)
_INSERT_DECISION = insert(EnquiryDecision)


def _relations(
    enquiry_id: uuid.UUID, agency_ids: Sequence[int], kids: Sequence[Kid], on: date
) -> list[dict[str, Any]]:
    return [
        {
            "child_id": kid.child_id,
            "agency_id": agency_id,
            "kind": RelationshipKind.ENQUIRY,
            "reference": str(enquiry_id),
            "valid_from": on,
        }
        for agency_id in agency_ids
        for kid in kids
    ]


async def write_floor(
    engine: AsyncEngine, area: Area, plan: Sequence[Contact], events: Sequence[Event]
) -> int:
    """The year's writes with Core, one committed transaction per operation; no reads,
    GraphQL, policy or audit. The number of transactions."""
    council = area.agency_ids[area.council]
    mash_user = area.user_ids[area.mash_subject]
    grace = MashRules().grace
    enquiries: dict[int, uuid.UUID] = {}
    requests: dict[tuple[int, int], uuid.UUID] = {}
    transactions = 0
    for at, _order, op, index, arg in events:
        if op is Op.SWEEP:
            continue
        contact = plan[index]
        on = at.astimezone(LONDON).date()
        async with engine.begin() as conn:
            if op is Op.OPEN:
                enquiry_id = enquiries[index] = uuid.uuid4()
                source = area.agency_ids[contact.source_agency] if contact.source_agency else None
                await conn.execute(
                    _INSERT_ENQUIRY,
                    {
                        "id": enquiry_id,
                        "council_id": council,
                        "source": contact.source,
                        "source_agency_id": source,
                        "summary": contact.summary,
                        "received_at": contact.received_at,
                        "rag": contact.rag,
                        "deadline": contact.deadline,
                        "opened_by": mash_user,
                        "opened_at": at,
                    },
                )
                await conn.execute(
                    _INSERT_CHILDREN,
                    [{"enquiry_id": enquiry_id, "child_id": k.child_id} for k in contact.kids],
                )
                await conn.execute(
                    _INSERT_RELATIONSHIPS, _relations(enquiry_id, [council], contact.kids, on)
                )
            elif op is Op.REQUEST:
                enquiry_id = enquiries[index]
                rows = []
                for i, ask in enumerate(contact.asks):
                    requests[index, i] = uuid.uuid4()
                    rows.append(
                        {
                            "id": requests[index, i],
                            "enquiry_id": enquiry_id,
                            "agency_id": area.agency_ids[ask.code],
                            "requested_by": mash_user,
                            "requested_at": at,
                            "question": QUESTION,
                            "due_at": contact.deadline,
                        }
                    )
                await conn.execute(_INSERT_REQUESTS, rows)
                agency_ids = [area.agency_ids[ask.code] for ask in contact.asks]
                await conn.execute(
                    _INSERT_RELATIONSHIPS, _relations(enquiry_id, agency_ids, contact.kids, on)
                )
            elif op is Op.RESPOND:
                ask = contact.asks[arg]
                answer = ask.answer or {}
                basis = answer.get("lawfulBasis")
                reason = answer.get("notSharingReason")
                await conn.execute(
                    _ANSWER,
                    {
                        "request_id": requests[index, arg],
                        "v_response": ResponseKind[answer["response"]],
                        "v_by": area.user_ids[area.seats[ask.code]],
                        "v_at": at,
                        "v_summary": answer.get("summary"),
                        "v_categories": [Category[c].value for c in answer.get("categories", [])]
                        or None,
                        "v_lawful_basis": LawfulBasis[basis] if basis else None,
                        "v_not_sharing_reason": NotSharingReason[reason] if reason else None,
                        "v_justification": answer.get("justification"),
                    },
                )
            elif op is Op.CONSENT:
                consent = contact.consents[arg]
                reason = NOT_SOUGHT if consent.status is ConsentStatus.NOT_SOUGHT else None
                await conn.execute(
                    _CONSENT,
                    {
                        "the_enquiry": enquiries[index],
                        "the_child": contact.kids[consent.kid].child_id,
                        "v_status": consent.status,
                        "v_reason": reason,
                        "v_by": mash_user,
                        "v_at": at,
                    },
                )
            else:
                enquiry_id = enquiries[index]
                ends_at = at + grace
                await conn.execute(
                    _CLOSE, {"the_enquiry": enquiry_id, "v_at": at, "v_ends_at": ends_at}
                )
                participants = [
                    {
                        "agency_id": area.agency_ids[p["agency"]],
                        "seat": Seat[p["seat"]].value,
                        "role": p["role"],
                    }
                    for p in contact.participants
                ]
                await conn.execute(
                    _INSERT_DECISION,
                    {
                        "enquiry_id": enquiry_id,
                        "outcome": contact.outcome,
                        "rationale": RATIONALE[contact.outcome],
                        "participants": participants or None,
                        "decided_by": mash_user,
                        "decided_at": at,
                    },
                )
                await conn.execute(
                    _END,
                    {
                        "the_reference": str(enquiry_id),
                        "ends_on": ends_at.astimezone(LONDON).date(),
                        "until": ends_at,
                    },
                )
        transactions += 1
    return transactions


# --- Scratch databases ----------------------------------------------------------------------


@contextmanager
def scratch(database: str, folder: Path, postgres_url: str) -> Iterator[str]:
    """A fresh database: a new SQLite file, or a scratch database on the PostgreSQL server,
    dropped when the block ends (also on Ctrl-C)."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'mash.db'}"
        return
    name = f"hub_bench_mash_{os.getpid()}_{secrets.token_hex(3)}"

    async def run(sql: str) -> None:
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql(sql)
        await admin.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- The run --------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    database: str
    children_in_area: int
    build_seconds: float
    contacts: int
    days: int
    year: Year
    plan: list[Contact]
    #: The year's writes by Core (one measurement).
    floor: Timed = field(default_factory=Timed)
    floor_transactions: int = 0
    #: The replay's statements (with the sweeps and trivial requests): count, seconds in SQL.
    statements: dict[str, tuple[int, float]] = field(default_factory=dict)
    profile: str = ""


@asynccontextmanager
async def client_for(
    settings: Settings, engine: AsyncEngine, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.bench", timeout=600
    ) as client:
        yield client


async def measure(url: str, folder: Path, args: argparse.Namespace) -> Run:
    database = make_url(url).get_backend_name()
    await asyncio.to_thread(upgrade, url)
    loader = create_engine(url)
    started = time.perf_counter()
    summary = await build_demo_area(loader, children=args.children, seed=args.seed)
    build_seconds = time.perf_counter() - started
    await seed_seats(loader)
    area = await load_area(loader)
    rules = MashRules()
    rng = random.Random(args.seed)
    first_day = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=1)
    # A few households stay out of the year, for the warm-up's contacts (on the day before).
    order = list(range(len(area.households)))
    rng.shuffle(order)
    warm_households, year_households = order[:50], order[50:]
    warm_outcomes = list(Outcome)
    warm = plan_year(
        rng,
        area,
        warm_households,
        len(warm_outcomes),
        first_day - timedelta(days=28),
        7,
        rules,
        warm_outcomes,
    )
    plan = plan_year(rng, area, year_households, args.contacts, first_day, args.days, rules)
    warm_events = timeline(warm)
    last = max(c.decide_at for c in plan)
    events = timeline(plan, daily_sweeps(first_day, last))
    # Drop the area's children from memory before timing: a server does not hold them, and
    # the garbage collector would walk them on every full collection.
    area.households = []
    gc.collect()
    print(
        f"  {database}: demo area of {summary.children:,} children built in "
        f"{build_seconds:.0f} s; {len(plan):,} contacts, "
        f"{sum(e[2] is not Op.SWEEP for e in events):,} operations planned",
        file=sys.stderr,
    )

    settings = Settings(
        database_url=url,
        environment=Environment.DEVELOPMENT,
        audience=AUDIENCE,
        issuers_file=None,
        data_dir=folder / f"var-{database}",
        db_role="hub_app" if database == "postgresql" else "",
        checkpoint_seconds=0,
        mash=rules,
    )
    engine = create_engine(url, role=settings.db_role or None)
    meter = Meter(engine)
    clock = Clock(warm[0].open_at)
    year = Year()
    run = Run(database, summary.children, build_seconds, len(plan), args.days, year, plan)
    try:
        async with client_for(settings, engine, clock) as client:
            replayer = Replayer(client, clock, engine, meter, area, settings)
            # warm up: sign-in, schema, policy, pools; every operation and outcome once
            await replayer.run(
                warm, warm_events, Year(), first_day=first_day, days=args.days, timed=False
            )
            meter.by_statement.clear()
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            await replayer.run(plan, events, year, first_day=first_day, days=args.days)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(PROFILED, 40)
                run.profile = out.getvalue()
            run.statements = {k: (int(v[0]), v[1]) for k, v in meter.by_statement.items()}

        mark = meter.mark()
        run.floor_transactions = await write_floor(engine, area, plan, events)
        run.floor.add(meter.since(mark))
    finally:
        await engine.dispose()
        await loader.dispose()
    return run


# --- Output ---------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def _p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _operations(run: Run) -> Timed:
    """The year's GraphQL operations together (the sweeps apart)."""
    total = Timed()
    for op, timed in run.year.ops.items():
        if op is not Op.SWEEP:
            total.seconds.extend(timed.seconds)
            total.cpu_seconds += timed.cpu_seconds
            total.statements += timed.statements
            total.sql_seconds += timed.sql_seconds
    return total


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| database | step | operations | SQL statements | wall s | CPU s | in SQL s "
        "| ms per operation | ms per contact (mean / p95) | operations/s | contacts/s "
        "| wall ratio to floor |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        ops = _operations(run)
        count, wall = len(ops.seconds), sum(ops.seconds)
        sweeps = run.year.ops[Op.SWEEP]
        trivial = run.year.trivial
        share = count / len(trivial.seconds)
        floor_trivial = statistics.fmean(trivial.seconds) * count
        floor_rows = sum(run.floor.seconds)
        per_contact = [c.seconds for c in run.plan]
        year_wall = wall + sum(sweeps.seconds)
        rows = [
            (
                "hub: the year's operations (GraphQL, audited)",
                count,
                ops,
                wall,
                f"{statistics.fmean(per_contact) * 1000:,.1f} / {_p95(per_contact) * 1000:,.1f}",
                f"{count / wall:,.1f}",
                f"{run.contacts / year_wall:,.2f}",
                f"{wall / floor_trivial:,.1f}x trivial, {wall / floor_rows:,.1f}x rows",
            ),
            (
                f"hub: escalate_overdue once a simulated day ({len(sweeps.seconds)} days)",
                len(sweeps.seconds),
                sweeps,
                sum(sweeps.seconds),
                "-",
                "-",
                "-",
                "-",
            ),
            (
                f"floor: trivial audited request (me), mean of {len(trivial.seconds):,} "
                "through the year, x the operations",
                count,
                Timed(
                    [],
                    trivial.cpu_seconds * share,
                    round(trivial.statements * share),
                    trivial.sql_seconds * share,
                ),
                floor_trivial,
                "-",
                f"{count / floor_trivial:,.1f}",
                "-",
                "1.0x",
            ),
            (
                "floor: the year's writes by Core, one transaction per operation",
                run.floor_transactions,
                run.floor,
                floor_rows,
                "-",
                f"{run.floor_transactions / floor_rows:,.1f}",
                "-",
                "1.0x",
            ),
        ]
        for name, n, timed, seconds, contact, rate, contacts, ratio in rows:
            per = _ms(seconds / n) if n else "-"
            lines.append(
                f"| {run.database} | {name} | {n:,} | {timed.statements:,} | {seconds:,.1f} | "
                f"{timed.cpu_seconds:,.1f} | {timed.sql_seconds:,.1f} | {per} | {contact} | "
                f"{rate} | {contacts} | {ratio} |"
            )
    return "\n".join(lines)


def by_operation(runs: Sequence[Run]) -> str:
    lines = [
        "| database | operation | count | mean ms | p95 ms | SQL statements each "
        "| in SQL ms each | CPU ms each | ratio to trivial request |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        trivial_mean = statistics.fmean(run.year.trivial.seconds)
        timings = [(op.value, run.year.ops.get(op)) for op in Op]
        for name, timed in [*timings, ("(floor) me", run.year.trivial)]:
            if not timed or not timed.seconds:
                continue
            n = len(timed.seconds)
            mean = statistics.fmean(timed.seconds)
            lines.append(
                f"| {run.database} | {name} | {n:,} | {_ms(mean)} | {_ms(_p95(timed.seconds))}"
                f" | {timed.statements / n:,.1f} | {_ms(timed.sql_seconds / n)} | "
                f"{_ms(timed.cpu_seconds / n)} | {mean / trivial_mean:,.1f}x |"
            )
    return "\n".join(lines)


def by_quarter(runs: Sequence[Run]) -> str:
    """Mean ms per operation by quarter of the year: what grows as the tables fill."""
    ops = [op for op in Op if op is not Op.SWEEP]
    lines = [
        "| database | quarter of the year | operations | mean ms (all) | in SQL ms each | "
        + " | ".join(f"{op.value} ms" for op in ops)
        + " |",
        "|---|---|---:|---:|---:|" + "---:|" * len(ops),
    ]
    for run in runs:
        for n, quarter in enumerate(run.year.quarters):
            seconds = [s for op in ops for s in quarter[op].seconds]
            if not seconds:
                continue
            sql = sum(quarter[op].sql_seconds for op in ops)
            means = [
                _ms(statistics.fmean(quarter[op].seconds)) if quarter[op].seconds else "-"
                for op in ops
            ]
            lines.append(
                f"| {run.database} | Q{n + 1} | {len(seconds):,} | "
                f"{_ms(statistics.fmean(seconds))} | {_ms(sql / len(seconds))} | "
                + " | ".join(means)
                + " |"
            )
    return "\n".join(lines)


def by_statement(runs: Sequence[Run], top: int = 12) -> str:
    """Where the replay's time in SQL went, by statement (verb and tables)."""
    lines = [
        "| database | statement (verb and tables) | executions | per operation | in SQL s "
        "| mean ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        ops = len(_operations(run).seconds)
        ranked = sorted(run.statements.items(), key=lambda item: -item[1][1])
        for label, (count, seconds) in ranked[:top]:
            lines.append(
                f"| {run.database} | {label} | {count:,} | {count / ops:.2f} | {seconds:,.1f} "
                f"| {seconds / count * 1000:.2f} |"
            )
    return "\n".join(lines)


def _share(counter: Counter[str], total: int) -> str:
    return ", ".join(f"{k} {v:,} ({v / total:.1%})" for k, v in counter.most_common())


def notes(run: Run) -> list[str]:
    y, plan = run.year, run.plan
    operations = _operations(run)
    ops, wall = len(operations.seconds), sum(operations.seconds)
    sweeps = sum(y.ops[Op.SWEEP].seconds)
    rags = Counter(c.rag.name for c in plan)
    referrals = sum(v for k, v in y.outcomes.items() if Outcome[k] in REFERRALS)
    decided = sum(y.outcomes.values())
    in_hours = sum(
        MashRules().hours.add(c.received_at, 0) == c.received_at.astimezone(UTC) for c in plan
    )
    asks = Counter(len(c.asks) for c in plan)
    return [
        f"{run.database}: demo area of {run.children_in_area:,} children built in "
        f"{run.build_seconds:.0f} s",
        f"{run.database}: {run.contacts:,} contacts received over {run.days} days "
        f"({run.contacts / run.days:.1f} a day; {in_hours / run.contacts:.0%} in working "
        f"hours), {y.children:,} children ({y.children / run.contacts:.2f} a contact); RAG "
        + _share(rags, run.contacts),
        f"{run.database}: partners asked per contact "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(asks.items()))
        + f"; {y.requests:,} requests: answered on time {y.on_time:,}, late {y.late:,}, "
        f"never {y.unanswered:,}; {y.escalated:,} escalated by the daily sweep",
        f"{run.database}: answers " + _share(y.responses, sum(y.responses.values())),
        f"{run.database}: consent recorded " + _share(y.consents, sum(y.consents.values())),
        f"{run.database}: decisions " + _share(y.outcomes, decided) + f"; referrals (s17 or "
        f"strategy discussion) {referrals:,} ({referrals / decided:.1%})",
        f"{run.database}: re-referrals flagged by the hub: {y.flagged:,} children in "
        f"{y.contacts_flagged:,} contacts ({y.contacts_flagged / run.contacts:.1%}); the plan "
        f"expected {y.expected_flags:,} children; disagreements {y.flag_disagreements}; "
        f"deadlines differing from MashRules {y.deadline_disagreements}",
        f"{run.database}: the year replayed in {y.elapsed:,.0f} s end to end: {wall:,.0f} s "
        f"in the {ops:,} operations, {sweeps:,.1f} s in the sweeps, the rest the "
        f"{len(y.trivial.seconds):,} trivial requests and the bench's own work",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mash")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=PG_URL, help="a PostgreSQL server; a scratch database is made"
    )
    parser.add_argument("--children", type=int, default=CHILDREN_IN_AREA, help="demo area size")
    parser.add_argument("--contacts", type=int, default=CONTACTS_A_YEAR)
    parser.add_argument("--days", type=int, default=365, help="the span contacts arrive over")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", help="run the year under cProfile, writing stats here")
    args = parser.parse_args(argv)
    given = list(argv if argv is not None else sys.argv[1:])
    print(f"`{' '.join(['python -m bench.mash', *given])}`")
    print(
        f"{os.cpu_count()} cores; the hub runs in this process (httpx.ASGITransport), one "
        "operation at a time; the database server shares the cores; CPU s is this process's "
        "(the hub, and SQLite)."
    )
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    runs = []
    for database in databases:
        name = "postgresql" if database == "postgres" else database
        with (
            tempfile.TemporaryDirectory() as folder,
            scratch(name, Path(folder), args.postgres_url) as url,
        ):
            runs.append(asyncio.run(measure(url, Path(folder), args)))
    for run in runs:
        if run.profile:
            print(f"\ncProfile of the year on {run.database} (cumulative):\n\n{run.profile}")
    print()
    for run in runs:
        for line in notes(run):
            print(f"- {line}")
    print()
    print(table(runs))
    print()
    print(by_operation(runs))
    print()
    print(by_quarter(runs))
    print()
    print(by_statement(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
