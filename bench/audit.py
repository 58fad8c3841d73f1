"""The audit log: append throughput by concurrent writers, and the DPO's queries at scale.

    .venv/bin/python -m bench.audit [--events 10000000] [--writers 1,2,4] [--seconds 10] ...

Append: N writer processes (spawned, each with its own engine and connection) append real
child-view events (``audit.events.build`` from ``policies.decision.decide`` under the
default policy: one child, ten categories) through ``audit.store.append``, one event per
transaction, for a fixed time, on a scratch SQLite file (WAL) and a scratch PostgreSQL
database. Every append takes the chain head's lock, so writers take turns; the table shows
what that costs as writers are added. After each run ``audit.verify.verify`` checks the
chain (seq contiguous from 1, each event chained to the one before, bodies and columns
agreeing), and the check's result is printed.

Queries: a scratch PostgreSQL database filled by server-side SQL (``INSERT ... SELECT``
over ``generate_series``, two connections) with ``--events`` events over 13 months, in
monthly partitions (``audit.ensure_partitions`` for the span): 137,000 children, 5,000 users
in 300 agencies, 1-3 children per event, ~3% refused, ~0.5% reached without a relationship;
a fifth of the events come from 5% of the users and a fifth of the children seen are among
5% of the children (plans, care). Each event's user, children and kind are hashed from its
seq, so its ``audit_accesses`` rows agree with it. Bodies are the canonical JSON of real
events (one per kind, built as the appends build theirs) with the ids, time and seq spliced
in; their hashes are placeholders (not a valid chain: the timings do not depend on it). For
speed the partitions are UNLOGGED and the foreign-key triggers off while loading (the ids
are in range by construction), and bodies are TOAST-compressed with lz4 unless asked
otherwise. Then VACUUM ANALYZE, and ``resolvers.dpo``'s ``ACCESSES_TO_CHILD`` (a child's
last 12 months, newest 100) and ``USER_ACTIVITY`` (a user's last week, newest 500) are timed
(median of ``--runs`` after one warm-up) against a one-row primary-key lookup in the same
run, with what EXPLAIN ANALYZE says of them (indexes, partitions planned and read, planning
time). Then the same on SQLite at ``--sqlite-events`` (rows generated in Python). Scratch
databases are dropped at the end, also on Ctrl-C.
"""

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.chain import canonical
from audit.events import Event, build
from audit.store import append
from audit.trail import AuditTrail
from audit.verify import verify
from db.audit import AuditEvent
from db.engine import create_engine
from db.migrate import upgrade
from policies.decision import Decision, Facts, decide
from policies.grants import GrantTable, load_enforcer, read_default_policy
from policies.principal import Principal
from resolvers.dpo import ACCESSES_TO_CHILD, NO_CURSOR, USER_ACTIVITY
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.audit import Outcome
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import Role

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

AGENCIES = 300
USERS = 5_000
CHILDREN = 137_000
MONTHS = 13
#: A fifth of the events come from the busiest 5% of users; a fifth of the children seen are
#: among 5% of the children.
HOT_SHARE_PPM = 200_000
HOT_USERS = USERS // 20
HOT_CHILDREN = CHILDREN // 20
CHUNK = 250_000

# Placeholders in template bodies, replaced per event (numbers no real id reaches).
PH_SEQ, PH_USER, PH_AGENCY = 987654321, 987654301, 987654302
PH_CHILDREN = (987654311, 987654312, 987654313)
PH_AT, PH_ID, PH_CODE = "@AT@", "@ID@", "@AGENCY@"


# --- Real events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of event, its share of all events, and how to decide it."""

    name: str
    share_ppm: int
    children: int
    categories: tuple[Category, ...]
    facts: Facts


_GRANTS = GrantTable.from_enforcer(load_enforcer(read_default_policy()))
_WORKER = Principal(
    PH_USER, "bench", "Bench Worker", PH_AGENCY, AgencyKind.COUNCIL, PH_CODE, "Bench Council",
    frozenset({Role.SOCIAL_WORKER}),
)  # fmt: skip
_SEEN = Facts(relationship=RelationshipKind.ALLOCATION, consent=True)


def _view_categories() -> tuple[Category, ...]:
    """The first ten categories a social worker may read about an allocated child."""
    allowed = [
        c
        for c in Category
        if decide(
            _GRANTS, _WORKER, purpose=Purpose.SAFEGUARDING_S47, action=Action.READ,
            category=c, child_id=1, facts=_SEEN,
        ).allowed
    ]  # fmt: skip
    return tuple(allowed[:10])


