"""Consent, decisions not to share and break-glass sessions."""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, BreakGlass, Child, Consent, SharingDecision, User
from vocab.categories import Category
from vocab.consent import ConsentGiver, NotSharingReason
from vocab.purposes import Purpose


async def give_consent(
    session: AsyncSession,
    child: Child,
    recorded_by: User,
    categories: Iterable[Category],
    purposes: Iterable[Purpose],
    *,
    agencies: Iterable[Agency] | None = None,
    starts_on: date | None = None,
    expires_on: date | None = None,
) -> Consent:
    consent = Consent(
        id=uuid.uuid4(),
        child_id=child.id,
        given_by=ConsentGiver.PARENT_WITH_PARENTAL_RESPONSIBILITY,
        categories=[c.value for c in categories],
        purposes=[p.value for p in purposes],
        agency_ids=None if agencies is None else [a.id for a in agencies],
        starts_on=starts_on or date.today() - timedelta(days=1),  # noqa: DTZ011 civil date
        expires_on=expires_on,
        recorded_by=recorded_by.id,
    )
    session.add(consent)
    await session.flush()
    return consent


async def decide_not_to_share(
    session: AsyncSession, child: Child, owner: Agency, category: Category, decided_by: User
) -> SharingDecision:
    decision = SharingDecision(
        id=uuid.uuid4(),
        child_id=child.id,
        agency_id=owner.id,
        category=category,
        reason=NotSharingReason.MORE_DETRIMENTAL_TO_CHILD,
        justification="Sharing would increase the risk to the child.",
        decided_by=decided_by.id,
    )
    session.add(decision)
    await session.flush()
    return decision


async def break_glass(
    session: AsyncSession,
    user: User,
    child: Child,
    *,
    purpose: Purpose = Purpose.SAFEGUARDING_S47,
    hours: float = 4,
    started_at: datetime | None = None,
) -> BreakGlass:
    started = started_at or datetime.now(UTC) - timedelta(minutes=1)
    session_row = BreakGlass(
        id=uuid.uuid4(),
        user_id=user.id,
        agency_id=user.agency_id,
        child_id=child.id,
        purpose=purpose,
        justification="Child presented out of hours; no relationship recorded yet.",
        started_at=started,
        expires_at=started + timedelta(hours=hours),
    )
    session.add(session_row)
    await session.flush()
    return session_row
