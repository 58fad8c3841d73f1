"""The demo area: a realistic, repeatable Leicestershire whose every record its owner can see.

``build_demo_area`` commits through its own engine, so these tests build into scratch
databases of the kind under test (SQLite or PostgreSQL), never the rolled-back test session.
"""

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.gb import nhs, upn

from db import (
    Address,
    Agency,
    AgencySuccession,
    Child,
    ChildIdentifier,
    ChildRelationship,
    Enquiry,
    EnquiryChild,
    EnquiryDecision,
    Household,
    HouseholdAdult,
    HouseholdChild,
    InformationRequest,
    Record,
    User,
)
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.payloads import validate_payload
from demo import DemoSummary, build_demo_area, demo_exists, example_child, list_demo_users
from demo.generate import school_count
from demo.numbers import hub_id_from, nhs_number_from
from identifiers import validate_hub_id
from tests.conftest import scratch_database
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.relationships import RelationshipKind
from vocab.roles import ROLE_AGENCY_KINDS, Role

LONDON = ZoneInfo("Europe/London")
DISTRICT_CODES = {
    "E07000129": "Blaby",
    "E07000130": "Charnwood",
    "E07000131": "Harborough",
    "E07000132": "Hinckley and Bosworth",
    "E07000133": "Melton",
    "E07000134": "North West Leicestershire",
    "E07000135": "Oadby and Wigston",
}


def today() -> date:
    return datetime.now(UTC).astimezone(LONDON).date()


@dataclass
class Built:
    engine: AsyncEngine
    summary: DemoSummary
    existed_before: bool
    exists_after: bool


@asynccontextmanager
async def built_area(tmp: Path, *, children: int, seed: int) -> AsyncIterator[Built]:
    """A fresh migrated database of the kind under test with a demo area built into it."""
    async with scratch_database(tmp) as url:
        await anyio.to_thread.run_sync(upgrade, url)
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                before = await demo_exists(session)
            summary = await build_demo_area(engine, children=children, seed=seed)
            async with session_factory(engine)() as session:
                after = await demo_exists(session)
            yield Built(engine, summary, before, after)
        finally:
            await engine.dispose()


@pytest.fixture(scope="module")
async def area(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Built]:
    async with built_area(tmp_path_factory.mktemp("demo"), children=300, seed=7) as built:
        yield built


async def rows(built: Built, statement: Any) -> list[Any]:
    async with built.engine.connect() as conn:
        return list(await conn.execute(statement))


async def fingerprint(built: Built) -> dict[str, Any]:
    children = await rows(
        built,
        select(Child.nhs_number, Child.hub_id, Child.given_name, Child.date_of_birth).order_by(
            Child.id
        ),
    )
    categories = await rows(built, select(Record.category, func.count()).group_by(Record.category))
    return {
        "nhs_numbers": [row.nhs_number for row in children],
        "hub_ids": [row.hub_id for row in children],
        "names": [row.given_name for row in children],
        "born": [row.date_of_birth for row in children],
        "records": dict(categories),
    }


async def test_demo_exists_only_once_built(area: Built) -> None:
    assert area.existed_before is False
    assert area.exists_after is True


async def test_same_seed_builds_the_same_area_and_another_seed_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # INFO, as the hub runs: aiosqlite's own DEBUG log echoes statement parameters
    caplog.set_level(logging.INFO)
    for name in "abc":
        (tmp_path / name).mkdir()
    async with (
        built_area(tmp_path / "a", children=200, seed=3) as first,
        built_area(tmp_path / "b", children=200, seed=3) as again,
        built_area(tmp_path / "c", children=200, seed=4) as other,
    ):
        one, two, three = [await fingerprint(b) for b in (first, again, other)]
        assert one == two
        assert first.summary == again.summary
        assert one["nhs_numbers"] != three["nhs_numbers"]
        assert one["names"] != three["names"]
        # even a 200-child area has every category
        assert set(one["records"]) == set(Category)

        # ids were assigned in Python: later ordinary inserts must not collide with them
        async with session_factory(first.engine)() as session:
            agency = Agency(kind=AgencyKind.COUNCIL, code="E10999999", name="Later council")
            session.add(agency)
            await session.flush()
            child = Child(hub_id="HLATER0001", given_name="Later", family_name="Child")
            session.add(child)
            await session.flush()
            assert agency.id > first.summary.agencies
            assert child.id > first.summary.children
            await session.rollback()

    # nothing about the children reached the output or the logs
    captured = capsys.readouterr()
    shown = captured.out + captured.err + caplog.text
    for number in one["nhs_numbers"]:
        if number is not None:
            assert number not in shown