VIEW = _view_categories()
KINDS = (
    Kind("child view", 665_000, 1, VIEW, _SEEN),
    Kind("household of two", 200_000, 2, (Category.IDENTITY,), _SEEN),
    Kind("household of three", 100_000, 3, (Category.IDENTITY,), _SEEN),
    Kind("refused: no relationship", 30_000, 1, VIEW, Facts()),
    Kind("break-glass view", 5_000, 1, VIEW, Facts(break_glass=True)),
)
assert sum(k.share_ppm for k in KINDS) == 1_000_000


def decisions(kind: Kind, principal: Principal, children: Sequence[int]) -> list[Decision]:
    return [
        decide(
            _GRANTS, principal, purpose=Purpose.SAFEGUARDING_S47, action=Action.READ,
            category=category, child_id=child, facts=kind.facts,
        )
        for child in children
        for category in kind.categories
    ]  # fmt: skip


def event(
    kind: Kind, principal: Principal, children: Sequence[int], at: datetime, request_id: str
) -> Event:
    trail = AuditTrail(request_id, decisions(kind, principal, children))
    refused = any(not d.allowed for d in trail.decisions)
    return build(
        trail=trail,
        principal=principal,
        client="bench-web",
        purpose=Purpose.SAFEGUARDING_S47,
        occurred_at=at,
        operation_type="query",
        operation_name="ChildView" if kind.children == 1 else "Household",
        document_sha256="5" * 64,
        variable_names=["nhsNumber"],
        policy_version=_GRANTS.version,
        outcome=Outcome.FAILURE if refused else Outcome.SUCCESS,
        error_codes=["FORBIDDEN"] if refused else [],
        trace_id=None,
    )


@dataclass(frozen=True, slots=True)
class Template:
    """A kind's event with placeholders: the body text and the columns derived from it."""

    body: str
    children: int
    access: str
    disclosed: bool
    refused: bool
    no_relationship: bool
    break_glass: bool
    purpose: str
    operation: str
    outcome: str


def templates() -> list[Template]:
    found = []
    for kind in KINDS:
        e = event(kind, _WORKER, PH_CHILDREN[: kind.children], datetime.now(UTC), PH_ID)
        body = canonical({**e.body, "seq": PH_SEQ, "id": PH_ID, "at": PH_AT})
        found.append(
            Template(
                body=body,
                children=kind.children,
                access=e.accesses[0].access,
                disclosed=e.accesses[0].disclosed,
                refused=e.refused,
                no_relationship=e.no_relationship,
                break_glass=bool(e.body["break_glass"]),
                purpose=str(e.body["purpose"]),
                operation=str(e.body["operation"]["name"]),
                outcome=str(e.body["outcome"]),
            )
        )
    return found


# --- Scratch databases -------------------------------------------------------------------


@contextmanager
def scratch(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty database of ``kind``, dropped when the block ends (also on Ctrl-C)."""
    if kind == "sqlite":
        path = folder / f"audit-{secrets.token_hex(4)}.db"
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            for leftover in folder.glob(f"{path.name}*"):
                leftover.unlink()
        return
    url = make_url(PG_URL)
    name = f"hub_bench_audit_{os.getpid()}_{secrets.token_hex(3)}"

    async def run(sql: str) -> None:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql(sql)
        await admin.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_PARTIES_PG = (
    """INSERT INTO agencies (id, kind, code, name, active, created_at)
    SELECT i, (ARRAY['council','police','health','school','district'])[1 + i % 5],
           'BENCH' || i, 'Bench agency ' || i, true, now()
    FROM generate_series(1, :agencies) AS i""",
    """INSERT INTO users (id, agency_id, issuer, subject, display_name, active, created_at)
    SELECT i, 1 + (i - 1) % :agencies, 'https://idp.bench.invalid', 'user-' || i,
           'Bench user ' || i, true, now()
    FROM generate_series(1, :users) AS i""",
    """INSERT INTO children (id, hub_id, given_name, family_name, sex, created_at, updated_at)
    SELECT i, 'B' || lpad(i::text, 9, '0'), 'Child', 'Bench' || i, 'not_known', now(), now()
    FROM generate_series(1, :children) AS i""",
)
_PARTIES_SQLITE = (
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :agencies)
    INSERT INTO agencies (id, kind, code, name, active, created_at)
    SELECT i, CASE i % 5 WHEN 0 THEN 'police' WHEN 1 THEN 'health' WHEN 2 THEN 'school'
                         WHEN 3 THEN 'district' ELSE 'council' END,
           'BENCH' || i, 'Bench agency ' || i, 1, CURRENT_TIMESTAMP FROM n""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :users)
    INSERT INTO users (id, agency_id, issuer, subject, display_name, active, created_at)
    SELECT i, 1 + (i - 1) % :agencies, 'https://idp.bench.invalid', 'user-' || i,
           'Bench user ' || i, 1, CURRENT_TIMESTAMP FROM n""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :children)
    INSERT INTO children (id, hub_id, given_name, family_name, sex, created_at, updated_at)
    SELECT i, 'B' || substr('000000000' || i, -9), 'Child', 'Bench' || i, 'not_known',
           CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n""",
)


