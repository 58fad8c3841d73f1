"""The MASH front door's HTTP tests: the area, its clock (Monday 23 November 2026, 10:00 GMT,
inside working hours) and a caller on it, with the default MASH rules or others."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hub.settings import Settings
from tests.factories.app import Call
from tests.factories.encompass import Clock
from tests.factories.mash import MONDAY_10, MashArea, caller, make_mash_area
from workflows.mash import MashRules


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
async def area(session: AsyncSession) -> MashArea:
    return await make_mash_area(session)


@pytest.fixture
def app(
    settings: Settings,
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    token: Callable[[str], str],
    clock: Clock,
) -> Callable[..., AbstractAsyncContextManager[Call]]:
    """``async with app(grace=...) as call``: the app with other MASH rules."""

    def make(**rules: Any) -> AbstractAsyncContextManager[Call]:
        return caller(settings, sessions, token, clock, rules=MashRules(**rules))

    return make


@pytest.fixture
async def call(app: Callable[..., AbstractAsyncContextManager[Call]]) -> AsyncIterator[Call]:
    async with app() as post:
        yield post
