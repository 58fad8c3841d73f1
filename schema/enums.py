"""The vocabulary as GraphQL enums: names in CONSTANT_CASE, values the dotted StrEnum values."""

import strawberry

from vocab.agencies import AgencyKind as _AgencyKind
from vocab.categories import Category as _Category
from vocab.lawful_bases import LawfulBasis as _LawfulBasis
from vocab.roles import Role as _Role
from vocab.sex import Sex as _Sex

AgencyKind = strawberry.enum(_AgencyKind, name="AgencyKind", description="Kind of partner agency.")
Category = strawberry.enum(_Category, name="Category", description="Record category (DESIGN §5).")
LawfulBasis = strawberry.enum(
    _LawfulBasis, name="LawfulBasis", description="Lawful basis for holding or sharing a record."
)
Role = strawberry.enum(_Role, name="Role", description="A role held within one's own agency.")
Sex = strawberry.enum(_Sex, name="Sex")
