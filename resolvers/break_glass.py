"""Break-glass: a time-boxed override of the relationship requirement for one child.

Only roles the policy grants ``break_glass`` may open one, for a purpose they may declare,
with a written justification. Every agency holding records about the child and the DPO of
the caller's agency are notified; the session awaits the DPO's review.
"""

import uuid
from datetime import timedelta

from sqlalchemy import bindparam, insert, select

from db import BreakGlass, Record
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.children import find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.errors import justification as require_justification
from resolvers.notifications import notify
from resolvers.sql import execute, fetch
from resolvers.views import BreakGlassView
from vocab.actions import Action
from vocab.categories import Category
from vocab.notifications import NotificationKind

DEFAULT_HOURS = 4
MAX_HOURS = 8

_INSERT = insert(BreakGlass)
_OWNERS = select(Record.agency_id).where(Record.child_id == bindparam("child_id")).distinct()


async def open_break_glass(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    justification: str,
    hours: int,
) -> BreakGlassView:
    text = require_justification(justification)
    if not 1 <= hours <= MAX_HOURS:
        raise HubError("INVALID_INPUT", f"hours: 1 to {MAX_HOURS}", field="hours")
    require_grant(ctx, action=Action.BREAK_GLASS, category=Category.IDENTITY)
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    if found.relationship is not None:
        raise HubError(
            "BREAK_GLASS_NOT_NEEDED",
            "child: you already have a relationship with this child",
            field="child",
        )
    child_id = found.child.id
    decision = decide(
        ctx,
        action=Action.BREAK_GLASS,
        category=Category.IDENTITY,
        child_id=child_id,
        facts=found.facts(),
    )
    if not decision.allowed:
        raise refusal(decision)
    assert ctx.purpose is not None  # require_grant refused a request without one
    session_id = uuid.uuid4()
    expires_at = ctx.now + timedelta(hours=hours)
    principal = ctx.principal
    await execute(
        ctx,
        _INSERT,
        id=session_id,
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        child_id=child_id,
        purpose=ctx.purpose,
        justification=text,
        started_at=ctx.now,
        expires_at=expires_at,
    )
    detail = {"break_glass_id": str(session_id), "purpose": ctx.purpose.value}
    owners = [row[0] for row in await fetch(ctx, _OWNERS, child_id=child_id)]
    await notify(
        ctx,
        NotificationKind.BREAK_GLASS_OWNER,
        agency_ids=[owner for owner in owners if owner != principal.agency_id],
        child_id=child_id,
        detail={**detail, "accessing_agency": principal.agency_code},
    )
    await notify(
        ctx,
        NotificationKind.BREAK_GLASS_DPO,
        agency_ids=[principal.agency_id],
        child_id=child_id,
        detail=detail,
    )
    return BreakGlassView(
        id=session_id,
        hub_id=found.child.hub_id,
        purpose=ctx.purpose,
        started_at=ctx.now,
        expires_at=expires_at,
    )
