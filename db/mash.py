"""The MASH front door (DESIGN §8): an enquiry opened on a contact, the children it is about,
information requests to partners' MASH seats with their answers, and the decision.

The enquiry's council (its MASH team) and each agency asked for information hold an
``enquiry`` relationship with every child in it (``child_relationships``, reference: the
enquiry id) while it is open; closing it ends them at ``access_ends_at`` (the grace period).
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum
from vocab.consent import NotSharingReason
from vocab.lawful_bases import LawfulBasis
from vocab.mash import ConsentStatus, ContactSource, Outcome, Rag, ResponseKind


class Enquiry(Base):
    """A contact to the front door, screened and RAG-rated."""

    __tablename__ = "mash_enquiries"
    __table_args__ = (
        CheckConstraint("closed_at IS NULL OR access_ends_at >= closed_at", name="closing"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: The council whose MASH team holds the enquiry.
    council_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    source: Mapped[ContactSource] = mapped_column(str_enum(ContactSource, "contact_source"))
    #: The partner agency that made the contact, when one did.
    source_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    #: What the contact said (personal data: shown to the MASH team only, never logged).
    summary: Mapped[str] = mapped_column(Text)
    #: The clock runs from here.
    received_at: Mapped[datetime]
    rag: Mapped[Rag] = mapped_column(str_enum(Rag, "rag"))
    deadline: Mapped[datetime]
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    #: When the MASH team's (and partners') access to the children ends: closing plus grace.
    access_ends_at: Mapped[datetime | None]


class EnquiryChild(Base):
    """A child the enquiry is about, with consent for the enquiry and any re-referral."""

    __tablename__ = "mash_enquiry_children"
    __table_args__ = (
        UniqueConstraint("enquiry_id", "child_id"),
        CheckConstraint(
            "consent_status <> 'not_sought' OR consent_reason IS NOT NULL", name="consent_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mash_enquiries.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    #: The latest earlier enquiry about the child within the re-referral window.
    previous_enquiry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mash_enquiries.id"))
    consent_status: Mapped[ConsentStatus | None] = mapped_column(
        str_enum(ConsentStatus, "consent_status")
    )
    consent_reason: Mapped[str | None] = mapped_column(Text)
    consent_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_recorded_at: Mapped[datetime | None]


class InformationRequest(Base):
    """A request to one partner agency's MASH seat, and its answer."""

    __tablename__ = "mash_requests"
    __table_args__ = (
        UniqueConstraint("enquiry_id", "agency_id"),
        CheckConstraint(
            "response IS NULL OR (responded_at IS NOT NULL AND responded_by IS NOT NULL)",
            name="answered",
        ),
        CheckConstraint(
            "response <> 'records_shared' OR (lawful_basis IS NOT NULL AND summary IS NOT NULL)",
            name="records_shared",
        ),
        CheckConstraint(
            "response <> 'decision_not_to_share' "
            "OR (not_sharing_reason IS NOT NULL AND justification IS NOT NULL)",
            name="not_shared",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mash_enquiries.id"))
    #: The partner agency asked.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    #: What the MASH asks the seat to look for (personal data: the seat and the MASH only).
    question: Mapped[str] = mapped_column(Text)
    #: The enquiry's RAG deadline.
    due_at: Mapped[datetime]
    #: Set once by the escalation sweep when the request passes ``due_at`` unanswered.
    escalated_at: Mapped[datetime | None]
    response: Mapped[ResponseKind | None] = mapped_column(str_enum(ResponseKind, "response_kind"))
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]
    #: What the seat found (records shared): personal data, for the MASH team only.
    summary: Mapped[str | None] = mapped_column(Text)
    #: The categories the shared information comes from.
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    lawful_basis: Mapped[LawfulBasis | None] = mapped_column(str_enum(LawfulBasis, "lawful_basis"))
    not_sharing_reason: Mapped[NotSharingReason | None] = mapped_column(
        str_enum(NotSharingReason, "not_sharing_reason")
    )
    justification: Mapped[str | None] = mapped_column(Text)


class EnquiryDecision(Base):
    """What the MASH decided, and why; it closes the enquiry."""

    __tablename__ = "mash_decisions"

    enquiry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mash_enquiries.id"), primary_key=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "mash_outcome"))
    rationale: Mapped[str] = mapped_column(Text)
    #: A strategy discussion's participants: ``[{"agency_id", "seat", "role"}]``.
    participants: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


Index("ix_mash_enquiries_council_open", Enquiry.council_id, Enquiry.closed_at)
Index("ix_mash_enquiries_received", Enquiry.council_id, Enquiry.received_at)
Index("ix_mash_enquiry_children_child", EnquiryChild.child_id)
Index("ix_mash_requests_agency", InformationRequest.agency_id, InformationRequest.responded_at)
#: What the escalation sweep looks for: unanswered, not yet escalated (a partial index, so
#: the sweep does not walk every past request).
Index(
    "ix_mash_requests_waiting",
    InformationRequest.due_at,
    postgresql_where=text("response IS NULL AND escalated_at IS NULL"),
    sqlite_where=text("response IS NULL AND escalated_at IS NULL"),
)
