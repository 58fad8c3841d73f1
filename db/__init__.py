"""SQLAlchemy models, the engine and the Alembic migrations (``db/migrations``)."""

from db.agencies import Agency, AgencySuccession, User, UserRole
from db.base import Base
from db.children import (
    Address,
    Adult,
    Child,
    ChildIdentifier,
    Household,
    HouseholdAdult,
    HouseholdChild,
)
from db.records import Record, RecordVersion
from db.relationships import ChildRelationship

__all__ = [
    "Address",
    "Adult",
    "Agency",
    "AgencySuccession",
    "Base",
    "Child",
    "ChildIdentifier",
    "ChildRelationship",
    "Household",
    "HouseholdAdult",
    "HouseholdChild",
    "Record",
    "RecordVersion",
    "User",
    "UserRole",
]
