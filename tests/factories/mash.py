"""A MASH area: the council's MASH team, partner agencies' seats, one agency never asked, the
children, and a caller that posts operations on a test clock."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, User
from hub.settings import Settings
from tests.factories.agencies import make_agency, make_user
from tests.factories.app import Call
from tests.factories.app import caller as app_caller
from tests.factories.children import make_child
from tests.factories.encompass import Clock
from vocab.agencies import AgencyKind
from vocab.roles import Role
from workflows.mash import MashRules

MASH = "safeguarding.mash"
#: Monday 23 November 2026, 10:00 GMT: inside working hours.
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MashArea:
    council: Agency
    police: Agency
    health: Agency
    school: Agency
    district: Agency
    other_police: Agency  # never asked about anything
    mash: User  # council MASH practitioner
    manager: User  # council MASH manager
    police_seat: User
    police_manager: User
    health_seat: User
    school_seat: User
    district_officer: User
    other_police_seat: User
    social_worker: User
    child: Child
    sibling: Child


async def make_mash_area(session: AsyncSession) -> MashArea:
    council = await make_agency(session, AgencyKind.COUNCIL)
    police = await make_agency(session, AgencyKind.POLICE)
    health = await make_agency(session, AgencyKind.HEALTH)
    school = await make_agency(session, AgencyKind.SCHOOL)
    district = await make_agency(session, AgencyKind.DISTRICT)
    other_police = await make_agency(session, AgencyKind.POLICE)
    seat = (Role.MASH_PRACTITIONER,)
    return MashArea(
        council=council,
        police=police,
        health=health,
        school=school,
        district=district,
        other_police=other_police,
        mash=await make_user(session, council, seat),
        manager=await make_user(session, council, (Role.MASH_MANAGER,)),
        police_seat=await make_user(session, police, seat),
        police_manager=await make_user(session, police, (Role.MASH_MANAGER,)),
        health_seat=await make_user(session, health, seat),
        school_seat=await make_user(session, school, seat),
        district_officer=await make_user(session, district, (Role.DISTRICT_HOUSING_OFFICER,)),
        other_police_seat=await make_user(session, other_police, seat),
        social_worker=await make_user(session, council, (Role.SOCIAL_WORKER,)),
        child=await make_child(session, given_name="Robin"),
        sibling=await make_child(session, given_name="Sam"),
    )


def caller(
    settings: Settings,
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    token: Callable[[str], str],
    clock: Clock,
    *,
    rules: MashRules | None = None,
) -> AbstractAsyncContextManager[Call]:
    """The app with the MASH ``rules`` (default rules otherwise), posting for
    ``safeguarding.mash`` unless told otherwise."""
    return app_caller(settings, sessions, token, clock, purpose=MASH, mash=rules or MashRules())


def contact(
    *children: Child, received_at: datetime, rag: str = "AMBER", **extra: Any
) -> dict[str, Any]:
    """An OpenMashEnquiryInput as JSON variables (a synthetic summary)."""
    return {
        "source": "POLICE",
        "summary": "Synthetic contact: concern raised about the household",
        "receivedAt": received_at.isoformat(),
        "rag": rag,
        "children": [{"hubId": child.hub_id} for child in children],
        **extra,
    }


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body["errors"]
    return body["data"]


def code(body: dict[str, Any]) -> str:
    """The first error's code (an error is expected)."""
    assert body.get("errors"), body
    value: str = body["errors"][0]["extensions"]["code"]
    return value
