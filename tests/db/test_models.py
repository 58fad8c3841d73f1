"""The data model's own guarantees, enforced by the database on both engines."""

from datetime import date, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, AgencySuccession, Child, ChildRelationship, Record
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.roles import Role


async def add_in_savepoint(session: AsyncSession, *objects: object) -> None:
    """Add and flush inside a savepoint, so a refused write leaves the test's session usable."""
    async with session.begin_nested():
        session.add_all(objects)
        await session.flush()


async def test_nhs_number_is_unique(session: AsyncSession) -> None:
    child = await make_child(session)
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await make_child(session, nhs_number=child.nhs_number)


async def test_agency_code_unique_per_kind(session: AsyncSession) -> None:
    council = await make_agency(session, AgencyKind.COUNCIL)
    duplicate = Agency(kind=AgencyKind.COUNCIL, code=council.code, name="Duplicate")
    with pytest.raises(IntegrityError):
        await add_in_savepoint(session, duplicate)


async def test_enum_columns_refuse_unknown_values(session: AsyncSession) -> None:
    child = await make_child(session)
    council = await make_agency(session)
    with pytest.raises((IntegrityError, StatementError)):
        async with session.begin_nested():
            await session.execute(
                text(
                    "INSERT INTO records (id, child_id, agency_id, category, lawful_basis, "
                    "valid_from, payload, version, created_at, updated_at) VALUES "
                    "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', :c, :a, 'council.gossip', 'consent', "
                    "'2026-01-01', '{}', 1, '2026-01-01T00:00:00+00:00', "
                    "'2026-01-01T00:00:00+00:00')"
                ).bindparams(c=child.id, a=council.id)
            )


async def test_relationship_period_must_not_end_before_it_starts(session: AsyncSession) -> None:
    child = await make_child(session)
    council = await make_agency(session)
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await relate(
                session, child, council, valid_from=date(2026, 5, 1), valid_to=date(2026, 4, 1)
            )


async def test_foreign_keys_enforced(session: AsyncSession) -> None:
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                insert(ChildRelationship).values(
                    child_id=999_999_999,
                    agency_id=999_999_999,
                    kind="enrolment",
                    valid_from=date(2026, 1, 1),
                )
            )


async def test_naive_datetimes_are_refused(session: AsyncSession) -> None:
    council = await make_agency(session)
    naive = Agency(
        kind=AgencyKind.DISTRICT,
        code="E07999999",
        name="Naive",
        created_at=datetime(2026, 1, 1),  # noqa: DTZ001 the point of the test
        parent_id=council.id,
    )
    with pytest.raises(StatementError):
        await add_in_savepoint(session, naive)


async def test_times_come_back_utc_aware(session: AsyncSession) -> None:
    child = await make_child(session)
    council = await make_agency(session)
    record = await make_record(session, child, council)
    session.expunge_all()
    loaded = (await session.execute(select(Record).where(Record.id == record.id))).scalar_one()
    assert loaded.created_at.utcoffset() is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


async def test_succession_links_reorganised_councils(session: AsyncSession) -> None:
    # given a county split into two unitary councils, one of which later merges again
    county = await make_agency(session, AgencyKind.COUNCIL)
    north = await make_agency(session, AgencyKind.COUNCIL)
    south = await make_agency(session, AgencyKind.COUNCIL)
    merged = await make_agency(session, AgencyKind.COUNCIL)
    session.add_all(
        [
            AgencySuccession(
                predecessor_id=county.id, successor_id=north.id, effective_on=date(2023, 4, 1)
            ),
            AgencySuccession(
                predecessor_id=county.id, successor_id=south.id, effective_on=date(2023, 4, 1)
            ),
            AgencySuccession(
                predecessor_id=north.id, successor_id=merged.id, effective_on=date(2026, 4, 1)
            ),
            AgencySuccession(
                predecessor_id=south.id, successor_id=merged.id, effective_on=date(2026, 4, 1)
            ),
        ]
    )
    await session.flush()

    successors = (
        await session.execute(
            select(AgencySuccession.successor_id).where(
                AgencySuccession.predecessor_id == county.id
            )
        )
    ).scalars()
    predecessors = (
        await session.execute(
            select(AgencySuccession.predecessor_id).where(
                AgencySuccession.successor_id == merged.id
            )
        )
    ).scalars()

    assert set(successors) == {north.id, south.id}
    assert set(predecessors) == {north.id, south.id}
    to_itself = AgencySuccession(
        predecessor_id=merged.id, successor_id=merged.id, effective_on=date(2027, 1, 1)
    )
    with pytest.raises(IntegrityError):
        await add_in_savepoint(session, to_itself)


async def test_user_roles_belong_to_user(session: AsyncSession) -> None:
    council = await make_agency(session)
    user = await make_user(session, council, (Role.SOCIAL_WORKER, Role.MASH_PRACTITIONER))
    await session.refresh(user)
    rows = (
        await session.execute(
            text("SELECT role FROM user_roles WHERE user_id = :u").bindparams(u=user.id)
        )
    ).scalars()
    assert set(rows) == {"social_worker", "mash_practitioner"}


async def test_record_payload_round_trips_json(session: AsyncSession) -> None:
    child = await make_child(session)
    council = await make_agency(session)
    payload = {"primary_need": "abuse_or_neglect", "assessment_completed_on": "2026-03-02"}
    record = await make_record(session, child, council, Category.COUNCIL_CHILD_IN_NEED, payload)
    session.expunge_all()
    loaded = await session.get(Record, record.id)
    assert loaded is not None
    assert loaded.payload == payload


async def test_merged_child_points_at_survivor(session: AsyncSession) -> None:
    survivor = await make_child(session)
    duplicate = await make_child(session, nhs_number=None)
    duplicate.merged_into_id = survivor.id
    await session.flush()
    session.expunge_all()
    loaded = await session.get(Child, duplicate.id)
    assert loaded is not None
    assert loaded.merged_into_id == survivor.id