async def test_nhs_numbers_are_valid_unique_and_never_issued(area: Built) -> None:
    children = await rows(area, select(Child.nhs_number, Child.hub_id, Child.date_of_birth))
    numbers = [c.nhs_number for c in children if c.nhs_number is not None]
    assert len(numbers) == len(set(numbers))
    for number in numbers:
        assert nhs.is_valid(number)
        assert 9990000000 <= int(number) <= 9999999999
    # about 1% unborn or newly arrived, known by the hub id alone
    without = len(children) - len(numbers)
    assert 1 <= without <= len(children) * 0.03
    hub_ids = [c.hub_id for c in children]
    assert len(hub_ids) == len(set(hub_ids))
    for hub_id in hub_ids:
        assert validate_hub_id(hub_id) == hub_id
    # unborn children have no date of birth and no NHS number
    assert all(c.nhs_number is None for c in children if c.date_of_birth is None)


async def test_children_are_aged_0_to_17(area: Built) -> None:
    born = [
        c.date_of_birth
        for c in await rows(area, select(Child.date_of_birth))
        if c.date_of_birth is not None
    ]
    now = today()
    assert len(born) >= 290
    for day in born:
        age = now.year - day.year - ((now.month, now.day) < (day.month, day.day))
        assert 0 <= age <= 17
    assert len({day.year for day in born}) >= 17


async def test_upns_are_valid_for_leicestershire_and_match_enrolment(area: Built) -> None:
    identifiers = await rows(
        area,
        select(ChildIdentifier.child_id, ChildIdentifier.value, Agency.kind, Agency.id)
        .join(Agency, Agency.id == ChildIdentifier.agency_id)
        .where(ChildIdentifier.scheme == "upn"),
    )
    enrolments = {
        row.child_id: row
        for row in await rows(
            area,
            select(Record.child_id, Record.agency_id, Record.payload, Agency.code)
            .join(Agency, Agency.id == Record.agency_id)
            .where(Record.category == Category.EDUCATION_ENROLMENT),
        )
    }
    assert len(identifiers) >= 150
    assert len({row.value for row in identifiers}) == len(identifiers)
    for row in identifiers:
        assert upn.is_valid(row.value)
        assert row.value[1:4] == "855"
        assert row.kind is AgencyKind.SCHOOL
        enrolment = enrolments[row.child_id]
        assert enrolment.payload["upn"] == row.value
        assert enrolment.agency_id == row.id
        assert enrolment.payload["school_urn"] == enrolment.code
    assert set(enrolments) == {row.child_id for row in identifiers}


async def test_every_category_has_records(area: Built) -> None:
    counts = dict(await rows(area, select(Record.category, func.count()).group_by(Record.category)))
    assert set(counts) == set(Category)
    assert sum(counts.values()) == area.summary.records


async def test_every_payload_revalidates_unchanged(area: Built) -> None:
    for row in await rows(area, select(Record.category, Record.payload)):
        assert validate_payload(row.category, row.payload) == row.payload


async def test_every_record_is_owned_by_a_kind_that_may_own_it(area: Built) -> None:
    owners = await rows(
        area,
        select(Record.category, Agency.kind).join(Agency, Agency.id == Record.agency_id).distinct(),
    )
    for row in owners:
        assert row.kind in OWNER_KINDS[row.category], row.category


