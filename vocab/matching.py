"""How a child named by another agency was matched to a child in the hub (Operation Encompass)."""

from enum import StrEnum


class MatchMethod(StrEnum):
    NHS_NUMBER = "nhs_number"
    DEMOGRAPHICS = "demographics"
    MANUAL = "manual"  # a MASH practitioner chose the child from the queue
    NONE = "none"  # no confident match: the notification goes to the MASH queue


class NoMatchReason(StrEnum):
    """Why a demographic match was not accepted, for the MASH queue (never personal data)."""

    NO_CANDIDATES = "no_candidates"
    NO_DATE_OF_BIRTH = "no_date_of_birth"  # the police gave no date of birth
    NO_NAME = "no_name"  # the police gave no given name or no family name
    BELOW_THRESHOLD = "below_threshold"  # the best score is under the acceptance threshold
    NAME_DISAGREES = "name_disagrees"  # the best candidate's given or family name does not fit
    AMBIGUOUS = "ambiguous"  # the runner-up scored too close to the best
