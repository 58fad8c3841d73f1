"""Children (the consistent identifier), their alternate identifiers, households and addresses."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow
from vocab.sex import Sex


class Child(Base):
    """A child known to the partnership.

    ``hub_id`` is issued to every child; ``nhs_number`` is the consistent identifier once
    known. When a second hub record turns out to be the same child (NHS number reconciled),
    the duplicate points at the survivor through ``merged_into_id`` and is never deleted.
    """

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[str] = mapped_column(String(10), unique=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), default=Sex.NOT_KNOWN)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChildIdentifier(Base):
    """An alternate identifier: a UPN, or an agency's own local reference."""

    __tablename__ = "child_identifiers"
    __table_args__ = (
        UniqueConstraint("scheme", "agency_id", "value"),
        CheckConstraint("scheme IN ('upn', 'agency_ref')", name="scheme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    #: The issuing agency (the school for a UPN it assigned, the agency for its reference).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique Property Reference Number (up to 12 digits) where known.
    uprn: Mapped[str | None] = mapped_column(String(12), unique=True)
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(8), index=True)


class Adult(Base):
    """A parent, carer or other adult in a child's household."""

    __tablename__ = "adults"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"), index=True)
    #: A shielded address hides where the household lives, not that the child exists.
    address_shielded: Mapped[bool] = mapped_column(default=False)


class HouseholdChild(Base):
    __tablename__ = "household_children"
    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


class HouseholdAdult(Base):
    __tablename__ = "household_adults"
    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    adult_id: Mapped[int] = mapped_column(ForeignKey("adults.id"), index=True)
    parental_responsibility: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


Index("ix_household_children_child", HouseholdChild.child_id, HouseholdChild.valid_from)
Index("ix_household_children_household", HouseholdChild.household_id)
Index("ix_children_date_of_birth", Child.date_of_birth)
