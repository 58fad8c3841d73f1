"""The structured payload of each record category (DESIGN §5).

Each category has one pydantic model; unknown fields are refused so that nothing is stored
that the category was not designed to hold. ``validate_payload`` returns the normalised
payload or raises ``PayloadError`` naming the offending field path (never its value).
"""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from vocab.categories import Category

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Identity(_Payload):
    preferred_name: Short | None = None
    ethnicity: Short | None = None
    first_language: Short | None = None


class ChildInNeed(_Payload):
    primary_need: Literal[
        "abuse_or_neglect",
        "disability",
        "parental_illness",
        "family_in_acute_stress",
        "family_dysfunction",
        "socially_unacceptable_behaviour",
        "low_income",
        "absent_parenting",
        "cases_other_than_children_in_need",
        "not_stated",
    ]
    assessment_completed_on: date | None = None


class ChildProtectionPlan(_Payload):
    category_of_abuse: Literal["neglect", "physical", "sexual", "emotional", "multiple"]
    plan_started_on: date
    plan_ended_on: date | None = None


class LookedAfter(_Payload):
    legal_status: Literal["C1", "C2", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"]
    placement_type: Short
    started_on: date
    ended_on: date | None = None


class CareLeaver(_Payload):
    in_touch: bool
    accommodation_suitable: bool | None = None


class EarlyHelp(_Payload):
    plan_started_on: date
    lead_practitioner_agency: Short
    consent_recorded: bool


class AllocatedWorker(_Payload):
    worker_name: Short
    team: Short
    telephone: Annotated[str, Field(pattern=r"^[0-9 +()]{6,20}$")]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)]


class DomesticAbuseIncident(_Payload):
    police_reference: Short
    occurred_at: datetime
    child_present: bool
    risk_level: Literal["standard", "medium", "high"]


class MissingEpisode(_Payload):
    reported_at: datetime
    returned_at: datetime | None = None
    return_interview_offered: bool | None = None


class ExploitationIntelligence(_Payload):
    exploitation_type: Literal["criminal", "sexual", "county_lines", "trafficking", "other"]
    grading: Annotated[str, Field(pattern=r"^[1-5][A-E][1-5]$")]
    summary: Text


class GpRegistration(_Payload):
    practice_ods_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{3,6}$")]
    registered_on: date


class UnscheduledCareAttendance(_Payload):
    site_ods_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{3,6}$")]
    attended_at: datetime
    reason: Text


class ExploitationRiskFlag(_Payload):
    risk: Literal["low", "medium", "high"]
    raised_on: date


class MentalHealth(_Payload):
    service: Short
    open_to_service: bool


class Enrolment(_Payload):
    school_urn: Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$")]
    upn: Annotated[str, Field(min_length=13, max_length=13)]
    year_group: Annotated[int, Field(ge=-1, le=14)]  # -1 nursery, 0 reception
    enrolled_on: date


class Attendance(_Payload):
    academic_year: Annotated[str, Field(pattern=r"^[0-9]{4}/[0-9]{2}$")]
    sessions_possible: Annotated[int, Field(ge=0)]
    sessions_missed: Annotated[int, Field(ge=0)]


class Exclusion(_Payload):
    kind: Literal["suspension", "permanent"]
    started_on: date
    sessions: Annotated[int, Field(ge=1)] | None = None
    reason: Short


class Ehcp(_Payload):
    primary_need: Short
    issued_on: date


class NotInSchool(_Payload):
    reason: Literal["elective_home_education", "missing_education", "awaiting_place", "other"]
    since: date


class Housing(_Payload):
    case_type: Literal["homelessness", "temporary_accommodation", "allocation", "disrepair"]
    opened_on: date
    temporary_accommodation: bool


class AntiSocialBehaviour(_Payload):
    action: Literal["warning", "acceptable_behaviour_contract", "community_protection_notice"]
    occurred_on: date


class MashEnquiry(_Payload):
    rag: Literal["red", "amber", "green"]
    opened_at: datetime


class MashResponse(_Payload):
    outcome: Literal["records_shared", "nothing_known", "decision_not_to_share"]
    summary: Text | None = None


class MashDecision(_Payload):
    decision: Literal["no_further_action", "early_help", "s17_assessment", "strategy_discussion"]
    rationale: Text


class EncompassNotification(_Payload):
    police_reference: Short
    occurred_at: datetime
    child_present: bool
    school_day_start: time | None = None


PAYLOADS: dict[Category, type[_Payload]] = {
    Category.IDENTITY: Identity,
    Category.COUNCIL_CHILD_IN_NEED: ChildInNeed,
    Category.COUNCIL_CHILD_PROTECTION_PLAN: ChildProtectionPlan,
    Category.COUNCIL_LOOKED_AFTER: LookedAfter,
    Category.COUNCIL_CARE_LEAVER: CareLeaver,
    Category.COUNCIL_EARLY_HELP: EarlyHelp,
    Category.COUNCIL_ALLOCATED_WORKER: AllocatedWorker,
    Category.POLICE_DOMESTIC_ABUSE_INCIDENT: DomesticAbuseIncident,
    Category.POLICE_MISSING_EPISODE: MissingEpisode,
    Category.POLICE_EXPLOITATION_INTELLIGENCE: ExploitationIntelligence,
    Category.HEALTH_GP_REGISTRATION: GpRegistration,
    Category.HEALTH_UNSCHEDULED_CARE_ATTENDANCE: UnscheduledCareAttendance,
    Category.HEALTH_EXPLOITATION_RISK_FLAG: ExploitationRiskFlag,
    Category.HEALTH_MENTAL_HEALTH: MentalHealth,
    Category.EDUCATION_ENROLMENT: Enrolment,
    Category.EDUCATION_ATTENDANCE: Attendance,
    Category.EDUCATION_EXCLUSION: Exclusion,
    Category.EDUCATION_EHCP: Ehcp,
    Category.EDUCATION_NOT_IN_SCHOOL: NotInSchool,
    Category.DISTRICT_HOUSING: Housing,
    Category.DISTRICT_ANTI_SOCIAL_BEHAVIOUR: AntiSocialBehaviour,
    Category.MASH_ENQUIRY: MashEnquiry,
    Category.MASH_RESPONSE: MashResponse,
    Category.MASH_DECISION: MashDecision,
    Category.ENCOMPASS_NOTIFICATION: EncompassNotification,
}

_ADAPTERS = {category: TypeAdapter(model) for category, model in PAYLOADS.items()}


class PayloadError(ValueError):
    """A payload did not fit its category. Names field paths and problems, never values."""

    code = "INVALID_PAYLOAD"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"payload.{path}: {kind}" for path, kind in problems))


def validate_payload(category: Category, payload: Any) -> dict[str, Any]:
    """Validate ``payload`` for ``category``; return it normalised as JSON-compatible data."""
    try:
        model = _ADAPTERS[category].validate_python(payload)
    except ValidationError as exc:
        problems = [
            (".".join(str(part) for part in err["loc"]) or "(root)", err["type"])
            for err in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        raise PayloadError(problems) from None
    return model.model_dump(mode="json", exclude_none=True)
