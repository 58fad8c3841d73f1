"""Machine-readable reasons for a decision; they reach the audit event and error extensions."""

from enum import StrEnum


class Reason(StrEnum):
    OWN_AGENCY_RECORD = "own_agency_record"
    OTHER_AGENCY_RECORD = "other_agency_record"
    RELATIONSHIP = "relationship"
    NO_RELATIONSHIP = "no_relationship"
    CATEGORY_NOT_OWNED_BY_AGENCY_KIND = "category_not_owned_by_agency_kind"
    NOT_RECORD_OWNER = "not_record_owner"
