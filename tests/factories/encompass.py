"""An Operation Encompass area: a council, a police force linked to it, schools, the users
who submit, receive and oversee notifications, and a clock the app runs on."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, User
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, relate
from vocab.agencies import AgencyKind
from vocab.relationships import RelationshipKind
from vocab.roles import Role


@dataclass(slots=True)
class Clock:
    """What "now" is for the app under test; tests move it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class Area:
    council: Agency
    police: Agency
    school: Agency
    other_school: Agency
    coordinator: User
    lead: User  # the school's designated safeguarding lead (key adult)
    other_lead: User
    social_worker: User
    education_officer: User
    mash: User


async def make_area(session: AsyncSession) -> Area:
    council = await make_agency(session, AgencyKind.COUNCIL)
    police = await make_agency(session, AgencyKind.POLICE)
    police.parent_id = council.id
    school = await make_agency(session, AgencyKind.SCHOOL)
    other_school = await make_agency(session, AgencyKind.SCHOOL)
    school.parent_id = other_school.parent_id = council.id
    await session.flush()
    return Area(
        council=council,
        police=police,
        school=school,
        other_school=other_school,
        coordinator=await make_user(session, police, (Role.ENCOMPASS_COORDINATOR,)),
        lead=await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,)),
        other_lead=await make_user(session, other_school, (Role.DESIGNATED_SAFEGUARDING_LEAD,)),
        social_worker=await make_user(session, council, (Role.SOCIAL_WORKER,)),
        education_officer=await make_user(session, council, (Role.EDUCATION_SAFEGUARDING_OFFICER,)),
        mash=await make_user(session, council, (Role.MASH_PRACTITIONER,)),
    )


async def pupil(
    session: AsyncSession,
    school: Agency,
    *,
    since: date = date(2025, 9, 1),
    until: date | None = None,
    **child: Any,
) -> Child:
    """A child on ``school``'s roll from ``since`` (to ``until``)."""
    made = await make_child(session, **child)
    await relate(
        session, made, school, RelationshipKind.ENROLMENT, valid_from=since, valid_to=until
    )
    return made


def incident(
    reference: str, occurred_at: datetime, *children: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """An EncompassIncidentInput as JSON variables (synthetic contact details)."""
    return {
        "policeReference": reference,
        "occurredAt": occurred_at.isoformat(),
        "location": "An address in the test area",
        "contactName": "Encompass desk",
        "contactTelephone": "0116 000 0000",
        "children": list(children),
        **extra,
    }


def by_nhs(child: Child, *, present: bool = True, **extra: Any) -> dict[str, Any]:
    return {"nhsNumber": child.nhs_number, "present": present, **extra}
