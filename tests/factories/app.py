"""The app under test on a test clock, and a caller that posts operations to it."""

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from db import User
from hub.settings import Settings
from server import create_app
from tests.factories.encompass import Clock

Call = Callable[..., Any]


@asynccontextmanager
async def caller(
    settings: Settings,
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    token: Callable[[str], str],
    clock: Clock,
    *,
    purpose: str,
    **changes: Any,
) -> AsyncIterator[Call]:
    """``await call(user, query, variables, purpose=...)``: the JSON body of posting an
    operation as ``user`` on ``clock`` (status 200 asserted), to an app whose settings are
    ``settings`` with ``changes``."""
    app = create_app(replace(settings, **changes), sessions=sessions, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
    ) as client:

        async def post(
            user: User,
            query: str,
            variables: Mapping[str, Any] | None = None,
            *,
            purpose: str = purpose,
        ) -> dict[str, Any]:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={
                    "Authorization": f"Bearer {token(user.subject)}",
                    "X-Purpose-Of-Use": purpose,
                },
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        yield post
