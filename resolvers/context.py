"""What every resolver receives: the unit of work, the caller and the request's audit trail."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from audit.trail import AuditTrail
from policies.principal import Principal

LONDON = ZoneInfo("Europe/London")


@dataclass(slots=True)
class RequestContext:
    session: AsyncSession
    principal: Principal
    audit: AuditTrail
    now: datetime

    @property
    def today(self) -> date:
        """The date in England now: relationships and validity periods are civil dates."""
        return self.now.astimezone(LONDON).date()
