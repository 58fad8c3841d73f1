"""Roles a user holds within their own agency (DESIGN §2). Roles are scoped to the agency."""

from enum import StrEnum

from vocab.agencies import AgencyKind


class Role(StrEnum):
    MASH_PRACTITIONER = "mash_practitioner"
    MASH_MANAGER = "mash_manager"
    SOCIAL_WORKER = "social_worker"
    EARLY_HELP_WORKER = "early_help_worker"
    EDUCATION_SAFEGUARDING_OFFICER = "education_safeguarding_officer"
    POLICE_PUBLIC_PROTECTION = "police_public_protection"
    ENCOMPASS_COORDINATOR = "encompass_coordinator"
    POLICE_OFFICER = "police_officer"
    GP = "gp"
    UNSCHEDULED_CARE_CLINICIAN = "unscheduled_care_clinician"
    SAFEGUARDING_NURSE = "safeguarding_nurse"
    DESIGNATED_SAFEGUARDING_LEAD = "designated_safeguarding_lead"
    DISTRICT_HOUSING_OFFICER = "district_housing_officer"
    DISTRICT_ASB_OFFICER = "district_asb_officer"
    DPO = "dpo"
    CALDICOTT_GUARDIAN = "caldicott_guardian"
    PARTNERSHIP_ADMIN = "partnership_admin"
    INSPECTOR = "inspector"


#: The agency kinds in which each role can be held.
ROLE_AGENCY_KINDS: dict[Role, frozenset[AgencyKind]] = {
    Role.MASH_PRACTITIONER: frozenset(
        {AgencyKind.COUNCIL, AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.SCHOOL}
    ),
    Role.MASH_MANAGER: frozenset({AgencyKind.COUNCIL, AgencyKind.POLICE, AgencyKind.HEALTH}),
    Role.SOCIAL_WORKER: frozenset({AgencyKind.COUNCIL}),
    Role.EARLY_HELP_WORKER: frozenset({AgencyKind.COUNCIL}),
    Role.EDUCATION_SAFEGUARDING_OFFICER: frozenset({AgencyKind.COUNCIL}),
    Role.POLICE_PUBLIC_PROTECTION: frozenset({AgencyKind.POLICE}),
    Role.ENCOMPASS_COORDINATOR: frozenset({AgencyKind.POLICE}),
    Role.POLICE_OFFICER: frozenset({AgencyKind.POLICE}),
    Role.GP: frozenset({AgencyKind.HEALTH}),
    Role.UNSCHEDULED_CARE_CLINICIAN: frozenset({AgencyKind.HEALTH}),
    Role.SAFEGUARDING_NURSE: frozenset({AgencyKind.HEALTH}),
    Role.DESIGNATED_SAFEGUARDING_LEAD: frozenset({AgencyKind.SCHOOL}),
    Role.DISTRICT_HOUSING_OFFICER: frozenset({AgencyKind.DISTRICT}),
    Role.DISTRICT_ASB_OFFICER: frozenset({AgencyKind.DISTRICT}),
    Role.DPO: frozenset(AgencyKind),
    Role.CALDICOTT_GUARDIAN: frozenset({AgencyKind.HEALTH, AgencyKind.COUNCIL}),
    Role.PARTNERSHIP_ADMIN: frozenset({AgencyKind.COUNCIL}),
    Role.INSPECTOR: frozenset({AgencyKind.COUNCIL}),
}
