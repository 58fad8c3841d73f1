"""Operation Encompass (DESIGN §8): police incidents, the children in them, and the
notifications that reach a school's key adults (or the council) before the next school day.

An incident is unique per police force and reference, so a retried submission finds the
row it made the first time. A child's particulars are kept as the police gave them, for the
MASH to match by hand when the hub could not; the notification holds its deadline, and when
it was first viewed, acknowledged and escalated.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow
from vocab.encompass import Route, RouteReason
from vocab.matching import MatchMethod


class EncompassIncident(Base):
    """A domestic abuse incident the police notify under Operation Encompass."""

    __tablename__ = "encompass_incidents"
    __table_args__ = (UniqueConstraint("police_agency_id", "police_reference"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    police_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    police_reference: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    #: Where it happened, as the police describe it; never shown to schools.
    location: Mapped[str] = mapped_column(Text)
    #: Who at the police a school should call about it.
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_telephone: Mapped[str] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    #: The council children with no school, and uncertain matches, are routed to.
    council_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: SHA-256 of the submission's canonical form: a retry carries the same digest, a
    #: different submission under the same reference does not.
    digest: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class EncompassChild(Base):
    """A child present at, or normally resident where, an incident happened."""

    __tablename__ = "encompass_children"
    __table_args__ = (
        UniqueConstraint("incident_id", "position"),
        CheckConstraint("match_confidence >= 0 AND match_confidence <= 1", name="confidence"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encompass_incidents.id"))
    #: Order in the submission, from 0.
    position: Mapped[int] = mapped_column(SmallInteger)
    #: The matched child; null until matched (the MASH queue).
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    match_method: Mapped[MatchMethod] = mapped_column(str_enum(MatchMethod, "match_method"))
    match_confidence: Mapped[float] = mapped_column(Float)
    present: Mapped[bool]
    #: What the child said, when the police share it.
    voice_of_child: Mapped[str | None] = mapped_column(Text)
    # The particulars as the police gave them.
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    address_line1: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(8))


class EncompassNotification(Base):
    """One child's notification to one agency: the school, or the council.

    ``deadline`` is the start of the recipient's next school day after the incident (or
    after the notification, when the police sent it later than that: ``sent_late``).
    """

    __tablename__ = "encompass_notifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    incident_child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encompass_children.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    route: Mapped[Route] = mapped_column(str_enum(Route, "encompass_route"))
    reason: Mapped[RouteReason] = mapped_column(str_enum(RouteReason, "encompass_route_reason"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
    sent_late: Mapped[bool] = mapped_column(default=False)
    first_viewed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set once, when the deadline passed unacknowledged and the council's education
    #: safeguarding team and the police coordinator were alerted.
    escalated_at: Mapped[datetime | None]
    #: A MASH queue item closed by matching the child: the notification it routed on to.
    routed_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encompass_notifications.id"))


class SchoolTerm(Base):
    """A school's term, inclusive: between known terms the school is on holiday."""

    __tablename__ = "school_terms"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class SchoolClosure(Base):
    """A day a school is closed in term time (INSET day, snow day, polling station)."""

    __tablename__ = "school_closures"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    closed_on: Mapped[date] = mapped_column(primary_key=True)


Index("ix_encompass_children_incident", EncompassChild.incident_id)
Index("ix_encompass_children_child", EncompassChild.child_id)
Index(
    "ix_encompass_notifications_agency",
    EncompassNotification.agency_id,
    EncompassNotification.created_at,
)
Index("ix_encompass_notifications_child", EncompassNotification.incident_child_id)
Index(
    "ix_encompass_notifications_open",
    EncompassNotification.acknowledged_at,
    EncompassNotification.deadline,
)
Index("ix_school_terms_agency", SchoolTerm.agency_id, SchoolTerm.starts_on)
