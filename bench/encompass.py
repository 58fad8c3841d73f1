"""Operation Encompass: a force area's busy month, 1,000 incidents, submitted in one batch.

    .venv/bin/python -m bench.encompass [--database-url URL] [--children 137000] ...

Builds the demo area (``demo.build_demo_area``, Leicestershire-sized by default: 137,000
children, 300 schools with their rolls, households at addresses) into a fresh database: a
SQLite file in a temporary folder by default, or with ``--database-url`` a scratch database
created on that PostgreSQL server (``postgresql+asyncpg://postgres@127.0.0.1:5432/test``)
and dropped at the end, also on Ctrl-C.

The month: ``--incidents`` incidents at real demo households over the previous 30 days
(more at night and at weekends), 1 to 4 of the household's children each (1.8 on average).
Each child is given as the police would know them: mostly by NHS number (75%), else by name,
date of birth and postcode only (a quarter of those with a typo in a name), and some are
children the hub does not know (made-up particulars, half with an NHS number it does not
hold), so every route happens: SCHOOL (on a roll on the incident date), SOCIAL_CARE
(matched, no school) and MASH_QUEUE (unmatched or uncertain). Seeded, so a seed and a day
give the same batch.

The batch goes as ONE ``submitEncompassIncidents`` mutation through the hub's ASGI app
(``server.create_app``, in process over ``httpx.ASGITransport``: no sockets) as the demo
police Encompass coordinator (a development token from ``auth.dev_issuer.mint``, purpose
``safeguarding.encompass``), after a warm-up (three trivial requests and one two-child
incident under its own reference, so first imports are not timed), timed end to end: token
check, GraphQL, matching, routing, policy, the inserts and the audit event committed with
them. Then the same body again: the idempotent retry, every incident a duplicate. Against
two floors in the same run: the batch's rows (incidents, incident children, one
notification each) written with SQLAlchemy Core executemany in one committed transaction,
and one trivial audited GraphQL request (``me``, median of 21). Each step's SQL statements
are counted, and its CPU time in this process (the hub, and SQLite with it; a PostgreSQL
server's is not included): on a shared machine CPU time varies less than wall time.

Nothing personal is printed or logged: only counts and times (the area is synthetic, but
names and NHS numbers still stay out of output).
"""

import argparse
import asyncio
import dataclasses
import gc
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
from sqlalchemy import event, insert, make_url, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.dev_issuer import mint
from db import (
    Address,
    Agency,
    Child,
    EncompassChild,
    EncompassIncident,
    EncompassNotification,
    Household,
    HouseholdChild,
    User,
)
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from demo import build_demo_area, list_demo_users
from demo.numbers import nhs_number_from
from hub.settings import Environment, Settings
from server import create_app
from vocab.agencies import AgencyKind
from vocab.encompass import Route, RouteReason
from vocab.matching import MatchMethod
from vocab.roles import Role

LONDON = ZoneInfo("Europe/London")
AUDIENCE = "urn:safeguarding-hub:bench"
PURPOSE = "safeguarding.encompass"
#: Children per incident: 1.84 on average.
CHILDREN_PER_INCIDENT = {1: 45, 2: 33, 3: 15, 4: 7}
#: How each child is given: by NHS number, by name, date of birth and postcode, or unknown.
SHARE_NHS_NUMBER = 0.75
SHARE_UNKNOWN = 0.06
#: Of the children given by name: how many with a typo in one of their names.
SHARE_TYPO = 0.25
SHARE_PRESENT = 0.65
SHARE_VOICE = 0.15
#: Weekday weights (Monday first): more incidents at weekends.
DAY_WEIGHTS = (10, 9, 9, 10, 13, 16, 15)
#: Hour weights (00-23): the evening and the night.
HOUR_WEIGHTS = (8, 6, 4, 3, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 8, 10, 12, 13, 12, 10)
VOICES = (
    "Said they were scared when the shouting started.",
    "Hid upstairs with a younger sibling until officers arrived.",
    "Told officers this happens most weekends.",
    "Asked whether they would have to go to school tomorrow.",
)
TRIVIAL_RUNS = 21