async def add_parties(engine: AsyncEngine, *, agencies: int, users: int, children: int) -> None:
    """Minimal agencies, users (user i in agency 1 + (i-1) % agencies) and children."""
    params = {"agencies": agencies, "users": users, "children": children}
    statements = _PARTIES_PG if engine.dialect.name == "postgresql" else _PARTIES_SQLITE
    async with engine.begin() as conn:
        for sql in statements:
            await conn.execute(text(sql), params)


def agency_of(user_id: int, agencies: int) -> int:
    return 1 + (user_id - 1) % agencies


# --- Append throughput ------------------------------------------------------------------

WARM_APPENDS = 20
PARTY_SCALE = {"agencies": 30, "users": 500, "children": 5_000}


def _principal(user_id: int) -> Principal:
    agency = agency_of(user_id, PARTY_SCALE["agencies"])
    return Principal(
        user_id, f"user-{user_id}", "Bench user", agency, AgencyKind.COUNCIL, f"BENCH{agency}",
        "Bench agency", frozenset({Role.SOCIAL_WORKER}),
    )  # fmt: skip


async def _append_for(url: str, writer: int, seconds: float, barrier: Any) -> tuple[int, float]:
    rng = random.Random(writer)
    people = [_principal(rng.randint(1, PARTY_SCALE["users"])) for _ in range(50)]
    engine = create_engine(url)

    async def one(conn: AsyncConnection) -> None:
        child = rng.randint(1, PARTY_SCALE["children"])
        e = event(KINDS[0], rng.choice(people), [child], datetime.now(UTC), str(uuid.uuid4()))
        async with conn.begin():
            await append(conn, e)

    async with engine.connect() as conn:
        await conn.execution_options(sqlite_begin="IMMEDIATE")  # as audit.writer appends
        for _ in range(WARM_APPENDS):
            await one(conn)
        await asyncio.to_thread(barrier.wait, 120)
        appended, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            await one(conn)
            appended += 1
    await engine.dispose()
    return appended, elapsed


def _writer(url: str, writer: int, seconds: float, barrier: Any, results: Any) -> None:
    results.put(asyncio.run(_append_for(url, writer, seconds, barrier)))


@dataclass(frozen=True, slots=True)
class AppendResult:
    database: str
    writers: int
    appended: int
    seconds: float
    chain: str

    @property
    def rate(self) -> float:
        return self.appended / self.seconds


