"""Agencies and users."""

import itertools
from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from auth.dev_issuer import DEV_ISSUER
from db import Agency, User, UserRole
from vocab.agencies import AgencyKind
from vocab.roles import Role

_serial = itertools.count(1)

_CODES = {
    AgencyKind.COUNCIL: lambda n: f"E10{n:06d}",
    AgencyKind.DISTRICT: lambda n: f"E07{n:06d}",
    AgencyKind.POLICE: lambda n: f"E23{n:06d}",
    AgencyKind.HEALTH: lambda n: f"T{n:05d}",
    AgencyKind.SCHOOL: lambda n: f"{100000 + n}",
}


async def make_agency(
    session: AsyncSession, kind: AgencyKind = AgencyKind.COUNCIL, *, name: str | None = None
) -> Agency:
    n = next(_serial)
    agency = Agency(
        kind=kind,
        code=_CODES[kind](n),
        name=name or f"Test {kind} {n}",
        school_day_start=time(8, 45) if kind is AgencyKind.SCHOOL else None,
    )
    session.add(agency)
    await session.flush()
    return agency


async def make_user(
    session: AsyncSession,
    agency: Agency,
    roles: tuple[Role, ...] = (),
    *,
    subject: str | None = None,
    active: bool = True,
) -> User:
    n = next(_serial)
    user = User(
        agency_id=agency.id,
        issuer=DEV_ISSUER,
        subject=subject or f"test-user-{n}",
        display_name=f"Test User {n}",
        active=active,
    )
    session.add(user)
    await session.flush()
    session.add_all(UserRole(user_id=user.id, role=role) for role in roles)
    await session.flush()
    return user