SUBMIT = """mutation Month($input: SubmitEncompassIncidentsInput!) {
  submitEncompassIncidents(input: $input) {
    policeReference duplicate
    incident { id children { position method route reason deadline sentLate recipients { code } } }
    error { code field }
  }
}"""
TRIVIAL = "query Me { me { subject } }"


# --- The demo area --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Known:
    """A demo child as the police might know them (kept in memory, never printed)."""

    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    line1: str
    postcode: str


@dataclass(frozen=True, slots=True)
class Area:
    coordinator: str
    police_id: int
    council_id: int
    user_id: int
    #: Households with at least one child at home: the children at the address.
    households: list[list[Known]]
    nhs_numbers: frozenset[str]


_AT_HOME = (
    select(
        HouseholdChild.household_id,
        Child.nhs_number,
        Child.given_name,
        Child.family_name,
        Child.date_of_birth,
        Address.line1,
        Address.postcode,
    )
    .join(Child, Child.id == HouseholdChild.child_id)
    .join(Household, Household.id == HouseholdChild.household_id)
    .join(Address, Address.id == Household.address_id)
    .order_by(HouseholdChild.household_id, Child.id)
)


async def load_area(engine: AsyncEngine) -> Area:
    today = datetime.now(UTC).astimezone(LONDON).date()
    async with session_factory(engine)() as session:
        users = await list_demo_users(session)
        coordinator = next(u for u in users if u.role is Role.ENCOMPASS_COORDINATOR)
        police_id, user_id = (
            await session.execute(
                select(Agency.id, User.id)
                .join(User, User.agency_id == Agency.id)
                .where(User.subject == coordinator.subject)
            )
        ).one()
        council_id = (
            await session.execute(
                select(Agency.id).where(
                    Agency.kind == AgencyKind.COUNCIL, Agency.la_number.is_not(None)
                )
            )
        ).scalar_one()
        rows = await session.execute(
            _AT_HOME.where(
                HouseholdChild.valid_from <= today,
                or_(HouseholdChild.valid_to.is_(None), HouseholdChild.valid_to >= today),
                Child.date_of_birth.is_not(None),
                Child.merged_into_id.is_(None),
            )
        )
        by_household: dict[int, list[Known]] = defaultdict(list)
        for row in rows:
            by_household[row.household_id].append(
                Known(
                    row.nhs_number,
                    row.given_name,
                    row.family_name,
                    row.date_of_birth,
                    row.line1,
                    row.postcode,
                )
            )
        numbers = (
            await session.execute(select(Child.nhs_number).where(Child.nhs_number.is_not(None)))
        ).scalars()
        held = frozenset(n for n in numbers if n)
    return Area(
        coordinator.subject, police_id, council_id, user_id, list(by_household.values()), held
    )


# --- The month's incidents ------------------------------------------------------------------


def _typo(rng: random.Random, name: str) -> str:
    """One keying slip: two letters swapped, one dropped or one doubled."""
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _occurred_at(rng: random.Random, now: datetime) -> datetime:
    """A time in the previous 30 days (not today), weighted to weekends and nights."""
    today = now.astimezone(LONDON).date()
    days = [today - timedelta(days=n) for n in range(1, 31)]
    day = rng.choices(days, [DAY_WEIGHTS[d.weekday()] for d in days])[0]
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=LONDON)
    return local.replace(second=0, microsecond=0)


@dataclass(slots=True)
class Planned:
    """How the batch was made (counts only)."""

    by_nhs_number: int = 0
    by_name: int = 0
    with_typo: int = 0
    unknown: int = 0
    unknown_with_nhs_number: int = 0


