"""The floor: the same rows the child view reads, fetched with the raw async driver
(aiosqlite or asyncpg) and encoded with orjson behind the same Starlette and uvicorn.

No sign-in, no GraphQL, no ORM, no policy: what is left is the cost of HTTP, the database
round trips and JSON. It returns every record of the child (a superset of what the policy
lets the hub return). ``FLOOR_DATABASE_URL`` configures it.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CHILD = (
    "SELECT id, hub_id, nhs_number, given_name, family_name, date_of_birth, sex "
    "FROM children WHERE nhs_number = {p1}"
)
RECORDS = (
    "SELECT r.id, r.category, r.lawful_basis, r.valid_from, r.valid_to, r.payload, r.version, "
    "r.created_at, r.updated_at, a.code, a.name, a.kind FROM records r "
    "JOIN agencies a ON a.id = r.agency_id WHERE r.child_id = {p1} "
    "ORDER BY r.category, r.valid_from DESC, r.id"
)
CHILD_KEYS = ("id", "hubId", "nhsNumber", "givenName", "familyName", "dateOfBirth", "sex")
RECORD_KEYS = (
    "id", "category", "lawfulBasis", "validFrom", "validTo", "payload", "version",
    "createdAt", "updatedAt", "agencyCode", "agencyName", "agencyKind",
)  # fmt: skip


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) and value[:1] == "{" else value


def app() -> Starlette:
    url = os.environ["FLOOR_DATABASE_URL"]
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if url.startswith("sqlite"):
            state["sqlite"] = await aiosqlite.connect(url.split(":///", 1)[1])
        else:
            dsn = url.replace("postgresql+asyncpg", "postgresql")
            state["pg"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        yield
        if "sqlite" in state:
            await state["sqlite"].close()
        else:
            await state["pg"].close()

    async def child_view(request: Request) -> Response:
        variables = orjson.loads(await request.body()).get("variables") or {}
        nhs_number = variables.get("nhs")
        if "sqlite" in state:
            conn: aiosqlite.Connection = state["sqlite"]
            async with conn.execute(CHILD.format(p1="?"), (nhs_number,)) as cursor:
                child = await cursor.fetchone()
            if child is None:
                return Response(b'{"data":{"child":null}}', media_type="application/json")
            async with conn.execute(RECORDS.format(p1="?"), (child[0],)) as cur:
                records = await cur.fetchall()
        else:
            async with state["pg"].acquire() as pg:
                child = await pg.fetchrow(CHILD.format(p1="$1"), nhs_number)
                if child is None:
                    return Response(b'{"data":{"child":null}}', media_type="application/json")
                records = await pg.fetch(RECORDS.format(p1="$1"), child[0])
        body = {
            "data": {
                "child": {
                    **dict(zip(CHILD_KEYS, child, strict=True)),
                    "records": [
                        {k: _json(v) for k, v in zip(RECORD_KEYS, row, strict=True)}
                        for row in records
                    ],
                }
            }
        }
        return Response(orjson.dumps(body, default=str), media_type="application/json")

    return Starlette(routes=[Route("/graphql", child_view, methods=["POST"])], lifespan=lifespan)
