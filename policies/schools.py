"""Who may keep a school's calendar (term dates and closure days, for Encompass deadlines).

It touches no child, so it is a coarse check on the field: the school's own designated
safeguarding lead, for their own school only (the resolver writes to the caller's agency).
"""

from typing import Final

from policies.principal import Principal
from vocab.agencies import AgencyKind
from vocab.roles import Role

CALENDAR_ROLES: Final = frozenset({Role.DESIGNATED_SAFEGUARDING_LEAD})


def may_keep_school_calendar(principal: Principal) -> bool:
    return principal.agency_kind is AgencyKind.SCHOOL and not principal.roles.isdisjoint(
        CALENDAR_ROLES
    )
