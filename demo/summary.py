"""What building the demo area returns: its size and the demo users to sign in as."""

from dataclasses import dataclass

from vocab.agencies import AgencyKind
from vocab.roles import Role


@dataclass(frozen=True)
class DemoUser:
    """A demo user of the development issuer, with one role in one agency."""

    subject: str
    display_name: str
    role: Role
    agency_code: str
    agency_name: str
    agency_kind: AgencyKind


@dataclass(frozen=True)
class DemoSummary:
    """Counts of what was built (no personal data) and the demo users."""

    children: int
    agencies: int
    schools: int
    records: int
    relationships: int
    users: list[DemoUser]
