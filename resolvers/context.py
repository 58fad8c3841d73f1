"""What every resolver receives: the unit of work, the caller and the request's audit trail."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from audit.trail import AuditTrail
from policies.decision import Grants
from policies.principal import Principal
from vocab.purposes import Purpose

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
    #: Per-request memo for loaders (e.g. a child's shared records, computed once).
    memo: dict[object, object] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """The date in England now: relationships and validity periods are civil dates."""
        return self.now.astimezone(LONDON).date()
