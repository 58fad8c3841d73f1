"""Partner agencies as the API shows them."""

import strawberry

from schema.enums import AgencyKind


@strawberry.type(
    description="A partner agency: council, police force, health body, school or district."
)
class Agency:
    code: str = strawberry.field(description="ONS code, ODS code or URN, by kind.")
    name: str
    kind: AgencyKind