async def check_chain(url: str) -> str:
    """``audit.verify.verify`` on the whole chain: a short verdict."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        report = await verify(conn)
    await engine.dispose()
    if report.ok:
        return f"ok: {report.events:,} events, seq 1..{report.events:,}, chain unbroken"
    return f"FAILED: {report.first}"


async def _prepare_append(url: str) -> None:
    engine = create_engine(url)
    await add_parties(engine, **PARTY_SCALE)
    await engine.dispose()


def measure_append(kind: str, writers: int, seconds: float, folder: Path) -> AppendResult:
    with scratch(kind, folder) as url:
        upgrade(url)
        asyncio.run(_prepare_append(url))
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(writers + 1)
        results = context.Queue()
        processes = [
            context.Process(target=_writer, args=(url, n, seconds, barrier, results))
            for n in range(writers)
        ]
        for process in processes:
            process.start()
        try:
            barrier.wait(timeout=120)
            done = [results.get(timeout=seconds + 120) for _ in processes]
        except BaseException:  # Ctrl-C or a writer failed: stop the others now
            for process in processes:
                process.terminate()
            raise
        finally:
            for process in processes:
                process.join(timeout=30)
        chain = asyncio.run(check_chain(url))
    appended = sum(n for n, _ in done)
    return AppendResult(kind, writers, appended, max(s for _, s in done), chain)


def append_table(results: Sequence[AppendResult]) -> str:
    lines = [
        "| database | writers | events appended | events/s | ratio to 1 writer | chain check |",
        "|---|---:|---:|---:|---:|---|",
    ]
    single = {r.database: r.rate for r in results if r.writers == 1}
    for r in results:
        base = single.get(r.database)
        ratio = f"{r.rate / base:.2f}x" if base else "-"
        lines.append(
            f"| {r.database} | {r.writers} | {r.appended:,} | {r.rate:,.0f} | {ratio} | {r.chain} |"
        )
    return "\n".join(lines)


# --- Filling a large log ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime
    events: int

    @property
    def step_us(self) -> float:
        return (self.end - self.start) / timedelta(microseconds=1) / self.events

    def at(self, seq: int) -> datetime:
        """When event ``seq`` happened: evenly spread, in seq order."""
        return self.start + timedelta(microseconds=(seq - 0.5) * self.step_us)


# Per event, drawn from its seq by hashing (so the events and their accesses agree): the user
# (a fifth from the busiest 5%), the first child (a fifth from 5% of children; the others
# of a household are the next ids), and the kind of event.
_FILL_PG = """
WITH g AS MATERIALIZED (
  SELECT seq, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
         (lpad(to_hex(hashint8extended(seq, 6)), 16, '0')
          || lpad(to_hex(hashint8extended(seq, 7)), 16, '0'))::uuid::text AS event_id,
         user_id, 1 + (user_id - 1) % :agencies AS agency_id,
         child0, child0 % :children + 1 AS child1, (child0 + 1) % :children + 1 AS child2, kind
  FROM (
    SELECT s AS seq,
      CAST(:start AS timestamptz)
        + (s::float8 - 0.5) * CAST(:step_us AS float8) * interval '1 microsecond' AS at,
      CASE WHEN (hashint8extended(s, 1) & 9223372036854775807) % 1000000 < :hot_ppm
           THEN 1 + (hashint8extended(s, 2) & 9223372036854775807) % :hot_users
           ELSE 1 + (hashint8extended(s, 2) & 9223372036854775807) % :users END AS user_id,
      CASE WHEN (hashint8extended(s, 3) & 9223372036854775807) % 1000000 < :hot_ppm
           THEN 1 + (hashint8extended(s, 4) & 9223372036854775807) % :hot_children
           ELSE 1 + (hashint8extended(s, 4) & 9223372036854775807) % :children END AS child0,
      width_bucket(((hashint8extended(s, 5) & 9223372036854775807) % 1000000)::int,
                   CAST(:kind_from AS int[])) AS kind
    FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS s
  ) AS r
), events AS (
  INSERT INTO audit_events (seq, occurred_at, event_id, user_id, agency_id, purpose, operation,
                            outcome, refused, no_relationship, break_glass, body, prev_hash, hash)
  SELECT seq, at, event_id, user_id, agency_id,
    (CAST(:purpose AS text[]))[kind], (CAST(:operation AS text[]))[kind],
    (CAST(:outcome AS text[]))[kind], (CAST(:refused AS bool[]))[kind],
    (CAST(:no_relationship AS bool[]))[kind], (CAST(:break_glass AS bool[]))[kind],
    {body}, lpad(to_hex(seq - 1), 64, '0'), lpad(to_hex(seq), 64, '0')
  FROM g
)
INSERT INTO audit_accesses (seq, child_id, occurred_at, user_id, agency_id, access, disclosed)
SELECT seq, (child0 - 1 + k) % :children + 1, at, user_id, agency_id,
       (CAST(:access AS text[]))[kind], (CAST(:disclosed AS bool[]))[kind]
FROM g CROSS JOIN LATERAL generate_series(0, (CAST(:n_children AS int[]))[kind] - 1) AS k
"""

#: What each placeholder of a template body becomes, in ``_FILL_PG``'s terms.
_PLACEHOLDER_SQL = {
    str(PH_SEQ): "seq::text",
    str(PH_USER): "user_id::text",
    str(PH_AGENCY): "agency_id::text",
    PH_CODE: "'BENCH' || agency_id",
    PH_ID: "event_id",
    PH_AT: "at_text",
    **{str(ph): f"child{n}::text" for n, ph in enumerate(PH_CHILDREN)},
}
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in _PLACEHOLDER_SQL) + ")")


def fill_sql(found: Sequence[Template]) -> tuple[str, dict[str, str]]:
    """``_FILL_PG`` with each kind's body built by concatenating the template's text around
    its placeholders (one pass; ``replace()`` nine times over 2 KB costs more than the
    insert), and the text pieces as parameters."""
    pieces: dict[str, str] = {}
    cases = []
    for n, template in enumerate(found, start=1):
        parts = []
        for i, part in enumerate(_PLACEHOLDER.split(template.body)):
            if i % 2:
                parts.append(_PLACEHOLDER_SQL[part])
            elif part:
                pieces[f"body_{n}_{i}"] = part
                parts.append(f"CAST(:body_{n}_{i} AS text)")
        cases.append(f"WHEN {n} THEN " + " || ".join(parts))
    return _FILL_PG.replace("{body}", f"CASE kind {' '.join(cases)} END"), pieces


def fill_params(span: Span, found: Sequence[Template]) -> dict[str, Any]:
    kind_from, total = [], 0
    for kind in KINDS:
        kind_from.append(total)
        total += kind.share_ppm
    return {
        "agencies": AGENCIES,
        "users": USERS,
        "children": CHILDREN,
        "hot_ppm": HOT_SHARE_PPM,
        "hot_users": HOT_USERS,
        "hot_children": HOT_CHILDREN,
        "start": span.start,
        "step_us": span.step_us,
        "kind_from": kind_from,
        "purpose": [t.purpose for t in found],
        "operation": [t.operation for t in found],
        "outcome": [t.outcome for t in found],
        "refused": [t.refused for t in found],
        "no_relationship": [t.no_relationship for t in found],
        "break_glass": [t.break_glass for t in found],
        "access": [t.access for t in found],
        "disclosed": [t.disclosed for t in found],
        "n_children": [t.children for t in found],
    }


@dataclass(frozen=True, slots=True)
class Filled:
    events: int
    accesses: int
    timings: dict[str, float]
    notes: list[str]


_LOCATE = select(AuditEvent.occurred_at, AuditEvent.hash).where(
    AuditEvent.seq == bindparam("seq"),
    AuditEvent.occurred_at.between(bindparam("earliest"), bindparam("latest")),
)


async def locate(conn: AsyncConnection, span: Span, seq: int) -> tuple[datetime, str]:
    """Event ``seq``'s time as stored (the database rounds its own way) and its hash."""
    at, second = span.at(seq), timedelta(seconds=1)
    found = await conn.execute(
        _LOCATE, {"seq": seq, "earliest": at - second, "latest": at + second}
    )
    occurred_at, digest = found.one()
    return occurred_at, digest


