"""Exit 0 if the PostgreSQL server named by the URL answers a query within 10 seconds."""

import asyncio
import sys

import asyncpg
from sqlalchemy import make_url


async def main(url: str) -> int:
    parsed = make_url(url)
    try:
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"cannot reach PostgreSQL: {type(exc).__name__}", file=sys.stderr)
        return 1
    await connection.fetchval("SELECT 1")
    await connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
