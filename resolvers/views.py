"""Plain shapes the resolvers return; the schema's types read their attributes."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.restrictions import Restriction
from vocab.sex import Sex


@dataclass(frozen=True, slots=True)
class AgencyView:
    code: str
    name: str
    kind: AgencyKind


@dataclass(frozen=True, slots=True)
class ChildView:
    id: int
    hub_id: str
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: Sex


@dataclass(frozen=True, slots=True)
class BreakGlassView:
    id: uuid.UUID
    hub_id: str
    purpose: Purpose
    started_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CpIsFlagView:
    category: Category
    active: bool
    ended_on: date | None
    council: AgencyView
    council_id: int


@dataclass(frozen=True, slots=True)
class StatutorySharingView:
    id: uuid.UUID
    categories: list[Category]
    basis: LawfulBasis
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RedactionView:
    """A category (or one field) withheld from the caller, with the code saying why."""

    category: Category
    field: str | None
    code: str
    #: Whom to contact instead (the council brokering contact for a shielded address).
    contact: AgencyView | None = None


@dataclass(frozen=True, slots=True)
class AddressView:
    line1: str
    line2: str | None
    town: str
    postcode: str
    uprn: str | None


@dataclass(frozen=True, slots=True)
class RecordView:
    id: uuid.UUID
    child_id: int
    agency: AgencyView
    category: Category
    lawful_basis: LawfulBasis
    valid_from: date
    valid_to: date | None
    payload: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    restriction: Restriction = Restriction.NONE
    disclose_from: date | None = None