async def test_every_records_owner_has_a_relationship_with_the_child_today(area: Built) -> None:
    now = today()
    in_force = (
        select(ChildRelationship.id)
        .where(
            ChildRelationship.child_id == Record.child_id,
            ChildRelationship.agency_id == Record.agency_id,
            ChildRelationship.valid_from <= now,
            or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= now),
        )
        .exists()
    )
    orphans = await rows(area, select(func.count()).select_from(Record).where(~in_force))
    assert orphans[0][0] == 0
    periods = await rows(
        area,
        select(func.count())
        .select_from(Record)
        .where(
            or_(
                Record.valid_from > now,
                and_(Record.valid_to.is_not(None), Record.valid_to < Record.valid_from),
            )
        ),
    )
    assert periods[0][0] == 0


async def test_every_born_child_is_registered_with_a_gp_practice(area: Built) -> None:
    born = {
        row.id for row in await rows(area, select(Child.id).where(Child.date_of_birth.is_not(None)))
    }
    registrations = await rows(
        area,
        select(ChildRelationship.child_id, Agency.code, Agency.parent_id)
        .join(Agency, Agency.id == ChildRelationship.agency_id)
        .where(ChildRelationship.kind == RelationshipKind.REGISTRATION, Agency.code.like("C82%")),
    )
    gp_records = {
        row.child_id: row.payload["practice_ods_code"]
        for row in await rows(
            area,
            select(Record.child_id, Record.payload).where(
                Record.category == Category.HEALTH_GP_REGISTRATION
            ),
        )
    }
    assert {row.child_id for row in registrations} == born
    assert {row.child_id: row.code for row in registrations} == gp_records


async def test_children_not_in_school_are_not_enrolled(area: Built) -> None:
    not_in_school = {
        row.child_id
        for row in await rows(
            area,
            select(Record.child_id).where(Record.category == Category.EDUCATION_NOT_IN_SCHOOL),
        )
    }
    enrolled = {
        row.child_id
        for row in await rows(
            area,
            select(ChildRelationship.child_id).where(
                ChildRelationship.kind == RelationshipKind.ENROLMENT
            ),
        )
    }
    assert not_in_school
    assert not not_in_school & enrolled


async def test_the_partnership_is_leicestershire(area: Built) -> None:
    agencies = await rows(area, select(Agency))
    by_kind: dict[AgencyKind, list[Any]] = {}
    for row in agencies:
        by_kind.setdefault(row.kind, []).append(row)
    (council,) = by_kind[AgencyKind.COUNCIL]
    assert (council.code, council.la_number) == ("E10000018", "855")
    assert [p.code for p in by_kind[AgencyKind.POLICE]] == ["E23000021"]
    health = {row.code: row for row in by_kind[AgencyKind.HEALTH]}
    icb = health["QK1"]
    assert health["RWE"].parent_id == icb.id
    assert health["RT5"].parent_id == icb.id
    practices = [row for code, row in health.items() if re.fullmatch(r"C82\d{3}", code)]
    assert len(practices) >= 5
    assert all(p.parent_id == icb.id for p in practices)

    districts = {row.code: row for row in by_kind[AgencyKind.DISTRICT] if row.active}
    assert set(districts) == set(DISTRICT_CODES)
    for code, name in DISTRICT_CODES.items():
        assert districts[code].name.startswith(name)

    schools = by_kind[AgencyKind.SCHOOL]
    assert len(schools) == area.summary.schools == school_count(area.summary.children) == 30
    for school in schools:
        assert re.fullmatch(r"1\d{5}", school.code)
        assert school.parent_id == council.id
        assert time(8, 30) <= school.school_day_start <= time(9, 0)
    assert len({s.name for s in schools}) == len(schools)
    assert len(agencies) == area.summary.agencies

    # one reorganisation: a former district merged into a current one, now inactive
    (succession,) = await rows(area, select(AgencySuccession))
    predecessor = next(row for row in agencies if row.id == succession.predecessor_id)
    successor = next(row for row in agencies if row.id == succession.successor_id)
    assert predecessor.active is False
    assert successor.active is True
    assert predecessor.kind is successor.kind is AgencyKind.DISTRICT
    assert succession.effective_on < today()