def make_month(
    rng: random.Random, area: Area, incidents: int, now: datetime
) -> tuple[list[dict[str, Any]], Planned]:
    """The month's incidents as ``EncompassIncidentInput`` JSON variables."""
    by_size: dict[int, list[list[Known]]] = {
        k: [h for h in area.households if len(h) >= k] for k in CHILDREN_PER_INCIDENT
    }
    sizes, weights = list(CHILDREN_PER_INCIDENT), list(CHILDREN_PER_INCIDENT.values())
    given_pool = sorted({c.given_name for h in area.households for c in h})
    family_pool = sorted({c.family_name for h in area.households for c in h})
    planned = Planned()
    month: list[dict[str, Any]] = []
    serial = 0

    def unknown_child(postcode: str) -> dict[str, Any]:
        nonlocal serial
        planned.unknown += 1
        born = now.date() - timedelta(days=rng.randrange(365, 17 * 365))
        child: dict[str, Any] = {
            "givenName": rng.choice(given_pool),
            "familyName": rng.choice(family_pool),
            "dateOfBirth": born.isoformat(),
            "postcode": postcode,
        }
        if rng.random() < 0.5:
            while True:  # a valid NHS number the hub does not hold
                number = nhs_number_from(rng.randrange(1_000_000))
                if number is not None and number not in area.nhs_numbers:
                    break
            child["nhsNumber"] = number
            planned.unknown_with_nhs_number += 1
        return child

    def known_child(known: Known) -> dict[str, Any]:
        if known.nhs_number is not None and rng.random() < SHARE_NHS_NUMBER / (1 - SHARE_UNKNOWN):
            planned.by_nhs_number += 1
            return {"nhsNumber": known.nhs_number}
        planned.by_name += 1
        given, family = known.given_name, known.family_name
        if rng.random() < SHARE_TYPO:
            planned.with_typo += 1
            if rng.random() < 0.5:
                given = _typo(rng, given)
            else:
                family = _typo(rng, family)
        return {
            "givenName": given,
            "familyName": family,
            "dateOfBirth": known.date_of_birth.isoformat(),
            "postcode": known.postcode,
        }

    occurred = sorted(_occurred_at(rng, now) for _ in range(incidents))
    for at in occurred:
        size = rng.choices(sizes, weights)[0]
        household = rng.choice(by_size[size])
        members = rng.sample(household, size)
        address = household[0]
        children = []
        for member in members:
            child = (
                unknown_child(address.postcode)
                if rng.random() < SHARE_UNKNOWN
                else known_child(member)
            )
            child["present"] = rng.random() < SHARE_PRESENT
            if child["present"] and rng.random() < SHARE_VOICE:
                child["voiceOfChild"] = rng.choice(VOICES)
            children.append(child)
        serial += 1
        month.append(
            {
                "policeReference": f"LP-DA-{at:%y%m%d}-{serial:05d}",
                "occurredAt": at.isoformat(),
                "location": f"{address.line1}, {address.postcode}",
                "contactName": "Encompass desk, Leicestershire Police",
                "contactTelephone": "0116 222 2222",
                "contactEmail": "encompass@leicestershire.police.uk",
                "children": children,
            }
        )
    return month, planned


def warm_up(month: list[dict[str, Any]]) -> bytes:
    """A one-incident submission under its own reference: a child of the month given by NHS
    number and one given by name (every matching and routing path runs once)."""
    children = [c for m in month for c in m["children"]]
    by_number = next(c for c in children if "nhsNumber" in c and "givenName" not in c)
    by_name = next(c for c in children if "givenName" in c and "nhsNumber" not in c)
    incident = {**month[0], "policeReference": "LP-WARM-UP-1", "children": [by_number, by_name]}
    return orjson.dumps(
        {
            "query": SUBMIT,
            "variables": {"input": {"incidents": [incident]}},
            "operationName": "Month",
        }
    )


# --- Scratch databases ----------------------------------------------------------------------


@contextmanager
def scratch(database_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh database: a new SQLite file, or a scratch database on the PostgreSQL server of
    ``database_url``, dropped when the block ends (also on Ctrl-C)."""
    if database_url is None:
        yield f"sqlite+aiosqlite:///{folder / 'encompass.db'}"
        return
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and Path(url.database).exists():
            raise SystemExit(f"{url.database} exists: give a new file for a fresh database")
        yield database_url
        return
    name = f"hub_bench_encompass_{os.getpid()}_{secrets.token_hex(3)}"

    async def run(sql: str) -> None:
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql(sql)
        await admin.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- Timing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Measured:
    seconds: float = 0.0
    #: CPU time of this process (the hub, and SQLite with it; not a PostgreSQL server).
    cpu_seconds: float = 0.0
    statements: int = 0


class Meter:
    """Wall time, this process's CPU time and the SQL statements an engine sends (an
    executemany counts once)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    @contextmanager
    def measure(self) -> Iterator[Measured]:
        found = Measured()
        statements, wall, cpu = self.count, time.perf_counter(), time.process_time()
        try:
            yield found
        finally:
            found.seconds = time.perf_counter() - wall
            found.cpu_seconds = time.process_time() - cpu
            found.statements = self.count - statements


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    seconds: float
    cpu_seconds: float
    statements: int
    incidents: int = 0
    children: int = 0
    routes: Counter[str] = dataclasses.field(default_factory=Counter)
    duplicates: int = 0


