"""Child view over HTTP: the hub against the raw-driver floor, on SQLite and PostgreSQL.

    python -m bench.child_view [--children 3000] [--concurrency 8] [--requests 3000]

For each database: build the demo area in a scratch database, serve it with the hub and
with the floor (``bench.floor``) in uvicorn processes on loopback, and drive each with the
same closed-loop load (``bench.load``) asking for children the demo social worker works
with. Prints requests per second, p50 and p99 latency, and the hub's ratios to the floor.
The load generator shares the machine's cores with the server: compare ratios, not
absolute figures, and only within one run.
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import orjson
from sqlalchemy import or_, select

from auth.dev_issuer import mint
from bench.load import LoadResult, run_load
from db import Agency, Child, ChildRelationship, Record, User
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from demo import build_demo_area, list_demo_users
from vocab.roles import Role

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
AUDIENCE = "urn:safeguarding-hub:bench"
PURPOSE = "safeguarding.s47"
QUERY = """query ChildView($nhs: String!) {
  child(nhsNumber: $nhs) {
    hubId nhsNumber givenName familyName dateOfBirth sex
    records {
      id category lawfulBasis validFrom validTo payload version createdAt updatedAt
      agency { code name kind }
    }
  }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(factory: str, env: dict[str, str]) -> Iterator[str]:
    """Run ``uvicorn --factory <factory>`` on a free loopback port until the block ends."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 fixed argv, our own modules
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        env={**os.environ, **env},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(f"http://127.0.0.1:{port}/graphql", content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _prepare(url: str, children: int) -> tuple[str, list[str]]:
    """Build the demo area; return the demo social worker, their council and NHS numbers of
    children that council works with and holds records about."""
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    await build_demo_area(engine, children=children, seed=1)
    async with session_factory(engine)() as session:
        users = await list_demo_users(session)
        worker = next(u for u in users if u.role is Role.SOCIAL_WORKER)
        agency_id = (
            await session.execute(select(Agency.id).where(Agency.code == worker.agency_code))
        ).scalar_one()
        user_id = (
            await session.execute(select(User.id).where(User.subject == worker.subject))
        ).scalar_one()
        today = date.today()  # noqa: DTZ011 civil date, as the hub uses
        numbers = (
            await session.execute(
                select(Child.nhs_number)
                .join(ChildRelationship, ChildRelationship.child_id == Child.id)
                .where(
                    ChildRelationship.agency_id == agency_id,
                    or_(
                        ChildRelationship.user_id.is_(None),
                        ChildRelationship.user_id == user_id,
                    ),
                    ChildRelationship.valid_from <= today,
                    or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= today),
                    Child.nhs_number.is_not(None),
                    select(Record.id)
                    .where(Record.child_id == Child.id, Record.agency_id == agency_id)
                    .exists(),
                )
                .distinct()
                .limit(500)
            )
        ).scalars()
        found = [n for n in numbers if n]
    await engine.dispose()
    if not found:
        raise RuntimeError("the demo social worker's council has no children with records")
    return worker.subject, found


@contextmanager
def scratch(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        return
    import asyncpg

    name = f"hub_bench_{os.getpid()}"
    admin = PG_URL.replace("postgresql+asyncpg", "postgresql")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(sql)
        await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def measure(kind: str, args: argparse.Namespace) -> dict[str, LoadResult]:
    with tempfile.TemporaryDirectory() as folder, scratch(kind, Path(folder)) as url:
        started = time.perf_counter()
        subject, numbers = asyncio.run(_prepare(url, args.children))
        elapsed = time.perf_counter() - started
        print(f"  {kind}: demo area of {args.children} children built in {elapsed:.0f} s")
        data_dir = Path(folder) / "var"
        token = mint(data_dir / "dev-issuer", subject=subject, audience=AUDIENCE)
        bodies = [
            orjson.dumps({"query": QUERY, "variables": {"nhs": n}, "operationName": "ChildView"})
            for n in numbers
        ]
        headers = {"authorization": f"Bearer {token}", "x-purpose-of-use": PURPOSE}
        results = {}
        hub_env = {
            "DATABASE_URL": url,
            "HUB_ENV": "development",
            "HUB_DATA_DIR": str(data_dir),
            "HUB_AUDIENCE": AUDIENCE,
        }
        floor_env = {"FLOOR_DATABASE_URL": url}
        for name, factory, env in (
            ("hub", "server:app", hub_env),
            ("floor", "bench.floor:app", floor_env),
        ):
            with serve(factory, env) as endpoint:
                results[name] = asyncio.run(
                    run_load(
                        endpoint,
                        bodies,
                        headers=headers,
                        concurrency=args.concurrency,
                        requests=args.requests,
                    )
                )
            if results[name].failures:
                raise RuntimeError(f"{kind} {name}: {results[name].failures} failed requests")
        return results


def table(results: dict[str, dict[str, LoadResult]]) -> str:
    lines = [
        "| database | server | req/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for kind, by_server in results.items():
        hub, floor = by_server["hub"], by_server["floor"]
        for name, r in (("hub (GraphQL)", hub), ("floor (raw driver + JSON)", floor)):
            lines.append(f"| {kind} | {name} | {r.rps:.0f} | {r.p50:.2f} | {r.p99:.2f} |")
        lines.append(
            f"| {kind} | **hub / floor** | {hub.rps / floor.rps:.2f}x | "
            f"{hub.p50 / floor.p50:.2f}x | {hub.p99 / floor.p99:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    print(
        f"child view over HTTP: {args.requests} requests, {args.concurrency} concurrent "
        f"clients, one server process, {os.cpu_count()} cores shared with the load generator"
    )
    results = {kind: measure(kind, args) for kind in args.databases.split(",")}
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