async def test_households_have_addresses_adults_and_periods(area: Built) -> None:
    addresses = await rows(area, select(Address.uprn, Address.postcode))
    assert all(a.postcode.startswith("LE") for a in addresses)
    uprns = [a.uprn for a in addresses]
    assert all(re.fullmatch(r"\d{12}", u) for u in uprns)
    assert len(uprns) == len(set(uprns))

    households = await rows(area, select(Household.address_shielded))
    shielded = sum(1 for h in households if h.address_shielded)
    assert 1 <= shielded <= max(2, len(households) * 0.05)

    adults = await rows(
        area, select(HouseholdAdult.parental_responsibility, HouseholdAdult.valid_to)
    )
    current = [a for a in adults if a.valid_to is None]
    assert sum(a.parental_responsibility for a in current) > len(current) * 0.8

    members = await rows(
        area, select(HouseholdChild.child_id, HouseholdChild.valid_from, HouseholdChild.valid_to)
    )
    assert all(m.valid_to is None or m.valid_to >= m.valid_from for m in members)
    children = await rows(area, select(Child.id))
    assert {m.child_id for m in members} == {c.id for c in children}


async def test_every_role_has_a_demo_user_in_a_fitting_agency(area: Built) -> None:
    async with session_factory(area.engine)() as session:
        users = await list_demo_users(session)
    assert {u.role for u in users} == set(Role)
    assert sorted(users, key=lambda u: u.subject) == sorted(
        area.summary.users, key=lambda u: u.subject
    )
    for user in users:
        assert user.agency_kind in ROLE_AGENCY_KINDS[user.role], user.role
        assert user.subject.startswith("demo.")
    subjects = {u.role: u.subject for u in users if not u.subject.endswith("-mash-seat")}
    assert subjects[Role.SOCIAL_WORKER] == "demo.social-worker"
    assert subjects[Role.DESIGNATED_SAFEGUARDING_LEAD] == "demo.dsl"
    assert subjects[Role.GP] == "demo.gp"
    assert subjects[Role.MASH_PRACTITIONER] == "demo.mash-practitioner"
    assert len({u.subject for u in users}) == len(users)
    # and partner MASH seats (police, health) to answer the council's information requests
    seats = {u.subject: u.agency_kind for u in users if u.subject.endswith("-mash-seat")}
    assert seats == {
        "demo.police-mash-seat": AgencyKind.POLICE,
        "demo.health-mash-seat": AgencyKind.HEALTH,
    }


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("demo.social-worker", RelationshipKind.ALLOCATION),
        ("demo.dsl", RelationshipKind.ENROLMENT),
        ("demo.gp", RelationshipKind.REGISTRATION),
        ("demo.police-officer", RelationshipKind.INCIDENT),
        ("demo.housing-officer", RelationshipKind.HOUSING_CASE),
        ("demo.unscheduled-care", RelationshipKind.REGISTRATION),
        ("demo.safeguarding-nurse", RelationshipKind.REGISTRATION),
    ],
)
async def test_demo_users_agencies_see_children_and_records(
    area: Built, subject: str, kind: RelationshipKind
) -> None:
    now = today()
    (user,) = await rows(area, select(User.agency_id).where(User.subject == subject))
    in_force = await rows(
        area,
        select(ChildRelationship.child_id, ChildRelationship.kind).where(
            ChildRelationship.agency_id == user.agency_id,
            ChildRelationship.valid_from <= now,
            or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= now),
        ),
    )
    records = await rows(area, select(Record.child_id).where(Record.agency_id == user.agency_id))
    assert any(row.kind is kind for row in in_force)
    assert records
    assert {r.child_id for r in records} <= {r.child_id for r in in_force}