@dataclass(slots=True)
class Run:
    database: str
    children_in_area: int
    build_seconds: float
    body_bytes: int
    default_limit: int
    #: How the hub answers the batch under its default body limit; empty when it fits.
    default_limit_status: str
    planned: Planned
    steps: list[Step] = dataclasses.field(default_factory=list)
    methods: Counter[str] = dataclasses.field(default_factory=Counter)
    reasons: Counter[str] = dataclasses.field(default_factory=Counter)
    sent_late: int = 0
    notifications: int = 0


def _results(response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code != 200:
        raise RuntimeError(f"the hub answered HTTP {response.status_code}")
    body = response.json()
    if body.get("errors"):
        codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
        raise RuntimeError(f"the submission failed: {codes}")
    results: list[dict[str, Any]] = body["data"]["submitEncompassIncidents"]
    refused = Counter(r["error"]["code"] for r in results if r["error"] is not None)
    if refused:
        raise RuntimeError(f"incidents refused: {dict(refused)}")
    return results


def _step(name: str, measured: Measured, results: list[dict[str, Any]]) -> Step:
    routes: Counter[str] = Counter()
    children = 0
    for result in results:
        for child in result["incident"]["children"]:
            children += 1
            routes[child["route"]] += 1
    duplicates = sum(1 for r in results if r["duplicate"])
    return Step(
        name,
        measured.seconds,
        measured.cpu_seconds,
        measured.statements,
        len(results),
        children,
        routes,
        duplicates,
    )


@asynccontextmanager
async def client_for(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.bench", timeout=600
    ) as client:
        yield client


Rows = list[dict[str, Any]]


def floor_rows(area: Area, month: list[dict[str, Any]], now: datetime) -> tuple[Rows, Rows, Rows]:
    """The batch's rows for the floor: the incidents (under other references), their
    children and one notification per child."""
    incidents: Rows = []
    children: Rows = []
    notifications: Rows = []
    for n, item in enumerate(month):
        incident_id = uuid.uuid4()
        incidents.append(
            {
                "id": incident_id,
                "police_agency_id": area.police_id,
                "police_reference": f"FLOOR-{n:05d}",
                "occurred_at": datetime.fromisoformat(item["occurredAt"]),
                "location": item["location"],
                "contact_name": item["contactName"],
                "contact_telephone": item["contactTelephone"],
                "contact_email": item["contactEmail"],
                "council_id": area.council_id,
                "digest": "0" * 64,
                "submitted_by": area.user_id,
                "submitted_at": now,
            }
        )
        for position, child in enumerate(item["children"]):
            child_id = uuid.uuid4()
            born = child.get("dateOfBirth")
            children.append(
                {
                    "id": child_id,
                    "incident_id": incident_id,
                    "position": position,
                    "child_id": None,
                    "match_method": MatchMethod.NONE,
                    "match_confidence": 0.0,
                    "present": child["present"],
                    "voice_of_child": child.get("voiceOfChild"),
                    "nhs_number": child.get("nhsNumber"),
                    "given_name": child.get("givenName"),
                    "family_name": child.get("familyName"),
                    "date_of_birth": date.fromisoformat(born) if born else None,
                    "address_line1": None,
                    "postcode": child.get("postcode", "").replace(" ", "") or None,
                }
            )
            notifications.append(
                {
                    "id": uuid.uuid4(),
                    "incident_child_id": child_id,
                    "agency_id": area.council_id,
                    "route": Route.MASH_QUEUE,
                    "reason": RouteReason.UNMATCHED,
                    "created_at": now,
                    "deadline": now + timedelta(days=1),
                    "sent_late": False,
                }
            )
    return incidents, children, notifications


async def write_floor(engine: AsyncEngine, rows: tuple[Rows, Rows, Rows]) -> None:
    """The floor: the rows written with Core executemany in one transaction, committed."""
    incidents, children, notifications = rows
    async with engine.begin() as conn:
        await conn.execute(insert(EncompassIncident), incidents)
        await conn.execute(insert(EncompassChild), children)
        await conn.execute(insert(EncompassNotification), notifications)


async def measure(url: str, folder: Path, args: argparse.Namespace) -> Run:
    database = make_url(url).get_backend_name()
    await asyncio.to_thread(upgrade, url)
    loader = create_engine(url)
    started = time.perf_counter()
    summary = await build_demo_area(loader, children=args.children, seed=args.seed)
    build_seconds = time.perf_counter() - started
    area = await load_area(loader)
    now = datetime.now(UTC)
    month, planned = make_month(random.Random(args.seed), area, args.incidents, now)
    # Drop the area's 137,000 children from memory before timing: a server does not hold
    # them, and the garbage collector would walk them on every full collection.
    area = dataclasses.replace(area, households=[], nhs_numbers=frozenset())
    gc.collect()
    body = orjson.dumps(
        {"query": SUBMIT, "variables": {"input": {"incidents": month}}, "operationName": "Month"}
    )
    print(
        f"  {database}: demo area of {summary.children:,} children built in "
        f"{build_seconds:.0f} s; batch body {len(body) / 1024:.0f} KiB",
        file=sys.stderr,
    )

    base = Settings(
        database_url=url,
        environment=Environment.DEVELOPMENT,
        audience=AUDIENCE,
        issuers_file=None,
        data_dir=folder / "var",
        db_role="hub_app" if database == "postgresql" else "",
        checkpoint_seconds=0,
    )
    # The hub refuses bodies over ``max_body_bytes``; a month's batch may not fit it.
    settings = dataclasses.replace(base, max_body_bytes=max(base.max_body_bytes, len(body)))
    token = mint(settings.dev_issuer_dir, subject=area.coordinator, audience=AUDIENCE)
    headers = {
        "authorization": f"Bearer {token}",
        "x-purpose-of-use": PURPOSE,
        "content-type": "application/json",
    }
    trivial = orjson.dumps({"query": TRIVIAL, "operationName": "Me"})

    engine = create_engine(url, role=settings.db_role or None)
    meter = Meter(engine)
    run = Run(
        database, summary.children, build_seconds, len(body), base.max_body_bytes, "", planned
    )
    try:
        if len(body) > base.max_body_bytes:  # else this would submit the batch
            async with client_for(base, engine) as client:
                answer = await client.post("/graphql", content=body, headers=headers)
                code = answer.json()["errors"][0]["extensions"]["code"]
                run.default_limit_status = f"HTTP {answer.status_code} {code}"
        async with client_for(settings, engine) as client:
            for _ in range(3):  # warm up: sign-in, schema, policy, pools
                (await client.post("/graphql", content=trivial, headers=headers)).raise_for_status()
            # and one small incident, so the timed batch does not pay for first imports
            _results(await client.post("/graphql", content=warm_up(month), headers=headers))

            with meter.measure() as measured:
                response = await client.post("/graphql", content=body, headers=headers)
            first = _results(response)
            run.steps.append(_step("hub: submit (new)", measured, first))
            for result in first:
                for child in result["incident"]["children"]:
                    run.methods[child["method"]] += 1
                    run.reasons[child["reason"]] += 1
                    run.sent_late += bool(child["sentLate"])
                    run.notifications += max(1, len(child["recipients"]))

            with meter.measure() as measured:
                response = await client.post("/graphql", content=body, headers=headers)
            again = _results(response)
            run.steps.append(_step("hub: same batch again (retry)", measured, again))
            if [r["incident"]["id"] for r in again] != [r["incident"]["id"] for r in first]:
                raise RuntimeError("the retry did not return the incidents made the first time")

            rows = floor_rows(area, month, now)
            with meter.measure() as measured:
                await write_floor(engine, rows)
            run.steps.append(
                Step(
                    "floor: rows by Core executemany",
                    measured.seconds,
                    measured.cpu_seconds,
                    measured.statements,
                    len(month),
                    sum(len(m["children"]) for m in month),
                )
            )

            times = []
            with meter.measure() as measured:
                for _ in range(TRIVIAL_RUNS):
                    started = time.perf_counter()
                    answer = await client.post("/graphql", content=trivial, headers=headers)
                    times.append(time.perf_counter() - started)
                    answer.raise_for_status()
            run.steps.append(
                Step(
                    "floor: one trivial GraphQL request (me)",
                    statistics.median(times),
                    measured.cpu_seconds / TRIVIAL_RUNS,
                    measured.statements // TRIVIAL_RUNS,
                )
            )
    finally:
        await engine.dispose()
        await loader.dispose()
    return run


# --- Output ---------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def table(runs: Sequence[Run]) -> str:
    routes = [r.name for r in Route]
    lines = [
        "| database | step | incidents | children | "
        + " | ".join(routes)
        + " | duplicates | SQL statements | wall ms | CPU ms | wall ms per incident "
        "| wall ratio to rows floor |",
        "|---|---|---:|---:|" + "---:|" * len(routes) + "---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        rows_floor = next(s for s in run.steps if s.name.startswith("floor: rows"))
        for step in run.steps:
            per = _ms(step.seconds / step.incidents) if step.incidents else "-"
            ratio = f"{step.seconds / rows_floor.seconds:,.1f}x" if step.incidents else "-"
            counts = " | ".join(str(step.routes[r]) if step.routes else "-" for r in routes)
            lines.append(
                f"| {run.database} | {step.name} | {step.incidents or '-'} | "
                f"{step.children or '-'} | {counts} | "
                f"{step.duplicates if step.routes else '-'} | {step.statements:,} | "
                f"{_ms(step.seconds)} | {_ms(step.cpu_seconds)} | {per} | {ratio} |"
            )
    return "\n".join(lines)


def notes(run: Run) -> list[str]:
    p = run.planned
    given = p.by_nhs_number + p.by_name + p.unknown
    first = run.steps[0]
    trivial = run.steps[-1]
    return [
        f"{run.database}: demo area of {run.children_in_area:,} children built in "
        f"{run.build_seconds:.0f} s",
        f"{run.database}: children given by NHS number {p.by_nhs_number} "
        f"({p.by_nhs_number / given:.0%}), by name + date of birth + postcode {p.by_name} "
        f"({p.with_typo} with a typo), unknown {p.unknown} ({p.unknown_with_nhs_number} with "
        "an NHS number the hub does not hold)",
        f"{run.database}: matched by "
        + ", ".join(f"{k} {v}" for k, v in sorted(run.methods.items()))
        + "; reasons "
        + ", ".join(f"{k} {v}" for k, v in sorted(run.reasons.items()))
        + f"; {run.notifications} notifications; {run.sent_late} children sent late",
        f"{run.database}: request body {run.body_bytes / 1024:,.0f} KiB; "
        + (
            f"over the hub's default limit ({run.default_limit // 1024} KiB): answered "
            f"{run.default_limit_status}, so the timed runs raise the limit to fit it"
            if run.default_limit_status
            else f"within the hub's default limit ({run.default_limit // 1024} KiB)"
        ),
        f"{run.database}: submit = {first.seconds / trivial.seconds:,.0f} trivial requests",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encompass")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (a scratch database is made on it) or a new SQLite file; "
        "default: a SQLite file in a temporary folder",
    )
    parser.add_argument("--children", type=int, default=137_000, help="demo area size")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    given = list(argv if argv is not None else sys.argv[1:])
    print(f"`{' '.join(['python -m bench.encompass', *given])}`")
    print(
        f"{os.cpu_count()} cores; the hub runs in this process (httpx.ASGITransport), the "
        "database server shares the cores; CPU ms is this process's (the hub, and SQLite)."
    )
    with tempfile.TemporaryDirectory() as folder, scratch(args.database_url, Path(folder)) as url:
        run = asyncio.run(measure(url, Path(folder), args))
    print()
    for line in notes(run):
        print(f"- {line}")
    print()
    print(table([run]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
