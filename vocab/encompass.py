"""Operation Encompass (DESIGN §8): where a notification goes, and why."""

from enum import StrEnum


class Route(StrEnum):
    """Who a child's notification is addressed to."""

    SCHOOL = "school"  # the school on whose roll the child was on the incident date
    SOCIAL_CARE = "social_care"  # no school on the roll: the council's children's social care
    MASH_QUEUE = "mash_queue"  # no confident match: the council's MASH matches by hand


class RouteReason(StrEnum):
    """Why the route was chosen (kept with the notification, shown to the recipient)."""

    ON_ROLL = "on_roll"  # enrolment in force on the incident date
    NO_SCHOOL = "no_school"  # matched, no school on the roll on the incident date
    UNMATCHED = "unmatched"  # no child matched the particulars
    UNCERTAIN = "uncertain"  # candidates, but none confident and clear of the others
    NHS_NUMBER_UNKNOWN = "nhs_number_unknown"  # a valid NHS number the hub does not hold