_AUDIT_PARTITIONS = text(
    "SELECT i.inhrelid::regclass::text FROM pg_inherits AS i"
    " WHERE i.inhparent IN ('audit_events'::regclass, 'audit_accesses'::regclass)"
)


async def fill_postgres(url: str, span: Span, compression: str, workers: int = 2) -> Filled:
    timings: dict[str, float] = {}
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as conn:
        months = (span.end.year - span.start.year) * 12 + span.end.month - span.start.month + 1
        await conn.execute(
            text("SELECT audit.ensure_partitions(CAST(:start AS date), :months)"),
            {"start": span.start.date(), "months": months},
        )
        # No WAL for the load (about 5 KB an event otherwise); reading is the same.
        for (partition,) in (await conn.execute(_AUDIT_PARTITIONS)).all():
            await conn.exec_driver_sql(f"ALTER TABLE {partition} SET UNLOGGED")
    await add_parties(engine, agencies=AGENCIES, users=USERS, children=CHILDREN)
    timings["partitions, agencies, users, children"] = time.perf_counter() - started

    found = templates()
    sql, pieces = fill_sql(found)
    params = {**fill_params(span, found), **pieces}
    chunks = [(lo, min(lo + CHUNK - 1, span.events)) for lo in range(1, span.events + 1, CHUNK)]
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)

    async def worker() -> None:
        async with engine.connect() as conn:
            while not queue.empty():
                lo, hi = queue.get_nowait()
                async with conn.begin():
                    # Bulk load: the generated ids are in range by construction, so the
                    # per-row foreign-key triggers are skipped (superuser only).
                    await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                    await conn.exec_driver_sql(
                        f"SET LOCAL default_toast_compression = {compression}"
                    )
                    await conn.execute(text(sql), {**params, "lo": lo, "hi": hi})

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    async with engine.begin() as conn:
        _, last = await locate(conn, span, span.events)
        await conn.execute(
            text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
            {"seq": span.events, "hash": last},
        )
    timings[f"events and accesses ({workers} connections)"] = time.perf_counter() - started

    started = time.perf_counter()
    maintenance = create_engine(url, isolation_level="AUTOCOMMIT")

    async def vacuum(table: str) -> None:
        async with maintenance.connect() as conn:
            await conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")

    await asyncio.gather(vacuum("audit_events"), vacuum("audit_accesses"))
    await vacuum("agencies, users, children")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    async with engine.connect() as conn:
        accesses = (
            await conn.execute(
                text(
                    "SELECT sum(reltuples)::bigint FROM pg_class "
                    "WHERE relkind = 'r' AND relname LIKE :pattern"
                ),
                {"pattern": "audit_accesses_y%"},
            )
        ).scalar_one()
        size = (
            await conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        ).scalar_one()
    await maintenance.dispose()
    await engine.dispose()
    notes = [
        f"database size {size}",
        "partitions UNLOGGED and foreign-key triggers off during the load",
        f"bodies TOAST-compressed with {compression}",
    ]
    return Filled(span.events, int(accesses), timings, notes)


