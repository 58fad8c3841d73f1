"""Access beyond the ordinary: break-glass sessions, notifications to agencies, and the
versions of the sharing policy."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow
from vocab.notifications import NotificationKind
from vocab.purposes import Purpose


class BreakGlass(Base):
    """A time-boxed override of the relationship requirement, with its justification.

    It is reviewed afterwards by the DPO; the review outcome is recorded here.
    """

    __tablename__ = "break_glass"
    __table_args__ = (CheckConstraint("expires_at > started_at", name="period"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "purpose"))
    justification: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_outcome: Mapped[str | None] = mapped_column(String(32))
    review_note: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """Something an agency must be told: a CP-IS flag view, a break-glass access.

    ``detail`` holds identifiers and codes only, never record contents.
    """

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]


class PolicyVersion(Base):
    """One version of the sharing policy (Casbin lines). The newest is in force."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    lines: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_break_glass_user_child", BreakGlass.user_id, BreakGlass.child_id, BreakGlass.expires_at)
Index("ix_break_glass_review", BreakGlass.reviewed_at)
Index("ix_notifications_agency", Notification.agency_id, Notification.created_at)
