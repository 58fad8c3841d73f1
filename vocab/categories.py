"""Record categories (DESIGN §5), in their dotted form."""

from enum import StrEnum

from vocab.agencies import AgencyKind


class Category(StrEnum):
    IDENTITY = "identity"
    COUNCIL_CHILD_IN_NEED = "council.child_in_need"
    COUNCIL_CHILD_PROTECTION_PLAN = "council.child_protection_plan"
    COUNCIL_LOOKED_AFTER = "council.looked_after"
    COUNCIL_CARE_LEAVER = "council.care_leaver"
    COUNCIL_EARLY_HELP = "council.early_help"
    COUNCIL_ALLOCATED_WORKER = "council.allocated_worker"
    POLICE_DOMESTIC_ABUSE_INCIDENT = "police.domestic_abuse_incident"
    POLICE_MISSING_EPISODE = "police.missing_episode"
    POLICE_EXPLOITATION_INTELLIGENCE = "police.exploitation_intelligence"
    HEALTH_GP_REGISTRATION = "health.gp_registration"
    HEALTH_UNSCHEDULED_CARE_ATTENDANCE = "health.unscheduled_care_attendance"
    HEALTH_EXPLOITATION_RISK_FLAG = "health.exploitation_risk_flag"
    HEALTH_MENTAL_HEALTH = "health.mental_health"
    EDUCATION_ENROLMENT = "education.enrolment"
    EDUCATION_ATTENDANCE = "education.attendance"
    EDUCATION_EXCLUSION = "education.exclusion"
    EDUCATION_EHCP = "education.ehcp"
    EDUCATION_NOT_IN_SCHOOL = "education.not_in_school"
    DISTRICT_HOUSING = "district.housing"
    DISTRICT_ANTI_SOCIAL_BEHAVIOUR = "district.anti_social_behaviour"
    MASH_ENQUIRY = "mash.enquiry"
    MASH_RESPONSE = "mash.response"
    MASH_DECISION = "mash.decision"
    ENCOMPASS_NOTIFICATION = "encompass.notification"


_ANY: frozenset[AgencyKind] = frozenset(AgencyKind)
_SCHOOL_OR_COUNCIL = frozenset({AgencyKind.SCHOOL, AgencyKind.COUNCIL})

#: Which kinds of agency may own a record of each category (DESIGN §5 "owner"). The MASH
#: enquiry and decision are the council's; a response to an information request is the
#: answering partner's (the council's own seat answers too).
OWNER_KINDS: dict[Category, frozenset[AgencyKind]] = {
    category: (
        _ANY
        if category in (Category.IDENTITY, Category.MASH_RESPONSE)
        else _SCHOOL_OR_COUNCIL
        if category.value.startswith("education.")
        else frozenset({AgencyKind.COUNCIL})
        if category.value.startswith("mash.")
        else frozenset({AgencyKind.POLICE})
        if category.value.startswith("encompass.")
        else frozenset({AgencyKind(category.value.split(".", 1)[0])})
    )
    for category in Category
}