def _sqlite_rows(
    span: Span, found: Sequence[Template], seed: int = 2026
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Events and their access rows for SQLite, with ``_FILL_PG``'s distributions (drawn
    by ``random``, so not the same events)."""
    rng = random.Random(seed)
    cumulative = []
    total = 0
    for kind in KINDS:
        total += kind.share_ppm
        cumulative.append(total / 1_000_000)
    hot = HOT_SHARE_PPM / 1_000_000
    for seq in range(1, span.events + 1):
        at = span.at(seq)
        user = rng.randint(1, HOT_USERS if rng.random() < hot else USERS)
        agency = agency_of(user, AGENCIES)
        child0 = rng.randint(1, HOT_CHILDREN if rng.random() < hot else CHILDREN)
        draw = rng.random()
        t = found[next(i for i, c in enumerate(cumulative) if draw < c)]
        children = [(child0 - 1 + k) % CHILDREN + 1 for k in range(t.children)]
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        body = (
            t.body.replace(str(PH_SEQ), str(seq))
            .replace(str(PH_USER), str(user))
            .replace(str(PH_AGENCY), str(agency))
            .replace(PH_CODE, f"BENCH{agency}")
            .replace(PH_ID, event_id)
            .replace(PH_AT, at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        )
        for placeholder, child in zip(PH_CHILDREN, children, strict=False):
            body = body.replace(str(placeholder), str(child))
        stored_at = at.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it on SQLite
        row = (
            seq, stored_at, event_id, user, agency, t.purpose, t.operation, t.outcome,
            t.refused, t.no_relationship, t.break_glass, body,
            f"{seq - 1:064x}", f"{seq:064x}",
        )  # fmt: skip
        accesses = [(seq, c, stored_at, user, agency, t.access, t.disclosed) for c in children]
        yield row, accesses


async def _add_parties(url: str) -> None:
    engine = create_engine(url)
    await add_parties(engine, agencies=AGENCIES, users=USERS, children=CHILDREN)
    await engine.dispose()


def fill_sqlite(url: str, span: Span) -> Filled:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    asyncio.run(_add_parties(url))
    timings["agencies, users, children"] = time.perf_counter() - started
    started = time.perf_counter()
    path = make_url(url).database
    assert path
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    insert_event = (
        "INSERT INTO audit_events (seq, occurred_at, event_id, user_id, agency_id, purpose,"
        " operation, outcome, refused, no_relationship, break_glass, body, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    insert_access = (
        "INSERT INTO audit_accesses (seq, child_id, occurred_at, user_id, agency_id, access,"
        " disclosed) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    events: list[tuple[Any, ...]] = []
    accesses: list[tuple[Any, ...]] = []
    total_accesses = 0
    for row, touched in _sqlite_rows(span, templates()):
        events.append(row)
        accesses.extend(touched)
        if len(events) == 50_000:
            db.executemany(insert_event, events)
            db.executemany(insert_access, accesses)
            total_accesses += len(accesses)
            events, accesses = [], []
    db.executemany(insert_event, events)
    db.executemany(insert_access, accesses)
    total_accesses += len(accesses)
    db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (span.events, f"{0:064x}"))
    db.execute("COMMIT")
    timings["events and accesses (Python, one connection)"] = time.perf_counter() - started
    started = time.perf_counter()
    db.execute("ANALYZE")
    db.close()
    timings["ANALYZE"] = time.perf_counter() - started
    size = Path(path).stat().st_size / 2**30
    return Filled(span.events, total_accesses, timings, [f"database file {size:.1f} GiB"])


# --- The DPO's queries --------------------------------------------------------------------


PK_LOOKUP = select(AuditEvent.seq, AuditEvent.body).where(
    AuditEvent.seq == bindparam("seq"), AuditEvent.occurred_at == bindparam("at")
)


@dataclass(frozen=True, slots=True)
class QueryTiming:
    question: str
    subject: str
    rows: int
    median_ms: float


async def timed(
    conn: AsyncConnection, work: Sequence[tuple[Select[Any], dict[str, Any]]], runs: int
) -> list[tuple[int, float]]:
    """For each statement and parameters: rows returned and the median milliseconds of
    ``runs`` executions after one warm-up. Runs go round the statements in turn, so that a
    burst of load elsewhere on the machine touches them all alike."""
    rows = [len((await conn.execute(statement, params)).all()) for statement, params in work]
    times: list[list[float]] = [[] for _ in work]
    for _ in range(runs):
        for n, (statement, params) in enumerate(work):
            started = time.perf_counter()
            rows[n] = len((await conn.execute(statement, params)).all())
            times[n].append((time.perf_counter() - started) * 1_000)
    return [(r, statistics.median(t)) for r, t in zip(rows, times, strict=True)]


_PARTITIONS = text(
    "SELECT c.relname, p.relname FROM pg_inherits AS i"
    " JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_class AS p ON p.oid = i.inhparent"
)


@dataclass(frozen=True, slots=True)
class Partitions:
    """Partition (table or index) name -> its parent's; how many partitions each table has."""

    parent: dict[str, str]
    count: dict[str, int]

    @classmethod
    async def load(cls, conn: AsyncConnection) -> "Partitions":
        if conn.dialect.name != "postgresql":
            return cls({}, {})
        parent = {str(c): str(p) for c, p in (await conn.execute(_PARTITIONS)).all()}
        count: dict[str, int] = {}
        for p in parent.values():
            count[p] = count.get(p, 0) + 1
        return cls(parent, count)


