"""Records: what an agency holds about a child, in one category, with its lawful basis."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Payload, str_enum, utcnow
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.restrictions import Restriction


class Record(Base):
    """One fact an agency holds about a child. Only the owning agency may amend it.

    ``payload`` is structured by category (``db.payloads``). Every amendment keeps the
    previous version in ``record_versions``: nothing is lost.
    """

    __tablename__ = "records"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    lawful_basis: Mapped[LawfulBasis] = mapped_column(str_enum(LawfulBasis, "lawful_basis"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)
    version: Mapped[int] = mapped_column(default=1)
    restriction: Mapped[Restriction] = mapped_column(
        str_enum(Restriction, "restriction"), default=Restriction.NONE, server_default="none"
    )
    #: For a covert record: the date from which its existence may be disclosed.
    disclose_from: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RecordVersion(Base):
    """A superseded version of a record, kept when the owner amends it."""

    __tablename__ = "record_versions"

    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    lawful_basis: Mapped[LawfulBasis] = mapped_column(str_enum(LawfulBasis, "lawful_basis"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    payload: Mapped[dict[str, Any]] = mapped_column(Payload)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


Index("ix_records_child_category", Record.child_id, Record.category)
