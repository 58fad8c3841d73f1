"""The vocabulary as GraphQL enums: names in CONSTANT_CASE, values the dotted StrEnum values.

``strawberry.enum`` registers the vocabulary's own classes, so the schema, the resolvers and
the policy all speak the same enum members.
"""

import strawberry

from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.audit import BreakGlassReviewOutcome, Outcome
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.restrictions import Restriction
from vocab.roles import Role
from vocab.sex import Sex

strawberry.enum(Action, description="An action on a category of record (DESIGN §6).")
strawberry.enum(AgencyKind, description="Kind of partner agency.")
strawberry.enum(Category, description="Record category (DESIGN §5).")
strawberry.enum(LawfulBasis, description="Lawful basis for holding or sharing a record.")
strawberry.enum(Role, description="A role held within one's own agency.")
strawberry.enum(Purpose, description="Declared purpose of use (DESIGN §6).")
strawberry.enum(Sex)
strawberry.enum(Restriction, description="A restriction on who beyond the owner may see a record.")
strawberry.enum(Outcome, name="AuditOutcome", description="How an audited operation ended.")
strawberry.enum(
    BreakGlassReviewOutcome, description="What the review of a break-glass session concluded."
)

__all__ = [
    "Action",
    "AgencyKind",
    "BreakGlassReviewOutcome",
    "Category",
    "LawfulBasis",
    "Outcome",
    "Purpose",
    "Restriction",
    "Role",
    "Sex",
]