def _plan_facts(document: dict[str, Any], partitions: Partitions) -> str:
    """Per table: the scans and indexes used, partitions planned and read; sorts; times."""
    planned: dict[str, set[str]] = {}
    read: dict[str, set[str]] = {}
    rows: dict[str, int] = {}
    scans: dict[str, set[str]] = {}
    sorts: list[str] = []

    def walk(node: dict[str, Any], above: str | None = None) -> None:
        # a Bitmap Index Scan names the index; the Bitmap Heap Scan above it, the table
        relation = node.get("Relation Name")
        if relation is not None:
            table = partitions.parent.get(relation, relation)
            planned.setdefault(table, set()).add(relation)
            loops = node.get("Actual Loops", 0)
            if loops > 0:
                read.setdefault(table, set()).add(relation)
                rows[table] = rows.get(table, 0) + round(node["Actual Rows"] * loops)
        index = node.get("Index Name")
        table_of_index = partitions.parent.get(relation or above or "", relation or above)
        if table_of_index is not None and (relation is not None or index is not None):
            how = node["Node Type"].lower()
            if index is not None:
                how += f" on {partitions.parent.get(index, index)}"
            if node["Node Type"] != "Bitmap Heap Scan":
                scans.setdefault(table_of_index, set()).add(how)
        if node["Node Type"] == "Sort":
            sorts.append(", ".join(node["Sort Key"]))
        for child in node.get("Plans", ()):
            walk(child, relation)

    walk(document["Plan"])
    facts = []
    for table in sorted(t for t in planned if t in partitions.count):
        facts.append(
            f"{table}: {' + '.join(sorted(scans.get(table, ())))}, {len(planned[table])} of "
            f"{partitions.count[table]} partitions planned, {len(read.get(table, ()))} read, "
            f"{rows.get(table, 0):,} rows"
        )
    if sorts:
        facts.append(f"sort on {'; '.join(sorts)}")
    facts.append(
        f"planning {document['Planning Time']:.2f} ms, execution "
        f"{document['Execution Time']:.2f} ms (EXPLAIN ANALYZE)"
    )
    return "; ".join(facts)


async def explain(
    conn: AsyncConnection, statement: Select[Any], params: dict[str, Any], partitions: Partitions
) -> str:
    """What EXPLAIN says of ``statement`` run with ``params``, in a line."""
    compiled = statement.compile(dialect=conn.dialect)
    values = compiled.construct_params(params)
    args = tuple(values[name] for name in compiled.positiontup or ())
    sql = str(compiled)
    if conn.dialect.name == "postgresql":
        result = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", args)
        return _plan_facts(result.scalar_one()[0], partitions)
    rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args)).all()
    return "; ".join(str(r[3]) for r in rows if "audit_" in r[3] or "ORDER BY" in r[3])


@dataclass(frozen=True, slots=True)
class QueryResults:
    database: str
    events: int
    reference_ms: float
    timed: list[QueryTiming]
    plans: list[str]


