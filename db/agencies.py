"""Partner agencies, their reorganisation history, and the users who work in them."""

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow
from vocab.agencies import AgencyKind
from vocab.roles import Role


class Agency(Base):
    """A statutory partner: council, police force, ICB or health provider, school, district."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AgencyKind] = mapped_column(str_enum(AgencyKind, "agency_kind"))
    #: ONS code (council, district, police), ODS code (health) or URN (school).
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    #: DfE local authority number, for councils with education functions.
    la_number: Mapped[str | None] = mapped_column(String(3), unique=True)
    #: The body an agency sits under: a school's local authority, a provider's ICB.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: A school's own start of day (Europe/London), for Encompass deadlines.
    school_day_start: Mapped[time | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgencySuccession(Base):
    """Reorganisation: ``predecessor`` was split or merged into ``successor`` on a date.

    A council may have several successors (a split) and a successor several predecessors
    (a merger); chains record repeated reorganisation.
    """

    __tablename__ = "agency_successions"
    __table_args__ = (CheckConstraint("predecessor_id <> successor_id", name="not_self"),)

    predecessor_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id"), primary_key=True, index=True
    )
    effective_on: Mapped[date]


class User(Base):
    """A person who signs in through their agency's identity provider."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRole(Base):
    """A role a user holds; the domain is always the user's own agency (RBAC with domains)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)