async def test_the_demo_social_worker_is_allocated_children_with_records(area: Built) -> None:
    (worker,) = await rows(
        area, select(User.id, User.display_name).where(User.subject == "demo.social-worker")
    )
    allocated = {
        row.child_id
        for row in await rows(
            area,
            select(ChildRelationship.child_id).where(
                ChildRelationship.user_id == worker.id,
                ChildRelationship.kind == RelationshipKind.ALLOCATION,
            ),
        )
    }
    assert allocated
    named = await rows(
        area,
        select(Record.child_id, Record.payload).where(
            Record.category == Category.COUNCIL_ALLOCATED_WORKER,
            Record.child_id.in_(allocated),
        ),
    )
    assert {r.child_id for r in named} == allocated
    assert all(r.payload["worker_name"] == worker.display_name for r in named)


async def test_the_demo_dsl_school_receives_encompass_notifications(area: Built) -> None:
    (dsl,) = await rows(area, select(User.agency_id).where(User.subject == "demo.dsl"))
    pupils = {
        row.child_id
        for row in await rows(
            area,
            select(ChildRelationship.child_id).where(
                ChildRelationship.agency_id == dsl.agency_id,
                ChildRelationship.kind == RelationshipKind.ENROLMENT,
            ),
        )
    }
    notified = {
        row.child_id
        for row in await rows(
            area,
            select(Record.child_id).where(Record.category == Category.ENCOMPASS_NOTIFICATION),
        )
    }
    assert pupils
    assert pupils & notified


def test_hub_ids_and_nhs_numbers_follow_the_hubs_and_the_nhs_rules() -> None:
    # the demo's hub id alphabet and shape are the hub's own
    assert validate_hub_id(hub_id_from("0123ABCD")) == hub_id_from("0123ABCD")
    with pytest.raises(ValueError, match="hub alphabet"):
        hub_id_from("0123ABCU")
    # a 999 body whose modulus-11 check digit would be 10 yields no number at all
    skipped = [serial for serial in range(200) if nhs_number_from(serial) is None]
    assert skipped
    for serial in skipped:
        assert not any(nhs.is_valid(f"999{serial:06d}{digit}") for digit in range(10))


async def test_example_child_is_one_the_social_worker_can_see(area: Built) -> None:
    async with session_factory(area.engine)() as session:
        nhs_number = await example_child(session, "demo.social-worker")
        nobody = await example_child(session, "demo.no-such-user")

    assert nhs_number is not None
    assert nhs_number.startswith("999")
    assert nobody is None


async def test_the_demo_mash_has_open_enquiries_with_requests_to_its_partner_seats(
    area: Built,
) -> None:
    opened = await rows(area, select(Enquiry.id).where(Enquiry.closed_at.is_(None)))
    assert opened
    open_ids = [row.id for row in opened]
    # each open enquiry asks the police and health seats; some are still unanswered
    asked = await rows(
        area,
        select(InformationRequest.enquiry_id, InformationRequest.response).where(
            InformationRequest.enquiry_id.in_(open_ids)
        ),
    )
    assert {row.enquiry_id for row in asked} == set(open_ids)
    assert any(row.response is None for row in asked)
    # and the council and partners asked hold the enquiry relationship with its children
    children = await rows(
        area,
        select(EnquiryChild.enquiry_id, EnquiryChild.child_id).where(
            EnquiryChild.enquiry_id.in_(open_ids)
        ),
    )
    for enquiry_id, child_id in children:
        holders = await rows(
            area,
            select(ChildRelationship.agency_id).where(
                ChildRelationship.child_id == child_id,
                ChildRelationship.kind == RelationshipKind.ENQUIRY,
                ChildRelationship.reference == str(enquiry_id),
                ChildRelationship.valid_to.is_(None),
            ),
        )
        assert len(holders) == 3
    # closed ones have their decision
    closed = await rows(
        area, select(func.count()).select_from(Enquiry).where(Enquiry.closed_at.is_not(None))
    )
    decided = await rows(area, select(func.count()).select_from(EnquiryDecision))
    assert closed[0][0] == decided[0][0] > 0