async def measure_queries(url: str, database: str, span: Span, runs: int) -> QueryResults:
    now = span.end
    year_ago, week_ago = now - timedelta(days=365), now - timedelta(days=7)
    dpo_agency = 1  # the asking DPO's agency: a council

    def child(child_id: int) -> dict[str, Any]:
        # as resolvers.dpo.accesses_to_child binds it: one row more than the page
        return {
            "child_id": child_id, "since": year_ago, "until": now, "before": NO_CURSOR,
            "limit": 100 + 1, "agency_id": dpo_agency, "caller_police": False,
            "today": now.date(),
        }  # fmt: skip

    def user(user_id: int) -> dict[str, Any]:
        return {
            "user_id": user_id, "agency_id": agency_of(user_id, AGENCIES), "since": week_ago,
            "until": now, "before": NO_CURSOR, "limit": 500 + 1,
        }  # fmt: skip

    questions = [
        (
            "accesses to one child, last 12 months, newest 100",
            ACCESSES_TO_CHILD,
            [("a child among the most seen", child(1)), ("a typical child", child(CHILDREN // 2))],
        ),
        (
            "what user X saw last week, newest 500",
            USER_ACTIVITY,
            [("one of the busiest users", user(1)), ("a typical user", user(USERS // 2))],
        ),
    ]
    engine = create_engine(url)
    plans = []
    async with engine.connect() as conn:
        middle = span.events // 2
        reference = {"seq": middle, "at": (await locate(conn, span, middle))[0]}
        asked = [(q, statement, subject, params) for q, statement, subjects in questions
                 for subject, params in subjects]  # fmt: skip
        work = [(PK_LOOKUP, reference)] + [(st, params) for _, st, _, params in asked]
        (_, reference_ms), *results = await timed(conn, work, runs)
        found = [
            QueryTiming(question, subject, rows, ms)
            for (question, _, subject, _), (rows, ms) in zip(asked, results, strict=True)
        ]
        partitions = await Partitions.load(conn)
        plan = await explain(conn, PK_LOOKUP, reference, partitions)
        plans.append(f"one event by primary key: {plan}")
        for question, statement, subject, params in asked:
            plan = await explain(conn, statement, params, partitions)
            plans.append(f"{question}, {subject}: {plan}")
    await engine.dispose()
    return QueryResults(database, span.events, reference_ms, found, plans)


def _ratio(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def query_table(results: Sequence[QueryResults]) -> str:
    lines = [
        "| database | events | question | subject | rows returned | median ms "
        "| ratio to PK lookup |",
        "|---|---:|---|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.events:,} | one event by primary key (seq, occurred_at) | - "
            f"| 1 | {r.reference_ms:.3f} | 1.00x |"
        )
        for t in r.timed:
            lines.append(
                f"| {r.database} | {r.events:,} | {t.question} | {t.subject} | {t.rows} "
                f"| {t.median_ms:.3f} | {_ratio(t.median_ms / r.reference_ms)} |"
            )
    return "\n".join(lines)


def fill_lines(database: str, filled: Filled) -> list[str]:
    total = sum(filled.timings.values())
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in filled.timings.items())
    return [
        f"{database}: {filled.events:,} events and {filled.accesses:,} child accesses generated "
        f"in {total:.0f} s ({steps}); {'; '.join(filled.notes)}"
    ]


# --- Main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--writers", default="1,2,4", help="writer processes per append run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each append run")
    parser.add_argument("--events", type=int, default=10_000_000, help="PostgreSQL query scale")
    parser.add_argument(
        "--sqlite-events", type=int, default=1_000_000, help="SQLite query scale (0: skip)"
    )
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query")
    parser.add_argument(
        "--toast-compression",
        choices=("pglz", "lz4"),
        default="lz4",
        help="how PostgreSQL compresses the generated bodies (pglz doubles the fill time)",
    )
    parser.add_argument("--skip-append", action="store_true")
    parser.add_argument("--skip-queries", action="store_true")
    args = parser.parse_args(argv)
    databases = args.databases.split(",")
    writers = [int(n) for n in args.writers.split(",")]
    started = time.perf_counter()
    given = list(argv if argv is not None else sys.argv[1:])
    print(f"`{' '.join(['python -m bench.audit', *given])}`")
    print(f"{os.cpu_count()} cores; writers and the database server share them.")
    appended: list[AppendResult] = []
    queried: list[QueryResults] = []
    generation: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_append:
            for database in databases:
                for n in writers:
                    appended.append(measure_append(database, n, args.seconds, Path(folder)))
                    print(f"  appended: {appended[-1].database}, {n} writers", file=sys.stderr)
        if not args.skip_queries:
            now = datetime.now(UTC).replace(microsecond=0)
            scales = [("postgresql", args.events), ("sqlite", args.sqlite_events)]
            for database, events in scales:
                if database not in databases or events <= 0:
                    continue
                span = Span(now - timedelta(days=MONTHS * 365 / 12), now, events)
                with scratch(database, Path(folder)) as url:
                    print(f"  filling {database} with {events:,} events", file=sys.stderr)
                    upgrade(url)
                    if database == "postgresql":
                        filled = asyncio.run(fill_postgres(url, span, args.toast_compression))
                    else:
                        filled = fill_sqlite(url, span)
                    generation.extend(fill_lines(database, filled))
                    queried.append(asyncio.run(measure_queries(url, database, span, args.runs)))
    if appended:
        print()
        print(
            f"Append: writer processes each committing one child-view event per transaction "
            f"through audit.store.append, {args.seconds:.0f} s per run (after "
            f"{WARM_APPENDS} warm-up appends each); a fresh database per run."
        )
        print()
        print(append_table(appended))
    if queried:
        print()
        print(
            "DPO queries: median of "
            f"{args.runs} runs after one warm-up, statements resolvers.dpo.ACCESSES_TO_CHILD and "
            "USER_ACTIVITY bound as the resolvers bind them (limit = page + 1); the chain hashes "
            "of generated events are placeholders (not a valid chain: the timings do not "
            "depend on it)."
        )
        for line in generation:
            print(f"- {line}")
        print()
        print(query_table(queried))
        print()
        for r in queried:
            for plan in r.plans:
                print(f"- {r.database}: {plan}")
    print()
    print(f"Total {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
