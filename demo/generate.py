"""Generate the demo area in memory: rows for every table, ready for bulk insertion.

Pure and repeatable: one ``random.Random(seed)`` and one seeded en_GB Faker drive every
choice, so a seed gives the same children, NHS numbers and record counts on any database.
Faker is slow per call, so it fills name and street pools once and the RNG picks from them.

Every record is owned by an agency of a kind that may own its category (``OWNER_KINDS``),
carries a lawful basis and a payload normalised by ``validate_payload``, and its owner has a
relationship with the child in force today, so the owner can see it at the access floor.
"""

import random
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, ClassVar, Literal, TypeVar

from faker import Faker

from auth.dev_issuer import DEV_ISSUER
from db.payloads import validate_payload
from demo import places
from demo.numbers import hub_ids, nhs_numbers, record_uuid, upn_from
from demo.places import District, Town
from demo.summary import DemoSummary, DemoUser
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import NotSharingReason
from vocab.lawful_bases import LawfulBasis
from vocab.mash import ConsentStatus, ContactSource, Rag, ResponseKind, Seat
from vocab.relationships import RelationshipKind
from vocab.roles import ROLE_AGENCY_KINDS, Role
from vocab.sex import Sex
from workflows.mash import MashRules

Row = dict[str, Any]
T = TypeVar("T")
#: The MASH's default clocks and grace period (the demo's enquiries follow them).
MASH_RULES = MashRules()
Phase = Literal["primary", "secondary", "special"]

#: Tables in foreign-key order; ``Plan.rows`` is keyed by these names.
TABLES = (
    "agencies",
    "agency_successions",
    "users",
    "user_roles",
    "addresses",
    "households",
    "adults",
    "household_adults",
    "children",
    "household_children",
    "child_identifiers",
    "child_relationships",
    "records",
    "mash_enquiries",
    "mash_enquiry_children",
    "mash_requests",
    "mash_decisions",
)
#: Tables whose integer primary key ``id`` the generator allocates.
ID_TABLES = (
    "agencies",
    "users",
    "addresses",
    "households",
    "adults",
    "household_adults",
    "children",
    "household_children",
    "child_identifiers",
    "child_relationships",
)

#: Rates per child, after DESIGN §1 and §10 (Leicestershire: 137,000 children, 529 on CP plans).
RATE_NO_NHS_NUMBER = 0.01
RATE_UNBORN = 0.001
RATE_CHILD_IN_NEED = 0.025
RATE_CP_PLAN = 0.004
RATE_LOOKED_AFTER = 0.006
RATE_CARE_LEAVER = 0.0006
RATE_EARLY_HELP = 0.03
RATE_DOMESTIC_ABUSE = 0.03
RATE_MISSING = 0.004
RATE_EXPLOITATION_INTELLIGENCE = 0.0007
RATE_UNSCHEDULED_CARE = 0.04
RATE_EXPLOITATION_FLAG = 0.0015
RATE_MENTAL_HEALTH = 0.02
RATE_HOUSING = 0.015
RATE_ASB = 0.003
RATE_OPEN_MASH_ENQUIRY = 0.0013
RATE_SHIELDED_ADDRESS = 0.02
RATE_MOVED_HOUSEHOLD = 0.05
#: Rates per pupil.
RATE_NOT_IN_SCHOOL = 0.01
RATE_EHCP = 0.04
RATE_ATTENDANCE_CONCERN = 0.25
RATE_SUSPENSION = 0.025
RATE_PERMANENT_EXCLUSION = 0.0008

CHILDREN_PER_PRACTICE = 1500
#: A demo of a few thousand children is a sample of the area's children, not a small area:
#: it keeps the area's 300 schools, and only test-sized areas (under 3,000) have fewer.
SAMPLE_CHILDREN_PER_SCHOOL = 10
DEMO_SOCIAL_WORKER_CASELOAD = 12
DEMO_EARLY_HELP_CASELOAD = 10


