"""CP-IS style flags: whether a child has a child protection plan or is looked after (also
for 364 days after it ends), for unscheduled care, without a relationship.

The answer is the flag and the responsible council to contact, nothing more. Every view of a
flag notifies that council. A child the hub does not know, or who has no flag, looks the same.
"""

from datetime import timedelta

from sqlalchemy import bindparam, or_, select

from db import Agency, Record
from identifiers import InvalidIdentifier, validate_nhs_number
from policies import Facts
from policies.decision import CP_IS_CATEGORIES, CP_IS_ROLES
from resolvers.access import NOT_FOUND, decide, require_grant
from resolvers.children import find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.notifications import notify
from resolvers.sql import fetch
from resolvers.views import AgencyView, CpIsFlagView
from vocab.actions import Action
from vocab.categories import Category
from vocab.notifications import NotificationKind

#: A flag stays visible this long after the plan or care episode ends.
FLAG_AFTER_END = timedelta(days=364)

_FLAGS = (
    select(
        Record.category, Record.valid_to, Record.agency_id, Agency.code, Agency.name, Agency.kind
    )
    .join(Agency, Agency.id == Record.agency_id)
    .where(
        Record.child_id == bindparam("child_id"),
        Record.category.in_(sorted(CP_IS_CATEGORIES)),
        Record.valid_from <= bindparam("today"),
        or_(Record.valid_to.is_(None), Record.valid_to >= bindparam("since")),
    )
    .order_by(Record.category, Record.valid_to.desc().nulls_first())
)


async def cp_is_flags(ctx: RequestContext, *, nhs_number: str) -> list[CpIsFlagView]:
    try:
        number = validate_nhs_number(nhs_number)
    except InvalidIdentifier as exc:
        raise HubError(exc.code, str(exc), field=exc.field) from None
    require_grant(ctx, action=Action.READ, category=Category.COUNCIL_CHILD_PROTECTION_PLAN)
    if not ctx.principal.roles & CP_IS_ROLES:
        # Flags answer without a relationship; any other role would learn from the
        # difference between "no flag" and "not yours" which children are flagged.
        raise HubError("FORBIDDEN", "cpIsFlags is for unscheduled care roles")
    found = await find_child(ctx, nhs_number=number, hub_id=None)
    if found is None:
        return []
    rows = await fetch(
        ctx, _FLAGS, child_id=found.child.id, today=ctx.today, since=ctx.today - FLAG_AFTER_END
    )
    flags: dict[Category, CpIsFlagView] = {}
    for category, valid_to, owner, code, name, kind in rows:
        if category in flags:
            continue  # the most recent per category (open first)
        decision = decide(
            ctx,
            action=Action.READ,
            category=category,
            child_id=found.child.id,
            facts=Facts(relationship=found.relationship, owner_agency_id=owner),
        )
        if not decision.allowed:
            raise NOT_FOUND
        active = valid_to is None or valid_to >= ctx.today
        flags[category] = CpIsFlagView(
            category=category,
            active=active,
            ended_on=None if active else valid_to,
            council=AgencyView(code=code, name=name, kind=kind),
            council_id=owner,
        )
    for council_id in {flag.council_id for flag in flags.values()}:
        await notify(
            ctx,
            NotificationKind.CP_IS_VIEW,
            agency_ids=[council_id],
            child_id=found.child.id,
            detail={
                "viewing_agency": ctx.principal.agency_code,
                "categories": sorted(
                    f.category.value for f in flags.values() if f.council_id == council_id
                ),
            },
        )
    return list(flags.values())
