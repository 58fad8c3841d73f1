"""The authenticated caller, as policy sees it."""

from dataclasses import dataclass

from vocab.agencies import AgencyKind
from vocab.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    subject: str
    display_name: str
    agency_id: int
    agency_kind: AgencyKind
    agency_code: str
    agency_name: str
    roles: frozenset[Role]
