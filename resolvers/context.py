"""What every resolver receives: the unit of work, the caller and the request's audit trail."""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from audit.trail import AuditTrail
from policies.decision import Grants
from policies.principal import Principal
from vocab.purposes import Purpose
from workflows.mash import MashRules

LONDON = ZoneInfo("Europe/London")


@dataclass(slots=True)
class RequestContext:
    session: AsyncSession
    principal: Principal
    audit: AuditTrail
    now: datetime
    #: The compiled sharing policy, taken once at the start of the request.
    grants: Grants
    #: The declared purpose of use (``X-Purpose-Of-Use``), or None if none or not known.
    purpose: Purpose | None
    #: The MASH front door's RAG clocks, grace period and re-referral window.
    mash: MashRules = field(default_factory=MashRules)
    #: Per-request memo for loaders (e.g. a child's shared records, computed once).
    memo: dict[object, object] = field(default_factory=dict)
    #: Set as the operation runs (``schema.telemetry``), for its audit event.
    operation_type: str | None = None
    operation_name: str | None = None
    trace_id: str | None = None

    @property
    def today(self) -> date:
        """The date in England now: relationships and validity periods are civil dates."""
        return self.now.astimezone(LONDON).date()


class Doorbell(Protocol):
    """Wakes a subscription when something may have arrived for an agency (``hub.doorbell``)."""

    def ticket(self, agency_id: int) -> asyncio.Event: ...

    async def wait(self, ticket: asyncio.Event, seconds: float) -> None: ...


@dataclass(slots=True)
class SubscriptionContext:
    """What a subscription receives: the caller, and a way to open one audited unit of work
    per delivery. Nothing is sent until the unit of work's audit event is committed."""

    principal: Principal
    purpose: Purpose | None
    #: A fresh ``RequestContext`` in its own transaction; on exit ``server.py`` builds its
    #: audit event and commits (or, on an error, records the refusals and re-raises).
    unit_of_work: Callable[[], AbstractAsyncContextManager[RequestContext]]
    #: An unaudited read-only session, for asking only whether anything new has arrived.
    probe: Callable[[], AbstractAsyncContextManager[Any]]
    doorbell: Doorbell
    operation_type: str | None = None
    operation_name: str | None = None
    trace_id: str | None = None


T = TypeVar("T")


async def once(ctx: RequestContext, key: object, make: Callable[[], Awaitable[T]]) -> T:
    """Compute ``make()`` once per request for ``key``, even when sibling fields resolve
    concurrently (``records`` and ``redactions`` of one child both need the same decisions):
    the first caller starts it, the others await the same task."""
    task = ctx.memo.get(key)
    if task is None:
        task = asyncio.ensure_future(make())
        ctx.memo[key] = task
    result: T = await cast("asyncio.Future[T]", task)
    return result
