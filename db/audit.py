"""The audit log (DESIGN §7): append-only, hash-chained, checkpointed.

``AuditEvent.body`` is the event itself, as canonical JSON (RFC 8785); ``hash`` chains it to
the previous event. The other columns are projections of the body for the DPO's queries;
``hub audit verify`` checks they still agree with it. ``AuditAccess`` lists, per event, each
child it touched (the index behind "who accessed this child?").

On PostgreSQL both tables are partitioned by month of ``occurred_at`` (partitions live in the
``audit`` schema), which is why ``occurred_at`` is part of each primary key. Triggers reject
UPDATE and DELETE on both databases; on PostgreSQL the application's role (``hub_app``) also
lacks the privilege.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

#: PostgreSQL: range partitions of ``occurred_at``, a month each (``audit.ensure_partitions``).
PARTITIONED_BY_MONTH = {"postgresql_partition_by": "RANGE (occurred_at)"}

#: The previous hash of the first event.
GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = PARTITIONED_BY_MONTH

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    purpose: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    #: Some decision of the event was a refusal.
    refused: Mapped[bool] = mapped_column(Boolean)
    #: Some child was reached without a relationship (break-glass, CP-IS flag, DPO duty).
    no_relationship: Mapped[bool] = mapped_column(Boolean)
    break_glass: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAccess(Base):
    """One child touched by one event."""

    __tablename__ = "audit_accesses"
    __table_args__ = PARTITIONED_BY_MONTH

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    #: How the access was legitimate: a relationship kind, ``break_glass``, ``cp_is_flag``,
    #: ``dpo`` — or ``none`` when it was refused for want of one.
    access: Mapped[str] = mapped_column(String(64))
    #: Something about the child was disclosed (or changed), not only refused.
    disclosed: Mapped[bool] = mapped_column(Boolean)


class AuditHead(Base):
    """The chain's head: one row, locked by each append, so that writers in every server
    process take turns (no forks, no gaps)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement that event ``seq`` had hash ``hash``: partners keep copies."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


Index("ix_audit_events_user", AuditEvent.user_id, AuditEvent.occurred_at)
Index("ix_audit_events_agency", AuditEvent.agency_id, AuditEvent.occurred_at)
Index(
    "ix_audit_events_refused",
    AuditEvent.agency_id,
    AuditEvent.occurred_at,
    postgresql_where=text("refused"),
    sqlite_where=text("refused"),
)
Index(
    "ix_audit_events_no_relationship",
    AuditEvent.agency_id,
    AuditEvent.occurred_at,
    postgresql_where=text("no_relationship"),
    sqlite_where=text("no_relationship"),
)
Index("ix_audit_accesses_child", AuditAccess.child_id, AuditAccess.occurred_at)