def school_count(children: int) -> int:
    """Schools: the area's 300, fewer (at least 10) only for test-sized areas."""
    return max(10, min(300, children // SAMPLE_CHILDREN_PER_SCHOOL))


def practice_count(children: int) -> int:
    """GP practices: about one per 1,500 children, at least 5."""
    return max(5, children // CHILDREN_PER_PRACTICE)


def quota(population: int, rate: float, minimum: int = 1) -> int:
    """How many of ``population`` get something at ``rate`` (at least ``minimum``)."""
    return max(minimum, round(population * rate))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def academic_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


@dataclass(slots=True, eq=False)
class _School:
    agency_id: int
    urn: str
    name: str
    phase: Phase
    town: Town
    district: District
    establishment: int
    day_start: time
    pupils: int = 0


@dataclass(slots=True, eq=False)
class _Practice:
    agency_id: int
    code: str
    town: Town
    district: District
    patients: int = 0


@dataclass(slots=True, eq=False)
class _Household:
    id: int
    town: Town
    district: District
    family_name: str
    children: list["_Child"] = field(default_factory=list)
    practice: _Practice | None = None


@dataclass(slots=True, eq=False)
class _Child:
    id: int
    dob: date | None
    sex: Sex
    household: _Household
    member: Row
    school: _School | None = None
    year_group: int | None = None
    enrolled_on: date | None = None
    #: Council involvement: ``lac``, ``cp``, ``cin``, ``care_leaver``, ``early_help``.
    status: str | None = None
    council_since: date | None = None
    arrived_on: date | None = None
    missing: bool = False
    exploited: bool = False
    ehcp: bool = False
    not_in_school: bool = False

    @property
    def at_home(self) -> bool:
        return self.member["valid_to"] is None


@dataclass
class Plan:
    """Everything to insert, by table, and the summary to report."""

    rows: dict[str, list[Row]]
    summary: DemoSummary


class _Area:
    """Builds the rows of one demo area. Call ``build`` once."""

    def __init__(
        self, *, children: int, seed: int, today: date, now: datetime, first_ids: dict[str, int]
    ) -> None:
        if children < 1:
            raise ValueError("a demo area needs at least one child")
        self.n = children
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = today
        self.now = now
        self.year_start = academic_year_start(today)
        self.next_id = {table: first_ids.get(table, 1) for table in ID_TABLES}
        self.rows: dict[str, list[Row]] = {table: [] for table in TABLES}
        self._relations: set[tuple[int, int, RelationshipKind, str | None, int | None]] = set()
        self._serials: Counter[str] = Counter()
        self.schools: list[_School] = []
        self.practices: list[_Practice] = []
        self.households: list[_Household] = []
        self.children: list[_Child] = []
        self.district_ids: dict[str, int] = {}
        self._uprns: set[str] = set()
        #: Households that moved: current household id -> (previous household id, moved on).
        self._moves: dict[int, tuple[int, date]] = {}
        #: Encompass notifications per school agency id, to seat the demo DSL.
        self._encompass: Counter[int] = Counter()
        self.housing_cases: Counter[int] = Counter()

    # --- small helpers -------------------------------------------------------------------

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _serial(self, series: str) -> int:
        self._serials[series] += 1
        return self._serials[series]

    def _date_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _since(self, child: _Child, days: int) -> date:
        """A date in the last ``days`` days, not before the child was born or arrived."""
        floor = self.today - timedelta(days=days)
        if child.dob is not None:
            floor = max(floor, child.dob)
        if child.arrived_on is not None:
            floor = max(floor, child.arrived_on)
        return self._date_between(floor, self.today)

    def _instant(self, day: date, *, evening: bool = False) -> datetime:
        hour = self.rng.choice((17, 18, 19, 20, 21, 22, 23)) if evening else self.rng.randint(8, 21)
        instant = datetime.combine(day, time(hour, self.rng.randrange(60)), tzinfo=UTC)
        if instant > self.now:  # today, later than now: earlier today instead
            instant = self.now - timedelta(minutes=self.rng.randint(5, 300))
        return instant

    def _weighted(self, options: Sequence[tuple[T, int]]) -> T:
        values = [value for value, _ in options]
        return self.rng.choices(values, weights=[w for _, w in options])[0]

    def _sample(self, population: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(list(population), max(0, min(k, len(population))))

    def _age(self, child: _Child) -> int | None:
        return None if child.dob is None else age_on(child.dob, self.today)

    def _spread(self, n: int, towns: Sequence[Town]) -> list[Town]:
        """``n`` towns in proportion to population (largest remainder), biggest first."""
        total = sum(t.weight for t in towns)
        shares = [(n * t.weight / total, i) for i, t in enumerate(towns)]
        counts = [int(share) for share, _ in shares]
        by_remainder = sorted(shares, key=lambda s: (-(s[0] - int(s[0])), s[1]))
        for _, i in by_remainder[: n - sum(counts)]:
            counts[i] += 1
        out: list[Town] = []
        for i in sorted(range(len(towns)), key=lambda i: -towns[i].weight):
            out.extend([towns[i]] * counts[i])
        return out

    def relate(
        self,
        child: _Child,
        agency_id: int,
        kind: RelationshipKind,
        valid_from: date,
        *,
        valid_to: date | None = None,
        reference: str | None = None,
        user_id: int | None = None,
    ) -> None:
        """A relationship; an open one already held on the same terms is not repeated."""
        key = (child.id, agency_id, kind, reference, user_id)
        if valid_to is None and key in self._relations:
            return
        if valid_to is None:
            self._relations.add(key)
        self.rows["child_relationships"].append(
            {
                "id": self._id("child_relationships"),
                "child_id": child.id,
                "agency_id": agency_id,
                "kind": kind,
                "user_id": user_id,
                "reference": reference,
                "valid_from": min(valid_from, self.today),
                "valid_to": valid_to,
            }
        )

    def record(
        self,
        child: _Child,
        agency_id: int,
        category: Category,
        basis: LawfulBasis,
        valid_from: date,
        payload: dict[str, Any],
        *,
        valid_to: date | None = None,
    ) -> None:
        if valid_from > self.today or (valid_to is not None and valid_to < valid_from):
            raise AssertionError("a demo record's period is out of order")
        self.rows["records"].append(
            {
                "id": record_uuid(self.rng),
                "child_id": child.id,
                "agency_id": agency_id,
                "category": category,
                "lawful_basis": basis,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "payload": validate_payload(category, payload),
                "version": 1,
                "created_at": self.now,
                "created_by": None,
                "updated_at": self.now,
                "updated_by": None,
            }
        )

    # --- the build ----------------------------------------------------------------------

    def build(self) -> Plan:
        self._pools()
        self._agencies()
        self.social_worker_id = self._id("users")
        self.early_help_worker_id = self._id("users")
        self.mash_practitioner_id = self._id("users")
        #: Partner MASH seats (police, the acute trust), who answer information requests.
        self.seat_ids = {"police": self._id("users"), "health": self._id("users")}
        self._people()
        self._education()
        self._health()
        self._council()
        self._mash()
        self._police()
        self._districts()
        self._identity()
        users = self._users()
        summary = DemoSummary(
            children=len(self.rows["children"]),
            agencies=len(self.rows["agencies"]),
            schools=len(self.schools),
            records=len(self.rows["records"]),
            relationships=len(self.rows["child_relationships"]),
            users=users,
        )
        return Plan(rows=self.rows, summary=summary)

    def _pools(self) -> None:
        fake, rng = self.fake, self.rng
        self.female_names = [fake.first_name_female() for _ in range(600)]
        self.male_names = [fake.first_name_male() for _ in range(600)]
        self.family_names = [fake.last_name() for _ in range(2000)]
        self.family_names += [rng.choice(places.EXTRA_FAMILY_NAMES) for _ in range(120)]
        streets = [f"{fake.last_name()} {rng.choice(places.STREET_SUFFIXES)}" for _ in range(900)]
        self.streets = streets + list(places.COMMON_STREETS) * 6
        self.towns = [town for district in places.DISTRICTS for town in district.towns]
        self.town_district = {t.name: d for d in places.DISTRICTS for t in d.towns}
        self.town_cum_weights = list(accumulate(t.weight for t in self.towns))

    def _child_name(self, sex: Sex) -> str:
        if sex is Sex.FEMALE:
            modern, pool = places.CHILD_NAMES_FEMALE, self.female_names
        else:
            modern, pool = places.CHILD_NAMES_MALE, self.male_names
        return self.rng.choice(modern if self.rng.random() < 0.65 else pool)

    def _person_name(self) -> tuple[str, str]:
        pool = self.female_names if self.rng.random() < 0.6 else self.male_names
        return self.rng.choice(pool), self.rng.choice(self.family_names)

    # --- agencies -----------------------------------------------------------------------

    def _agency(
        self,
        kind: AgencyKind,
        code: str,
        name: str,
        *,
        la_number: str | None = None,
        parent_id: int | None = None,
        day_start: time | None = None,
        active: bool = True,
    ) -> int:
        agency_id = self._id("agencies")
        self.rows["agencies"].append(
            {
                "id": agency_id,
                "kind": kind,
                "code": code,
                "name": name,
                "la_number": la_number,
                "parent_id": parent_id,
                "school_day_start": day_start,
                "active": active,
                "created_at": self.now,
            }
        )
        return agency_id

    def _unique_name(self, taken: set[str], candidates: Sequence[str]) -> str:
        for name in candidates:
            if name not in taken:
                taken.add(name)
                return name
        base = candidates[0]
        for n in range(2, 1000):
            name = f"{base} ({n})"
            if name not in taken:
                taken.add(name)
                return name
        raise AssertionError("ran out of agency names")

    def _agencies(self) -> None:
        rng = self.rng
        self.council_id = self._agency(
            AgencyKind.COUNCIL,
            places.COUNCIL_ONS_CODE,
            places.COUNCIL_NAME,
            la_number=places.COUNCIL_LA_NUMBER,
        )
        self.police_id = self._agency(AgencyKind.POLICE, places.POLICE_ONS_CODE, places.POLICE_NAME)
        self.icb_id = self._agency(AgencyKind.HEALTH, places.ICB_ODS_CODE, places.ICB_NAME)
        self.acute_id = self._agency(
            AgencyKind.HEALTH,
            places.ACUTE_TRUST_ODS_CODE,
            places.ACUTE_TRUST_NAME,
            parent_id=self.icb_id,
        )
        self.community_id = self._agency(
            AgencyKind.HEALTH,
            places.COMMUNITY_TRUST_ODS_CODE,
            places.COMMUNITY_TRUST_NAME,
            parent_id=self.icb_id,
        )
        for district in places.DISTRICTS:
            name = f"{district.name} District Council"
            if district.name in {"Charnwood", "Hinckley and Bosworth", "Oadby and Wigston"}:
                name = f"{district.name} Borough Council"
            self.district_ids[district.ons_code] = self._agency(
                AgencyKind.DISTRICT, district.ons_code, name
            )
        former = self._agency(
            AgencyKind.DISTRICT,
            places.FORMER_DISTRICT_CODE,
            places.FORMER_DISTRICT_NAME,
            active=False,
        )
        self.rows["agency_successions"].append(
            {
                "predecessor_id": former,
                "successor_id": self.district_ids[places.FORMER_DISTRICT_SUCCESSOR_CODE],
                "effective_on": date(*places.FORMER_DISTRICT_MERGED_ON),
            }
        )

        names: set[str] = set()
        for i, town in enumerate(self._spread(practice_count(self.n), self.towns)):
            code = f"{places.PRACTICE_ODS_PREFIX}{i + 1:03d}"
            family = rng.choice(self.family_names)
            name = self._unique_name(
                names,
                rng.sample(
                    [
                        f"{town.name} Medical Centre",
                        f"{town.name} Health Centre",
                        f"{family} House Surgery",
                        f"The {family} Practice",
                    ],
                    4,
                ),
            )
            agency_id = self._agency(AgencyKind.HEALTH, code, name, parent_id=self.icb_id)
            self.practices.append(_Practice(agency_id, code, town, self.town_district[town.name]))

        total = school_count(self.n)
        special = max(1, round(total * 0.03))
        secondary = max(2, round(total * 0.17))
        phases: list[tuple[Phase, int, int, tuple[time, ...]]] = [
            ("primary", total - special - secondary, 2000, (time(8, 40), time(8, 45), time(8, 50))),
            ("secondary", secondary, 4000, (time(8, 30), time(8, 35), time(8, 40), time(8, 45))),
            ("special", special, 7000, (time(8, 50), time(8, 55), time(9, 0))),
        ]
        urns = rng.sample(range(110000, 150000), total)
        names = set()
        for phase, count, establishment_base, starts in phases:
            for i, town in enumerate(self._spread(count, self.towns)):
                name = self._unique_name(names, self._school_names(phase, town))
                urn = str(urns.pop())
                day_start = rng.choice((*starts, time(8, 55), time(9, 0)))
                agency_id = self._agency(
                    AgencyKind.SCHOOL, urn, name, parent_id=self.council_id, day_start=day_start
                )
                self.schools.append(
                    _School(
                        agency_id,
                        urn,
                        name,
                        phase,
                        town,
                        self.town_district[town.name],
                        establishment_base + i + 1,
                        day_start,
                    )
                )

    def _school_names(self, phase: Phase, town: Town) -> list[str]:
        """Candidate names for a school in ``town``, the first free one to be used."""
        rng = self.rng
        where = [
            rng.choice(places.SCHOOL_NAME_PREFIXES) + rng.choice(places.SCHOOL_NAME_SUFFIXES)
            for _ in range(3)
        ]
        family = rng.choice(self.family_names)
        if phase == "primary":
            local = [
                f"{town.name} Primary School",
                f"{town.name} Church of England Primary School",
                f"{town.name} Community Primary School",
            ]
            named = [f"{where[0]} Primary School", f"{where[1]} Primary Academy"]
            if rng.random() < 0.1:
                saint = rng.choice(places.SAINTS)
                local.insert(0, f"St {saint}'s Catholic Primary School, {town.name}")
        elif phase == "secondary":
            local = [f"{town.name} High School", f"{town.name} Academy", f"The {town.name} School"]
            named = [f"{where[0]} Academy", f"{family} College"]
        else:
            local = []
            named = [f"{where[0]} School", f"{family} House School"]
        first = local[:1] if local and local[0].startswith("St ") else []
        rest = [name for name in local + named if name not in first]
        rng.shuffle(rest)
        return first + rest + [f"{where[2]} School"]

    # --- households, adults and children ------------------------------------------------

    def _address(self, town: Town) -> int:
        rng = self.rng
        address_id = self._id("addresses")
        street = rng.choice(self.streets)
        number = rng.randint(1, 180)
        flat = rng.random() < 0.12
        letters = places.POSTCODE_LETTERS
        inward = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        postcode = f"{rng.choice(town.outward)} {inward}"
        while True:
            uprn = str(rng.randrange(10**11, 10**12))
            if uprn not in self._uprns:
                self._uprns.add(uprn)
                break
        self.rows["addresses"].append(
            {
                "id": address_id,
                "uprn": uprn,
                "line1": f"Flat {rng.randint(1, 24)}" if flat else f"{number} {street}",
                "line2": f"{number} {street}" if flat else None,
                "town": town.name,
                "postcode": postcode,
            }
        )
        return address_id

    def _household_row(self, town: Town) -> int:
        household_id = self._id("households")
        self.rows["households"].append(
            {"id": household_id, "address_id": self._address(town), "address_shielded": False}
        )
        return household_id

    def _adult(self, given: str, family: str, born: date) -> int:
        adult_id = self._id("adults")
        self.rows["adults"].append(
            {"id": adult_id, "given_name": given, "family_name": family, "date_of_birth": born}
        )
        return adult_id

    def _household_adult(
        self, household_id: int, adult_id: int, pr: bool, start: date, end: date | None
    ) -> None:
        self.rows["household_adults"].append(
            {
                "id": self._id("household_adults"),
                "household_id": household_id,
                "adult_id": adult_id,
                "parental_responsibility": pr,
                "valid_from": start,
                "valid_to": end,
            }
        )

    def _household_child(
        self, household_id: int, child_id: int, start: date, end: date | None
    ) -> Row:
        row: Row = {
            "id": self._id("household_children"),
            "household_id": household_id,
            "child_id": child_id,
            "valid_from": start,
            "valid_to": end,
        }
        self.rows["household_children"].append(row)
        return row

    def _child_row(
        self, child_id: int, given: str, family: str, dob: date | None, sex: Sex
    ) -> None:
        self.rows["children"].append(
            {
                "id": child_id,
                "hub_id": "",
                "nhs_number": None,
                "given_name": given,
                "family_name": family,
                "date_of_birth": dob,
                "sex": sex,
                "merged_into_id": None,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )

    def _people(self) -> None:
        rng, today = self.rng, self.today
        unborn = quota(self.n, RATE_UNBORN) if self.n >= 50 else 0
        born_target = self.n - unborn
        oldest_days = 18 * 365 - 1
        sizes, size_weights = (1, 2, 3, 4, 5), (45, 38, 12, 4, 1)
        born = 0
        while born < born_target:
            size = min(rng.choices(sizes, weights=size_weights)[0], born_target - born)
            town = self.towns[
                bisect(self.town_cum_weights, rng.random() * self.town_cum_weights[-1])
            ]
            family = rng.choice(self.family_names)
            while True:  # siblings a year or more apart (a few twins), all aged 0 to 17
                gaps = [
                    0 if rng.random() < 0.03 else rng.randint(330, 1800) for _ in range(size - 1)
                ]
                if sum(gaps) <= oldest_days:
                    break
            ages = [rng.randint(0, oldest_days - sum(gaps))]
            for gap in gaps:
                ages.append(ages[-1] + gap)
            dobs = [today - timedelta(days=a) for a in ages]
            household = self._new_household(town, family, dobs)
            born += size
            for dob in dobs:
                sex = Sex.FEMALE if rng.random() < 0.49 else Sex.MALE
                surname = family if rng.random() < 0.88 else rng.choice(self.family_names)
                self._add_child(household, self._child_name(sex), surname, dob, sex)

        for household in self._sample(self.households, unborn):
            since = today - timedelta(days=rng.randint(14, 150))
            self._add_child(household, "Unborn", household.family_name, None, Sex.NOT_KNOWN, since)

        count = len(self.children)
        numbers = nhs_numbers(rng, count)
        hubs = hub_ids(rng, count)
        # Newly arrived: no NHS number yet, known by the hub id (households that never moved).
        settled = [
            c for c in self.children if c.dob is not None and c.household.id not in self._moves
        ]
        unborn_count = count - len([c for c in self.children if c.dob is not None])
        no_nhs = quota(count, RATE_NO_NHS_NUMBER, 2 if count >= 50 else 1)
        arrived = self._sample(settled, max(1, no_nhs - unborn_count))
        for child in arrived:
            assert child.dob is not None
            child.arrived_on = self._date_between(
                max(child.dob, today - timedelta(days=120)), today
            )
            child.member["valid_from"] = child.arrived_on
        without = {c.id for c in arrived} | {c.id for c in self.children if c.dob is None}
        for index, row in enumerate(self.rows["children"]):
            row["hub_id"] = hubs[index]
            row["nhs_number"] = None if row["id"] in without else numbers[index]

        households = self.rows["households"]
        for row in self._sample(households, quota(len(households), RATE_SHIELDED_ADDRESS)):
            row["address_shielded"] = True

    def _new_household(self, town: Town, family: str, dobs: list[date]) -> _Household:
        """A household with one or two adults; one in twenty moved house since the eldest
        child was born, leaving a closed household at the previous address."""
        rng, today = self.rng, self.today
        eldest = min(dobs)
        mother_born = eldest - timedelta(days=rng.randint(18 * 365, 42 * 365))
        mother_family = family if rng.random() < 0.75 else rng.choice(self.family_names)
        adults: list[tuple[str, str, date, bool, date]] = [
            (rng.choice(self.female_names), mother_family, mother_born, True, eldest)
        ]
        if rng.random() < 0.75:
            step = rng.random() < 0.12  # a step-parent: joined later, no parental responsibility
            joined = self._date_between(eldest, today) if step else eldest
            partner_born = mother_born - timedelta(days=rng.randint(-3 * 365, 8 * 365))
            adults.append((rng.choice(self.male_names), family, partner_born, not step, joined))

        previous: tuple[int, date] | None = None
        if rng.random() < RATE_MOVED_HOUSEHOLD and (today - eldest).days > 60:
            moved_on = self._date_between(eldest + timedelta(days=30), today - timedelta(days=1))
            previous_town = town if rng.random() < 0.6 else rng.choice(self.towns)
            previous = (self._household_row(previous_town), moved_on)
        household = _Household(
            self._household_row(town), town, self.town_district[town.name], family
        )
        if previous is not None:
            self._moves[household.id] = previous
        for given, surname, born, pr, since in adults:
            adult_id = self._adult(given, surname, born)
            if previous is not None and since < previous[1]:
                self._household_adult(
                    previous[0], adult_id, pr, since, previous[1] - timedelta(days=1)
                )
                since = previous[1]
            self._household_adult(household.id, adult_id, pr, since, None)
        self.households.append(household)
        return household

    def _add_child(
        self,
        household: _Household,
        given: str,
        family: str,
        dob: date | None,
        sex: Sex,
        since: date | None = None,
    ) -> _Child:
        child_id = self._id("children")
        self._child_row(child_id, given, family, dob, sex)
        start = since or dob
        assert start is not None
        move = self._moves.get(household.id)
        if move is not None and start < move[1]:
            previous, moved_on = move
            self._household_child(previous, child_id, start, moved_on - timedelta(days=1))
            start = moved_on
        member = self._household_child(household.id, child_id, start, None)
        child = _Child(child_id, dob, sex, household, member)
        household.children.append(child)
        self.children.append(child)
        return child

    # --- education ----------------------------------------------------------------------

    def _year_group(self, child: _Child) -> int | None:
        if child.dob is None:
            return None
        return age_on(child.dob, date(self.year_start.year, 8, 31)) - 4

    def _school_for(self, child: _Child, phase: Phase) -> _School:
        """Mostly a school in the child's town, else in the district, else anywhere."""
        if self.rng.random() < 0.9:
            local = self._by_town.get((phase, child.household.town.name)) or self._by_district.get(
                (phase, child.household.district.ons_code)
            )
            if local:
                return self.rng.choice(local)
        return self.rng.choice(self._by_phase[phase])

    def _education(self) -> None:
        rng, today = self.rng, self.today
        self._upn_serials: Counter[tuple[int, int]] = Counter()
        self._by_phase: dict[Phase, list[_School]] = defaultdict(list)
        self._by_town: dict[tuple[Phase, str], list[_School]] = defaultdict(list)
        self._by_district: dict[tuple[Phase, str], list[_School]] = defaultdict(list)
        for school in self.schools:
            self._by_phase[school.phase].append(school)
            self._by_town[school.phase, school.town.name].append(school)
            self._by_district[school.phase, school.district.ons_code].append(school)
        self.primaries = self._by_phase["primary"]
        self._primary_index = {s.agency_id: i for i, s in enumerate(self.primaries)}
        compulsory: list[_Child] = []
        sixth_form: list[_Child] = []
        for child in self.children:
            child.year_group = self._year_group(child)
            if child.year_group is None:
                continue
            if 0 <= child.year_group <= 11:
                compulsory.append(child)
            elif 12 <= child.year_group <= 13 and rng.random() < 0.6:
                sixth_form.append(child)

        for child in self._sample(compulsory, quota(len(compulsory), RATE_NOT_IN_SCHOOL)):
            child.not_in_school = True
        pupils = [c for c in compulsory + sixth_form if not c.not_in_school]
        pupils.sort(key=lambda c: c.id)
        for child in self._sample(pupils, quota(len(pupils), RATE_EHCP)):
            child.ehcp = True

        for child in pupils:
            assert child.year_group is not None
            assert child.dob is not None
            yg = child.year_group
            phase: Phase = "primary" if yg <= 6 else "secondary"
            if child.ehcp and rng.random() < 0.35:
                phase = "special"
            school = self._school_for(child, phase)
            entry = date(self.year_start.year - (yg if phase == "primary" else yg - 7), 9, 1)
            if phase == "special":
                entry = date(self.year_start.year - rng.randint(0, max(0, yg)), 9, 1)
            if rng.random() < 0.08:
                entry = self._date_between(entry, today)
            if child.arrived_on is not None:
                entry = max(entry, child.arrived_on)
            child.school, child.enrolled_on = school, entry
            school.pupils += 1
            upn = self._upn(child, school)
            self.rows["child_identifiers"].append(
                {
                    "id": self._id("child_identifiers"),
                    "child_id": child.id,
                    "scheme": "upn",
                    "value": upn,
                    "agency_id": school.agency_id,
                }
            )
            self.relate(child, school.agency_id, RelationshipKind.ENROLMENT, entry)
            self.record(
                child,
                school.agency_id,
                Category.EDUCATION_ENROLMENT,
                LawfulBasis.PUBLIC_TASK,
                entry,
                {"school_urn": school.urn, "upn": upn, "year_group": yg, "enrolled_on": entry},
            )

        for child in compulsory:
            if child.not_in_school:
                self._not_in_school(child)
        self._attendance(pupils)
        self._exclusions(pupils)

    def _upn(self, child: _Child, school: _School) -> str:
        """The UPN the child's first school issued when the child started in reception."""
        assert child.year_group is not None
        issued = self.year_start.year - max(child.year_group, 0)
        if school.phase == "primary":
            first = school
        else:
            local = self._by_district.get(("primary", school.district.ons_code))
            first = self.rng.choice(local or self.primaries)
        start = self._primary_index[first.agency_id]
        for offset in range(len(self.primaries)):
            issuer = self.primaries[(start + offset) % len(self.primaries)]
            key = (issuer.establishment, issued)
            if self._upn_serials[key] < 999:
                self._upn_serials[key] += 1
                return upn_from(
                    places.COUNCIL_LA_NUMBER, issuer.establishment, issued, self._upn_serials[key]
                )
        raise ValueError("too many pupils for the demo schools' UPN serials")

    def _not_in_school(self, child: _Child) -> None:
        assert child.year_group is not None
        reception = date(self.year_start.year - child.year_group, 9, 1)
        since = self._date_between(max(reception, self.today - timedelta(days=1095)), self.today)
        if child.arrived_on is not None:
            since = max(since, child.arrived_on)
        reason = self._weighted(
            [
                ("elective_home_education", 70),
                ("missing_education", 15),
                ("awaiting_place", 10),
                ("other", 5),
            ]
        )
        self.relate(child, self.council_id, RelationshipKind.ALLOCATION, since)
        self.record(
            child,
            self.council_id,
            Category.EDUCATION_NOT_IN_SCHOOL,
            LawfulBasis.CHILDREN_ACT_2004_S11,
            since,
            {"reason": reason, "since": since},
        )
        child.council_since = since

    def _academic_year(self, start: date) -> str:
        return f"{start.year}/{(start.year + 1) % 100:02d}"

    def _attendance(self, pupils: list[_Child]) -> None:
        rng, start = self.rng, self.year_start
        weekdays = sum(
            1 for d in range((self.today - start).days + 1) if (start + timedelta(d)).weekday() < 5
        )
        possible_now = min(380, round(weekdays * 2 * 0.92))
        last_year = date(start.year - 1, 9, 1)
        chosen = self._sample(pupils, quota(len(pupils), RATE_ATTENDANCE_CONCERN))
        for child in sorted(chosen, key=lambda c: c.id):
            assert child.school is not None
            assert child.enrolled_on is not None
            persistent = rng.random() < 0.6
            rate = rng.uniform(0.1, 0.45) if persistent else rng.uniform(0.0, 0.09)
            if child.enrolled_on <= last_year:
                possible = 380 - rng.randint(0, 10)
                self.record(
                    child,
                    child.school.agency_id,
                    Category.EDUCATION_ATTENDANCE,
                    LawfulBasis.PUBLIC_TASK,
                    last_year,
                    {
                        "academic_year": self._academic_year(last_year),
                        "sessions_possible": possible,
                        "sessions_missed": round(possible * rate),
                    },
                    valid_to=date(start.year, 8, 31),
                )
            if possible_now > 0:
                possible = possible_now
                if child.enrolled_on > start:
                    possible = max(1, round(possible * 0.5))
                self.record(
                    child,
                    child.school.agency_id,
                    Category.EDUCATION_ATTENDANCE,
                    LawfulBasis.PUBLIC_TASK,
                    max(start, child.enrolled_on),
                    {
                        "academic_year": self._academic_year(start),
                        "sessions_possible": possible,
                        "sessions_missed": round(possible * rate * rng.uniform(0.8, 1.2)),
                    },
                )

    def _exclusions(self, pupils: list[_Child]) -> None:
        rng, today = self.rng, self.today
        reasons = (
            "Persistent disruptive behaviour",
            "Physical assault against a pupil",
            "Physical assault against an adult",
            "Verbal abuse or threatening behaviour against an adult",
            "Use or threat of use of an offensive weapon or prohibited item",
            "Drug and alcohol related",
            "Damage to property",
            "Bullying",
        )
        older = [c for c in pupils if (c.year_group or 0) >= 3]
        for child in self._sample(older, quota(len(older), RATE_SUSPENSION)):
            assert child.school is not None
            assert child.enrolled_on is not None
            started = self._date_between(max(child.enrolled_on, today - timedelta(days=365)), today)
            self.record(
                child,
                child.school.agency_id,
                Category.EDUCATION_EXCLUSION,
                LawfulBasis.PUBLIC_TASK,
                started,
                {
                    "kind": "suspension",
                    "started_on": started,
                    "sessions": rng.randint(1, 10),
                    "reason": rng.choice(reasons),
                },
            )
        # A permanently excluded pupil stays on roll until the governors' review: recent only.
        recent = [
            c
            for c in pupils
            if (c.year_group or 0) >= 5
            and c.enrolled_on is not None
            and c.enrolled_on <= today - timedelta(days=14)
        ]
        for child in self._sample(recent, quota(len(pupils), RATE_PERMANENT_EXCLUSION)):
            assert child.school is not None
            started = today - timedelta(days=rng.randint(1, 14))
            self.record(
                child,
                child.school.agency_id,
                Category.EDUCATION_EXCLUSION,
                LawfulBasis.PUBLIC_TASK,
                started,
                {"kind": "permanent", "started_on": started, "reason": rng.choice(reasons[:5])},
            )

    # --- health -------------------------------------------------------------------------

    def _practice_for(self, household: _Household) -> _Practice:
        """The household's practice: in its town, else its district, else anywhere."""
        if household.practice is None:
            local = [p for p in self.practices if p.town is household.town] or [
                p for p in self.practices if p.district is household.district
            ]
            household.practice = self.rng.choice(local or self.practices)
        return household.practice

    def _health(self) -> None:
        rng, today = self.rng, self.today
        born = [c for c in self.children if c.dob is not None]
        for child in born:
            assert child.dob is not None
            practice = self._practice_for(child.household)
            if child.arrived_on is not None:
                registered = self._date_between(child.arrived_on, today)
            elif rng.random() < 0.3:
                registered = self._date_between(child.dob, today)
            else:
                registered = min(today, child.dob + timedelta(days=rng.randint(7, 42)))
            practice.patients += 1
            self.relate(child, practice.agency_id, RelationshipKind.REGISTRATION, registered)
            self.record(
                child,
                practice.agency_id,
                Category.HEALTH_GP_REGISTRATION,
                LawfulBasis.PUBLIC_TASK,
                registered,
                {"practice_ods_code": practice.code, "registered_on": registered},
            )

        reasons = (
            "Head injury",
            "Fever",
            "Breathing difficulty",
            "Abdominal pain",
            "Suspected fracture",
            "Burn or scald",
            "Asthma",
            "Ingestion of medication",
            "Self-harm",
            "Allergic reaction",
        )
        for child in self._sample(born, quota(len(born), RATE_UNSCHEDULED_CARE)):
            attended = self._since(child, 365)
            self.relate(child, self.acute_id, RelationshipKind.REGISTRATION, attended)
            self.record(
                child,
                self.acute_id,
                Category.HEALTH_UNSCHEDULED_CARE_ATTENDANCE,
                LawfulBasis.PUBLIC_TASK,
                attended,
                {
                    "site_ods_code": places.ACUTE_TRUST_ODS_CODE,
                    "attended_at": self._instant(attended),
                    "reason": rng.choice(reasons),
                },
            )

        services = (
            ("Child and Adolescent Mental Health Service (CAMHS)", 60),
            ("Mental Health Support Team in Schools", 20),
            ("CAMHS Eating Disorders Service", 8),
            ("CAMHS Crisis and Home Treatment", 7),
            ("Learning Disabilities CAMHS", 5),
        )
        older = [c for c in born if (self._age(c) or 0) >= 8]
        for child in self._sample(older, quota(len(born), RATE_MENTAL_HEALTH)):
            started = self._since(child, 2 * 365)
            self.relate(child, self.community_id, RelationshipKind.REGISTRATION, started)
            self.record(
                child,
                self.community_id,
                Category.HEALTH_MENTAL_HEALTH,
                LawfulBasis.CONSENT,
                started,
                {"service": self._weighted(services), "open_to_service": rng.random() < 0.85},
            )

    # --- council ------------------------------------------------------------------------

    def _council(self) -> None:
        rng, today = self.rng, self.today
        born = [c for c in self.children if c.dob is not None]
        unborn = [c for c in self.children if c.dob is None]
        free = [c for c in born if c.council_since is None and not c.ehcp]

        def take(population: list[_Child], k: int) -> list[_Child]:
            chosen = self._sample(population, k)
            chosen_ids = {c.id for c in chosen}
            free[:] = [c for c in free if c.id not in chosen_ids]
            return sorted(chosen, key=lambda c: c.id)

        looked_after = take(free, quota(self.n, RATE_LOOKED_AFTER))
        cp = take(free, max(1, quota(self.n, RATE_CP_PLAN) - len(unborn) // 2))
        cin = take(free, max(1, quota(self.n, RATE_CHILD_IN_NEED) - len(cp) - len(unborn)))
        sixteen = [c for c in free if (self._age(c) or 0) >= 16]
        leavers = take(sixteen, quota(self.n, RATE_CARE_LEAVER))
        early_help = take(free, quota(self.n, RATE_EARLY_HELP))

        for i, child in enumerate(unborn):
            (cp if i % 2 else cin).append(child)
        workers = [self._person_name() for _ in range(max(3, (len(cp) + len(cin)) // 15))]
        caseload = self._sample(
            sorted(looked_after + cp + cin, key=lambda c: c.id), DEMO_SOCIAL_WORKER_CASELOAD
        )
        self.social_worker_name = self._person_name()
        demo_cases = {c.id for c in caseload}

        for child in looked_after:
            started = self._since(child, 6 * 365)
            child.status, child.council_since = "lac", started
            placement = self._weighted(
                [
                    ("Foster placement with other foster carer", 55),
                    ("Foster placement with relative or friend", 15),
                    ("Placed with own parents", 6),
                    ("Children's home", 12),
                    ("Semi-independent living", 4 if (self._age(child) or 0) >= 16 else 0),
                    ("Placed for adoption", 5 if (self._age(child) or 0) < 5 else 0),
                    ("Residential school", 3),
                ]
            )
            if placement != "Placed with own parents":
                child.member["valid_to"] = max(
                    child.member["valid_from"], started - timedelta(days=1)
                )
            self.record(
                child,
                self.council_id,
                Category.COUNCIL_LOOKED_AFTER,
                LawfulBasis.CHILDREN_ACT_1989_S17,
                started,
                {
                    "legal_status": self._weighted(
                        [("C2", 45), ("C1", 15), ("V2", 20), ("E1", 10), ("J2", 2), ("L1", 1)]
                    ),
                    "placement_type": placement,
                    "started_on": started,
                },
            )
        for child in cp:
            started = self._since(child, 2 * 365) if child.dob else today - timedelta(days=7)
            started = max(started, child.member["valid_from"])
            child.status, child.council_since = "cp", started
            assessed = self._date_between(started - timedelta(days=45), started)
            self._child_in_need(child, "abuse_or_neglect", assessed)
            self.record(
                child,
                self.council_id,
                Category.COUNCIL_CHILD_PROTECTION_PLAN,
                LawfulBasis.CHILDREN_ACT_1989_S47,
                started,
                {
                    "category_of_abuse": self._weighted(
                        [
                            ("neglect", 50),
                            ("emotional", 35),
                            ("physical", 7),
                            ("sexual", 3),
                            ("multiple", 5),
                        ]
                    ),
                    "plan_started_on": started,
                },
            )
        for child in cin:
            if child.dob is None:
                started = child.member["valid_from"]
                need = "abuse_or_neglect"
            else:
                started = self._since(child, 365)
                need = self._weighted(
                    [
                        ("abuse_or_neglect", 55),
                        ("disability", 10),
                        ("family_dysfunction", 12),
                        ("family_in_acute_stress", 8),
                        ("parental_illness", 4),
                        ("absent_parenting", 2),
                        ("socially_unacceptable_behaviour", 3),
                        ("low_income", 1),
                        ("cases_other_than_children_in_need", 2),
                        ("not_stated", 3),
                    ]
                )
            child.status, child.council_since = "cin", started
            self._child_in_need(child, need, started if rng.random() < 0.85 else None)
            if child.dob is not None and rng.random() < 0.15:
                self._ended_cp_plan(child, started)
        for child in leavers:
            assert child.dob is not None
            ended = self._date_between(
                max(child.dob + timedelta(days=16 * 365), today - timedelta(days=300)),
                today - timedelta(days=1),
            )
            started = self._date_between(
                max(child.dob, ended - timedelta(days=5 * 365)), ended - timedelta(days=90)
            )
            child.status, child.council_since = "care_leaver", ended
            child.member["valid_to"] = max(child.member["valid_from"], started - timedelta(days=1))
            self.record(
                child,
                self.council_id,
                Category.COUNCIL_LOOKED_AFTER,
                LawfulBasis.CHILDREN_ACT_1989_S17,
                started,
                {
                    "legal_status": "V2",
                    "placement_type": "Foster placement with other foster carer",
                    "started_on": started,
                    "ended_on": ended,
                },
                valid_to=ended,
            )
            self.record(
                child,
                self.council_id,
                Category.COUNCIL_CARE_LEAVER,
                LawfulBasis.CHILDREN_ACT_1989_S17,
                ended,
                {"in_touch": rng.random() < 0.9, "accommodation_suitable": rng.random() < 0.85},
            )

        teams = {
            "lac": "Children in Care Service",
            "cp": "Child Protection and Court Team",
            "cin": "Family Safeguarding Team",
            "care_leaver": "Leaving Care Service",
        }
        for child in sorted(looked_after + cp + cin + leavers, key=lambda c: c.id):
            assert child.status is not None
            assert child.council_since is not None
            north = child.household.district.ons_code in places.NORTH_DISTRICTS
            locality = "North" if north else "South"
            team = f"{teams[child.status]} ({locality})"
            if child.id in demo_cases:
                name, user_id = self.social_worker_name, self.social_worker_id
            else:
                name, user_id = rng.choice(workers), None
            self._allocate(child, name, team, user_id)

        eh_caseload = {c.id for c in self._sample(early_help, DEMO_EARLY_HELP_CASELOAD)}
        for child in early_help:
            started = self._since(child, 365)
            child.status, child.council_since = "early_help", started
            lead = "Children and Family Wellbeing Service"
            if child.school is not None and rng.random() < 0.3:
                lead = child.school.name
            elif (self._age(child) or 0) < 5 and rng.random() < 0.3:
                lead = "Healthy Together (health visiting)"
            self.relate(
                child,
                self.council_id,
                RelationshipKind.ALLOCATION,
                started,
                user_id=self.early_help_worker_id if child.id in eh_caseload else None,
            )
            self.record(
                child,
                self.council_id,
                Category.COUNCIL_EARLY_HELP,
                LawfulBasis.CONSENT,
                started,
                {
                    "plan_started_on": started,
                    "lead_practitioner_agency": lead,
                    "consent_recorded": True,
                },
            )

        needs = (
            "Autistic spectrum disorder",
            "Speech, language and communication needs",
            "Social, emotional and mental health",
            "Moderate learning difficulty",
            "Severe learning difficulty",
            "Specific learning difficulty",
            "Physical disability",
            "Hearing impairment",
        )
        for child in self.children:
            if child.ehcp:
                assert child.dob is not None
                issued = self._date_between(
                    max(child.dob + timedelta(days=2 * 365), today - timedelta(days=8 * 365)),
                    today,
                )
                self.relate(child, self.council_id, RelationshipKind.ALLOCATION, issued)
                self.record(
                    child,
                    self.council_id,
                    Category.EDUCATION_EHCP,
                    LawfulBasis.PUBLIC_TASK,
                    issued,
                    {"primary_need": rng.choice(needs), "issued_on": issued},
                )
                if child.council_since is None or issued < child.council_since:
                    child.council_since = issued

    def _child_in_need(self, child: _Child, need: str, assessed: date | None) -> None:
        since = child.council_since or self.today
        payload: dict[str, Any] = {"primary_need": need}
        if assessed is not None:
            payload["assessment_completed_on"] = assessed
        self.record(
            child,
            self.council_id,
            Category.COUNCIL_CHILD_IN_NEED,
            LawfulBasis.CHILDREN_ACT_1989_S17,
            min(since, assessed or since),
            payload,
        )

    def _ended_cp_plan(self, child: _Child, before: date) -> None:
        assert child.dob is not None
        ended = self._date_between(max(child.dob, before - timedelta(days=364)), before)
        started = self._date_between(max(child.dob, ended - timedelta(days=540)), ended)
        self.record(
            child,
            self.council_id,
            Category.COUNCIL_CHILD_PROTECTION_PLAN,
            LawfulBasis.CHILDREN_ACT_1989_S47,
            started,
            {"category_of_abuse": "neglect", "plan_started_on": started, "plan_ended_on": ended},
            valid_to=ended,
        )

    def _allocate(
        self, child: _Child, worker: tuple[str, str], team: str, user_id: int | None
    ) -> None:
        assert child.council_since is not None
        given, family = worker
        local = "".join(ch for ch in f"{given}.{family}".lower() if ch.isalnum() or ch == ".")
        self.relate(
            child,
            self.council_id,
            RelationshipKind.ALLOCATION,
            child.council_since,
            user_id=user_id,
        )
        self.record(
            child,
            self.council_id,
            Category.COUNCIL_ALLOCATED_WORKER,
            LawfulBasis.CHILDREN_ACT_1989_S17,
            child.council_since,
            {
                "worker_name": f"{given} {family}",
                "team": team,
                "telephone": f"{places.DRAMA_TELEPHONE_PREFIX}{self.rng.randrange(1000):03d}",
                "email": f"{local}@{places.DEMO_EMAIL_DOMAIN}",
            },
        )

    # --- MASH ---------------------------------------------------------------------------

    _RESPONSES = (
        (
            "records_shared",
            "Police: domestic abuse incidents at the home address in the last year.",
        ),
        ("records_shared", "Health: missed immunisations and two missed paediatric appointments."),
        ("records_shared", "School: attendance below 85% this term; concerns about presentation."),
        ("records_shared", "District: household in temporary accommodation since last year."),
        ("nothing_known", None),
        ("nothing_known", "No information held."),
        ("decision_not_to_share", "Sharing judged more detrimental to the child; reason recorded."),
    )
    _DECISIONS: ClassVar[dict[str, str]] = {
        "no_further_action": "Information gathered does not meet the threshold for intervention.",
        "early_help": "Needs can be met by an early help offer with the family's consent.",
        "s17_assessment": "Threshold met for a child and family assessment under section 17.",
        "strategy_discussion": "Reasonable cause to suspect significant harm; strategy discussion.",
    }

    def _enquiry(self, child: _Child, opened: date, closed: date | None) -> None:
        rng = self.rng
        enquiry_id = record_uuid(rng)
        reference = str(enquiry_id)
        opened_at = self._instant(opened)
        partners = {"police": self.police_id, "health": self.acute_id}
        for agency_id in (self.council_id, *partners.values()):
            self.relate(
                child,
                agency_id,
                RelationshipKind.ENQUIRY,
                opened,
                valid_to=closed,
                reference=reference,
            )
        basis = LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE
        rag = self._weighted([("red", 15), ("amber", 45), ("green", 40)])
        self.record(
            child,
            self.council_id,
            Category.MASH_ENQUIRY,
            basis,
            opened,
            {"rag": rag, "opened_at": opened_at},
            valid_to=closed,
        )
        answered = closed or self.today
        decision: str | None = None
        for _ in range(rng.randint(1 if closed else 0, 3)):
            outcome, summary = rng.choice(self._RESPONSES)
            payload: dict[str, Any] = {"outcome": outcome}
            if summary is not None:
                payload["summary"] = summary
            self.record(
                child,
                self.council_id,
                Category.MASH_RESPONSE,
                basis,
                self._date_between(opened, answered),
                payload,
            )
        if closed is not None:
            decision = {
                "cp": "strategy_discussion",
                "lac": "strategy_discussion",
                "cin": "s17_assessment" if rng.random() < 0.7 else "strategy_discussion",
                "early_help": "early_help",
            }.get(child.status or "", "no_further_action")
            self.record(
                child,
                self.council_id,
                Category.MASH_DECISION,
                basis,
                closed,
                {"decision": decision, "rationale": self._DECISIONS[decision]},
            )
        self._enquiry_rows(child, enquiry_id, opened_at, closed, Rag(rag), partners, decision)

    _ANSWERS: ClassVar[dict[str, tuple[str, str]]] = {
        "police": (
            "Police: domestic abuse call-outs to the home address.",
            "police.domestic_abuse_incident",
        ),
        "health": ("Health: missed paediatric appointments this year.", "health.gp_registration"),
    }

    def _enquiry_rows(
        self,
        child: _Child,
        enquiry_id: Any,
        opened_at: datetime,
        closed: date | None,
        rag: Rag,
        partners: dict[str, int],
        decision: str | None,
    ) -> None:
        """The enquiry as the MASH front door keeps it: requests to the police and health
        seats, their answers, consent, and the decision that closed it (if it is closed)."""
        rng = self.rng
        closed_at = None
        if closed is not None:
            closed_at = max(self._instant(closed), opened_at + timedelta(hours=2))
        self.rows["mash_enquiries"].append(
            {
                "id": enquiry_id,
                "council_id": self.council_id,
                "source": rng.choice(list(ContactSource)),
                "source_agency_id": None,
                "summary": "Synthetic contact: concern about the child's care at home.",
                "received_at": opened_at,
                "rag": rag,
                "deadline": MASH_RULES.deadline(rag, opened_at),
                "opened_by": self.mash_practitioner_id,
                "opened_at": opened_at,
                "closed_at": closed_at,
                "access_ends_at": closed_at and closed_at + MASH_RULES.grace,
            }
        )
        self.rows["mash_enquiry_children"].append(
            {
                "enquiry_id": enquiry_id,
                "child_id": child.id,
                "previous_enquiry_id": None,
                "consent_status": ConsentStatus.GIVEN if decision == "early_help" else None,
                "consent_reason": None,
                "consent_recorded_by": self.mash_practitioner_id
                if decision == "early_help"
                else None,
                "consent_recorded_at": opened_at if decision == "early_help" else None,
            }
        )
        for seat, agency_id in partners.items():
            answered = closed is not None or rng.random() < 0.5
            kind = rng.choice(list(ResponseKind)) if answered else None
            summary, category = self._ANSWERS[seat]
            self.rows["mash_requests"].append(
                {
                    "id": record_uuid(rng),
                    "enquiry_id": enquiry_id,
                    "agency_id": agency_id,
                    "requested_by": self.mash_practitioner_id,
                    "requested_at": opened_at,
                    "question": "What is known to you about the child and household?",
                    "due_at": MASH_RULES.deadline(rag, opened_at),
                    "escalated_at": None,
                    "response": kind,
                    "responded_by": self.seat_ids[seat] if kind else None,
                    "responded_at": opened_at + timedelta(minutes=rng.randint(20, 180))
                    if kind
                    else None,
                    "summary": summary if kind is ResponseKind.RECORDS_SHARED else None,
                    "categories": [category] if kind is ResponseKind.RECORDS_SHARED else None,
                    "lawful_basis": LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE
                    if kind is ResponseKind.RECORDS_SHARED
                    else None,
                    "not_sharing_reason": NotSharingReason.WOULD_PREJUDICE_INVESTIGATION
                    if kind is ResponseKind.DECISION_NOT_TO_SHARE
                    else None,
                    "justification": "Sharing now would prejudice a police investigation."
                    if kind is ResponseKind.DECISION_NOT_TO_SHARE
                    else None,
                }
            )
        if decision is not None:
            participants = None
            if decision == "strategy_discussion":
                participants = [
                    {
                        "agency_id": self.police_id,
                        "seat": Seat.POLICE.value,
                        "role": "Detective sergeant, public protection",
                    },
                    {
                        "agency_id": self.acute_id,
                        "seat": Seat.HEALTH.value,
                        "role": "Named nurse for safeguarding",
                    },
                    {
                        "agency_id": self.council_id,
                        "seat": Seat.EDUCATION.value,
                        "role": "Education safeguarding officer",
                    },
                ]
            self.rows["mash_decisions"].append(
                {
                    "enquiry_id": enquiry_id,
                    "outcome": decision,
                    "rationale": self._DECISIONS[decision],
                    "participants": participants,
                    "decided_by": self.mash_practitioner_id,
                    "decided_at": closed_at,
                }
            )

    def _mash(self) -> None:
        rng = self.rng
        seen: set[str] = set()
        for child in self.children:
            status = child.status
            if status not in {"lac", "cp", "cin", "early_help"} or child.council_since is None:
                continue
            if status in seen and rng.random() < 0.3:
                continue
            seen.add(status)
            closed = child.council_since - timedelta(days=rng.randint(0, 10))
            opened = closed - timedelta(days=rng.randint(0, 3))
            self._enquiry(child, opened, closed)
        quiet = [c for c in self.children if c.council_since is None]
        for child in self._sample(quiet, quota(self.n, RATE_OPEN_MASH_ENQUIRY)):
            opened = self._since(child, 3)
            child.council_since = opened
            self._enquiry(child, opened, None)

    # --- police -------------------------------------------------------------------------

    def _police(self) -> None:
        rng = self.rng
        target = quota(self.n, RATE_DOMESTIC_ABUSE)
        households = [h for h in self.households if any(c.dob for c in h.children)]
        rng.shuffle(households)
        involved = 0
        for household in households:
            if involved >= target:
                break
            for _ in range(2 if rng.random() < 0.2 else 1):
                involved += self._domestic_abuse(household)
        if not self._encompass:  # a small area still needs one pupil the police notify about
            pupils = [c for c in self.children if c.at_home and c.enrolled_on is not None]
            if pupils:
                pupil = self.rng.choice(pupils)
                self._domestic_abuse(pupil.household, not_before=pupil.enrolled_on)

        born = [c for c in self.children if c.dob is not None]
        teenagers = [c for c in born if (self._age(c) or 0) >= 11]
        looked_after = [c for c in teenagers if c.status == "lac"]
        missing = self._sample(looked_after, max(1, len(looked_after) * 3 // 10))
        others = [c for c in teenagers if c.status != "lac"]
        missing += self._sample(others, quota(len(born), RATE_MISSING) - len(missing))
        for child in sorted(missing, key=lambda c: c.id):
            child.missing = True
            for _ in range(rng.choice((1, 1, 1, 2, 3, 4))):
                reported = self._since(child, 365)
                reference = f"LP-MIS-{reported:%y}-{self._serial('missing'):05d}"
                reported_at = self._instant(reported, evening=True)
                self.relate(
                    child, self.police_id, RelationshipKind.INCIDENT, reported, reference=reference
                )
                self.record(
                    child,
                    self.police_id,
                    Category.POLICE_MISSING_EPISODE,
                    LawfulBasis.CHILDREN_ACT_2004_S11,
                    reported,
                    {
                        "reported_at": reported_at,
                        "returned_at": reported_at + timedelta(hours=rng.randint(2, 72)),
                        "return_interview_offered": rng.random() < 0.85,
                    },
                )

        older = [c for c in born if (self._age(c) or 0) >= 12]
        at_risk = [c for c in older if c.missing]
        k = quota(len(born), RATE_EXPLOITATION_INTELLIGENCE)
        exploited = self._sample(at_risk, k)
        exploited += self._sample([c for c in older if not c.missing], k - len(exploited))
        summaries = {
            "criminal": "Seen with older peers linked to supply of controlled drugs.",
            "county_lines": "Phone linked to a county line; travels out of area without reason.",
            "sexual": "Associating with adults of concern; gifts and lifts reported.",
            "trafficking": "Intelligence of movement between addresses arranged by adults.",
            "other": "Concerns from partners about associations; assessment ongoing.",
        }
        for child in sorted(exploited, key=lambda c: c.id):
            child.exploited = True
            kind = self._weighted(
                [
                    ("criminal", 35),
                    ("county_lines", 30),
                    ("sexual", 25),
                    ("trafficking", 5),
                    ("other", 5),
                ]
            )
            since = self._since(child, 540)
            reference = f"LP-INT-{since:%y}-{self._serial('intel'):05d}"
            self.relate(
                child, self.police_id, RelationshipKind.INCIDENT, since, reference=reference
            )
            self.record(
                child,
                self.police_id,
                Category.POLICE_EXPLOITATION_INTELLIGENCE,
                LawfulBasis.DPA_2018_SCH1_PARA18,
                since,
                {
                    "exploitation_type": kind,
                    "grading": rng.choice(("1B1", "2B1", "2C1", "3B2", "2C3", "3C1")),
                    "summary": summaries[kind],
                },
            )

        # The CSE nurse's flag (community trust): those police know about, then others.
        concerns = exploited + [c for c in missing if not c.exploited]
        flagged = self._sample(concerns, quota(self.n, RATE_EXPLOITATION_FLAG))
        for child in sorted(flagged, key=lambda c: c.id):
            raised = self._since(child, 540)
            self.relate(child, self.community_id, RelationshipKind.REGISTRATION, raised)
            self.record(
                child,
                self.community_id,
                Category.HEALTH_EXPLOITATION_RISK_FLAG,
                LawfulBasis.DPA_2018_SCH1_PARA18,
                raised,
                {
                    "risk": self._weighted([("high", 30), ("medium", 50), ("low", 20)]),
                    "raised_on": raised,
                },
            )

    def _domestic_abuse(self, household: _Household, not_before: date | None = None) -> int:
        """One incident at the household's address; returns how many children it involved."""
        rng, today = self.rng, self.today
        at_home = [c for c in household.children if c.dob is not None and c.at_home]
        if not at_home:
            return 0
        floor = max(c.member["valid_from"] for c in at_home)
        floor = max(floor, not_before or floor, today - timedelta(days=365))
        day = self._date_between(floor, today)
        occurred_at = self._instant(day, evening=True)
        reference = f"LP-{day:%y%m%d}-{self._serial('da'):05d}"
        risk = self._weighted([("standard", 70), ("medium", 22), ("high", 8)])
        for child in at_home:
            present = rng.random() < 0.65
            self.relate(child, self.police_id, RelationshipKind.INCIDENT, day, reference=reference)
            self.record(
                child,
                self.police_id,
                Category.POLICE_DOMESTIC_ABUSE_INCIDENT,
                LawfulBasis.DPA_2018_SCH1_PARA18,
                day,
                {
                    "police_reference": reference,
                    "occurred_at": occurred_at,
                    "child_present": present,
                    "risk_level": risk,
                },
            )
            school = child.school
            if school is not None and child.enrolled_on is not None and child.enrolled_on <= day:
                self.record(
                    child,
                    self.police_id,
                    Category.ENCOMPASS_NOTIFICATION,
                    LawfulBasis.VICTIMS_AND_PRISONERS_ACT_2024,
                    day,
                    {
                        "police_reference": reference,
                        "occurred_at": occurred_at,
                        "child_present": present,
                        "school_day_start": school.day_start,
                    },
                )
                self._encompass[school.agency_id] += 1
        return len(at_home)

    # --- districts ----------------------------------------------------------------------

    def _districts(self) -> None:
        rng, today = self.rng, self.today
        target = quota(self.n, RATE_HOUSING)
        households = [h for h in self.households if any(c.at_home and c.dob for c in h.children)]
        involved = 0
        for household in self._sample(households, len(households)):
            if involved >= target:
                break
            members = [c for c in household.children if c.at_home]
            start = max(c.member["valid_from"] for c in members)
            opened = self._date_between(max(start, today - timedelta(days=730)), today)
            case_type = self._weighted(
                [
                    ("homelessness", 35),
                    ("temporary_accommodation", 30),
                    ("allocation", 25),
                    ("disrepair", 10),
                ]
            )
            temporary = case_type == "temporary_accommodation" or (
                case_type == "homelessness" and rng.random() < 0.4
            )
            district_id = self.district_ids[household.district.ons_code]
            reference = f"HOU-{self._serial('housing'):06d}"
            self.housing_cases[district_id] += 1
            for child in members:
                self.relate(
                    child, district_id, RelationshipKind.HOUSING_CASE, opened, reference=reference
                )
                self.record(
                    child,
                    district_id,
                    Category.DISTRICT_HOUSING,
                    LawfulBasis.PUBLIC_TASK,
                    opened,
                    {
                        "case_type": case_type,
                        "opened_on": opened,
                        "temporary_accommodation": temporary,
                    },
                )
                involved += 1

        busiest = max(self.district_ids.values(), key=lambda d: (self.housing_cases[d], -d))
        self.demo_district_id = busiest
        older = [c for c in self.children if (self._age(c) or 0) >= 10]
        chosen = self._sample(older, quota(self.n, RATE_ASB))
        if not any(self.district_ids[c.household.district.ons_code] == busiest for c in chosen):
            # The demo ASB officer's district needs a case of its own.
            local = [
                c
                for c in self.children
                if c.dob is not None and self.district_ids[c.household.district.ons_code] == busiest
            ]
            local.sort(key=lambda c: (-(self._age(c) or 0), c.id))
            chosen += local[:1]
        for child in sorted(chosen, key=lambda c: c.id):
            district_id = self.district_ids[child.household.district.ons_code]
            occurred = self._since(child, 540)
            reference = f"ASB-{self._serial('asb'):06d}"
            self.relate(
                child, district_id, RelationshipKind.INCIDENT, occurred, reference=reference
            )
            self.record(
                child,
                district_id,
                Category.DISTRICT_ANTI_SOCIAL_BEHAVIOUR,
                LawfulBasis.PUBLIC_TASK,
                occurred,
                {
                    "action": self._weighted(
                        [
                            ("warning", 60),
                            ("acceptable_behaviour_contract", 30),
                            ("community_protection_notice", 10),
                        ]
                    ),
                    "occurred_on": occurred,
                },
            )

    # --- identity and the council's own references ---------------------------------------

    def _identity(self) -> None:
        rng = self.rng
        known = [c for c in self.children if c.council_since is not None]
        references = rng.sample(range(100000, 10000000), len(known))
        for child, reference in zip(known, references, strict=True):
            assert child.council_since is not None
            payload: dict[str, Any] = {
                "ethnicity": self._weighted(places.ETHNICITIES),
                "first_language": self._weighted(places.FIRST_LANGUAGES),
            }
            if child.dob is not None and rng.random() < 0.04:
                payload["preferred_name"] = self._child_name(child.sex)
            self.record(
                child,
                self.council_id,
                Category.IDENTITY,
                LawfulBasis.PUBLIC_TASK,
                child.council_since,
                payload,
            )
            self.rows["child_identifiers"].append(
                {
                    "id": self._id("child_identifiers"),
                    "child_id": child.id,
                    "scheme": "agency_ref",
                    "value": str(reference),
                    "agency_id": self.council_id,
                }
            )

    # --- demo users ---------------------------------------------------------------------

    def _users(self) -> list[DemoUser]:
        agencies = {row["id"]: row for row in self.rows["agencies"]}
        practice = max(self.practices, key=lambda p: (p.patients, -p.agency_id))
        enrolling = [s for s in self.schools if s.pupils > 0] or self.schools
        school = max(
            enrolling, key=lambda s: (self._encompass[s.agency_id], s.pupils, -s.agency_id)
        )
        by_kind = {
            AgencyKind.COUNCIL: self.council_id,
            AgencyKind.POLICE: self.police_id,
            AgencyKind.HEALTH: self.acute_id,
            AgencyKind.SCHOOL: school.agency_id,
            AgencyKind.DISTRICT: self.demo_district_id,
        }
        wanted: dict[Role, tuple[str, int]] = {
            Role.MASH_PRACTITIONER: ("demo.mash-practitioner", self.council_id),
            Role.MASH_MANAGER: ("demo.mash-manager", self.council_id),
            Role.SOCIAL_WORKER: ("demo.social-worker", self.council_id),
            Role.EARLY_HELP_WORKER: ("demo.early-help-worker", self.council_id),
            Role.EDUCATION_SAFEGUARDING_OFFICER: ("demo.education-safeguarding", self.council_id),
            Role.POLICE_PUBLIC_PROTECTION: ("demo.public-protection", self.police_id),
            Role.ENCOMPASS_COORDINATOR: ("demo.encompass-coordinator", self.police_id),
            Role.POLICE_OFFICER: ("demo.police-officer", self.police_id),
            Role.GP: ("demo.gp", practice.agency_id),
            Role.UNSCHEDULED_CARE_CLINICIAN: ("demo.unscheduled-care", self.acute_id),
            Role.SAFEGUARDING_NURSE: ("demo.safeguarding-nurse", self.community_id),
            Role.DESIGNATED_SAFEGUARDING_LEAD: ("demo.dsl", school.agency_id),
            Role.DISTRICT_HOUSING_OFFICER: ("demo.housing-officer", self.demo_district_id),
            Role.DISTRICT_ASB_OFFICER: ("demo.asb-officer", self.demo_district_id),
            Role.DPO: ("demo.dpo", self.council_id),
            Role.CALDICOTT_GUARDIAN: ("demo.caldicott-guardian", self.acute_id),
            Role.PARTNERSHIP_ADMIN: ("demo.partnership-admin", self.council_id),
            Role.INSPECTOR: ("demo.inspector", self.council_id),
        }
        reserved = {
            Role.SOCIAL_WORKER: self.social_worker_id,
            Role.EARLY_HELP_WORKER: self.early_help_worker_id,
            Role.MASH_PRACTITIONER: self.mash_practitioner_id,
        }
        names = {Role.SOCIAL_WORKER: self.social_worker_name}
        users: list[DemoUser] = []
        for role in Role:
            subject, agency_id = wanted.get(role, ("", 0))
            kinds = ROLE_AGENCY_KINDS[role]
            if not subject or agencies[agency_id]["kind"] not in kinds:
                # A role added after this generator was written: a fitting agency, a stable name.
                subject = subject or "demo." + role.value.replace("_", "-")
                agency_id = next(by_kind[k] for k in AgencyKind if k in kinds)
            given, family = names.get(role) or self._person_name()
            user_id = reserved.get(role) or self._id("users")
            agency = agencies[agency_id]
            self.rows["users"].append(
                {
                    "id": user_id,
                    "agency_id": agency_id,
                    "issuer": DEV_ISSUER,
                    "subject": subject,
                    "display_name": f"{given} {family}",
                    "active": True,
                    "created_at": self.now,
                }
            )
            self.rows["user_roles"].append({"user_id": user_id, "role": role})
            users.append(
                DemoUser(
                    subject=subject,
                    display_name=f"{given} {family}",
                    role=role,
                    agency_code=agency["code"],
                    agency_name=agency["name"],
                    agency_kind=agency["kind"],
                )
            )
        # partner MASH seats, who answer the council's information requests
        for seat, agency_id in (("police", self.police_id), ("health", self.acute_id)):
            subject = f"demo.{seat}-mash-seat"
            given, family = self._person_name()
            agency = agencies[agency_id]
            self.rows["users"].append(
                {
                    "id": self.seat_ids[seat],
                    "agency_id": agency_id,
                    "issuer": DEV_ISSUER,
                    "subject": subject,
                    "display_name": f"{given} {family}",
                    "active": True,
                    "created_at": self.now,
                }
            )
            self.rows["user_roles"].append(
                {"user_id": self.seat_ids[seat], "role": Role.MASH_PRACTITIONER}
            )
            users.append(
                DemoUser(
                    subject=subject,
                    display_name=f"{given} {family}",
                    role=Role.MASH_PRACTITIONER,
                    agency_code=agency["code"],
                    agency_name=agency["name"],
                    agency_kind=agency["kind"],
                )
            )
        self.rows["users"].sort(key=lambda row: row["id"])
        return users


def generate(
    *, children: int, seed: int, today: date, now: datetime, first_ids: dict[str, int]
) -> Plan:
    """The rows of a demo area of ``children`` children; ``first_ids`` gives the first free
    integer id of each table in ``ID_TABLES`` (1 in an empty database)."""
    plan = _Area(children=children, seed=seed, today=today, now=now, first_ids=first_ids).build()
    for row in plan.rows["records"]:
        if row["valid_from"] > today:
            raise AssertionError("a demo record starts in the future")
    owners = {row["id"]: row["kind"] for row in plan.rows["agencies"]}
    for row in plan.rows["records"]:
        if owners[row["agency_id"]] not in OWNER_KINDS[row["category"]]:
            raise AssertionError("a demo record's owner may not own its category")
    return plan
