"""Legitimate relationships between an agency (or one of its workers) and a child."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum
from vocab.relationships import RelationshipKind


class ChildRelationship(Base):
    """Pupil on roll, allocated worker, GP registration, incident, enquiry, housing case.

    Valid from ``valid_from`` to ``valid_to`` inclusive; an open-ended relationship has no end.
    One that ends at an instant rather than a day (a MASH enquiry closed, plus its grace
    period) also has ``ends_at``: in force only before it.
    """

    __tablename__ = "child_relationships"
    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[RelationshipKind] = mapped_column(str_enum(RelationshipKind, "relationship_kind"))
    #: The allocated worker, where the relationship is a person's rather than the agency's.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The agency's reference for the case, incident or enquiry (never personal data).
    reference: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    ends_at: Mapped[datetime | None]


#: The relationship check (``resolvers.sql.relationship_in_force``): child, agency, and kind
#: for its ORDER BY, so no planner prefers walking all of an agency's relationships.
Index(
    "ix_child_relationships_child_agency",
    ChildRelationship.child_id,
    ChildRelationship.agency_id,
    ChildRelationship.kind,
)
Index("ix_child_relationships_agency_kind", ChildRelationship.agency_id, ChildRelationship.kind)
Index("ix_child_relationships_kind_reference", ChildRelationship.kind, ChildRelationship.reference)
