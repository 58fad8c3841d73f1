"""Sharing consent-based categories without consent, on a statutory basis (DESIGN §6.3).

A practitioner whose role the policy grants the category for the declared purpose records the
basis (from a fixed list) and a written justification; from then until it expires, their
agency sees other agencies' records of those categories about the child. The owners are
notified; the record is data, kept.
"""

import uuid
from datetime import timedelta

from sqlalchemy import bindparam, insert, select

from db import Record, StatutorySharing
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.children import find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.errors import justification as require_justification
from resolvers.notifications import notify
from resolvers.sql import execute, fetch
from resolvers.views import StatutorySharingView
from vocab.actions import Action
from vocab.categories import Category
from vocab.consent import CONSENT_CATEGORIES, STATUTORY_OVERRIDE_BASES
from vocab.lawful_bases import LawfulBasis
from vocab.notifications import NotificationKind

DEFAULT_DAYS = 30
MAX_DAYS = 90

_INSERT = insert(StatutorySharing)
_OWNERS = (
    select(Record.agency_id)
    .where(
        Record.child_id == bindparam("child_id"),
        Record.category.in_(bindparam("categories", expanding=True)),
    )
    .distinct()
)


async def record_statutory_sharing(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    categories: list[Category],
    basis: LawfulBasis,
    justification: str,
    days: int,
) -> StatutorySharingView:
    wanted = list(dict.fromkeys(categories))
    if not wanted or len(wanted) != len(categories) or not set(wanted) <= CONSENT_CATEGORIES:
        raise HubError(
            "INVALID_INPUT",
            "categories: one or more consent-based categories, each once",
            field="categories",
        )
    if basis not in STATUTORY_OVERRIDE_BASES:
        raise HubError(
            "INVALID_LAWFUL_BASIS",
            "basis: not a statutory basis for sharing without consent",
            field="basis",
        )
    text = require_justification(justification)
    if not 1 <= days <= MAX_DAYS:
        raise HubError("INVALID_INPUT", f"days: 1 to {MAX_DAYS}", field="days")
    require_grant(ctx, action=Action.READ, category=Category.IDENTITY)
    for category in wanted:
        require_grant(ctx, action=Action.READ, category=category)
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    child_id = found.child.id
    decision = decide(
        ctx, action=Action.READ, category=Category.IDENTITY, child_id=child_id, facts=found.facts()
    )
    if not decision.allowed:
        raise refusal(decision)
    sharing_id = uuid.uuid4()
    expires_at = ctx.now + timedelta(days=days)
    principal = ctx.principal
    await execute(
        ctx,
        _INSERT,
        id=sharing_id,
        child_id=child_id,
        agency_id=principal.agency_id,
        categories=[c.value for c in wanted],
        basis=basis,
        justification=text,
        recorded_by=principal.user_id,
        created_at=ctx.now,
        expires_at=expires_at,
    )
    owners = await fetch(ctx, _OWNERS, child_id=child_id, categories=wanted)
    await notify(
        ctx,
        NotificationKind.STATUTORY_SHARING,
        agency_ids=[row[0] for row in owners if row[0] != principal.agency_id],
        child_id=child_id,
        detail={
            "statutory_sharing_id": str(sharing_id),
            "basis": basis.value,
            "recipient_agency": principal.agency_code,
            "categories": [c.value for c in wanted],
        },
    )
    return StatutorySharingView(
        id=sharing_id, categories=wanted, basis=basis, created_at=ctx.now, expires_at=expires_at
    )
