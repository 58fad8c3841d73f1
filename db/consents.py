"""Consent to share, and recorded decisions not to share."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow
from vocab.categories import Category
from vocab.consent import ConsentGiver, NotSharingReason
from vocab.lawful_bases import LawfulBasis


class Consent(Base):
    """Consent given for a child, scoped to categories, purposes and (optionally) agencies.

    Withdrawal sets ``withdrawn_at``; the row is kept, so what was in force when stays known.
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR expires_on >= starts_on", name="period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    given_by: Mapped[ConsentGiver] = mapped_column(str_enum(ConsentGiver, "consent_giver"))
    #: The adult with parental responsibility who gave it, when a parent did.
    given_by_adult_id: Mapped[int | None] = mapped_column(ForeignKey("adults.id"))
    categories: Mapped[list[str]] = mapped_column(JSON)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    #: Agency ids it extends to; null means every partner agency.
    agency_ids: Mapped[list[int] | None] = mapped_column(JSON)
    starts_on: Mapped[date]
    expires_on: Mapped[date | None]
    withdrawn_at: Mapped[datetime | None]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharingDecision(Base):
    """A decision not to share a category about a child, with its reason (kept as data)."""

    __tablename__ = "sharing_decisions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    reason: Mapped[NotSharingReason] = mapped_column(
        str_enum(NotSharingReason, "not_sharing_reason")
    )
    justification: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the decision is lifted; kept for the record.
    lifted_at: Mapped[datetime | None]
    reference: Mapped[str | None] = mapped_column(String(64))


class StatutorySharing(Base):
    """Consent-based categories shared with one agency without consent, on a statutory basis
    from a fixed list, with a written justification, for a limited time."""

    __tablename__ = "statutory_sharing"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="period"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    #: The agency the categories are shared with (the one that asked).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    categories: Mapped[list[str]] = mapped_column(JSON)
    basis: Mapped[LawfulBasis] = mapped_column(str_enum(LawfulBasis, "lawful_basis"))
    justification: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


Index("ix_consents_child", Consent.child_id)
Index("ix_statutory_sharing_child_agency", StatutorySharing.child_id, StatutorySharing.agency_id)
Index("ix_sharing_decisions_child_agency", SharingDecision.child_id, SharingDecision.agency_id)
