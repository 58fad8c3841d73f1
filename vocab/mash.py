"""The MASH front door (DESIGN §8): RAG ratings, where contacts come from, consent, partners'
responses and the decision."""

from enum import StrEnum

from vocab.agencies import AgencyKind


class Rag(StrEnum):
    """Set at screening; fixes how soon the MASH must have partners' information."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class ContactSource(StrEnum):
    """Who made the contact."""

    POLICE = "police"
    HEALTH = "health"
    SCHOOL = "school"
    DISTRICT = "district"
    COUNCIL = "council"
    PUBLIC = "public"
    OTHER = "other"


class ConsentStatus(StrEnum):
    """Consent for the enquiry, per child, with its reason where one is needed."""

    SOUGHT = "sought"
    GIVEN = "given"
    REFUSED = "refused"
    #: Not sought because seeking it would increase the risk to the child (a reason is
    #: required).
    NOT_SOUGHT = "not_sought"


class ResponseKind(StrEnum):
    """A partner seat's answer to an information request."""

    RECORDS_SHARED = "records_shared"
    NOTHING_KNOWN = "nothing_known"
    DECISION_NOT_TO_SHARE = "decision_not_to_share"


class Outcome(StrEnum):
    """The MASH decision that closes the enquiry."""

    NO_FURTHER_ACTION = "no_further_action"
    EARLY_HELP = "early_help"
    S17_ASSESSMENT = "s17_assessment"
    STRATEGY_DISCUSSION = "strategy_discussion"


class Seat(StrEnum):
    """The agency a strategy discussion participant speaks for."""

    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    COUNCIL = "council"
    DISTRICT = "district"


#: Agencies whose MASH seat receives information requests.
PARTNER_KINDS: frozenset[AgencyKind] = frozenset(
    {AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.SCHOOL, AgencyKind.DISTRICT}
)
#: A strategy discussion needs at least police, health and education (Working Together 2023).
STRATEGY_SEATS: frozenset[Seat] = frozenset({Seat.POLICE, Seat.HEALTH, Seat.EDUCATION})
#: The agency kinds that may speak for each seat (education: a school or the council's
#: education safeguarding team).
SEAT_KINDS: dict[Seat, frozenset[AgencyKind]] = {
    Seat.POLICE: frozenset({AgencyKind.POLICE}),
    Seat.HEALTH: frozenset({AgencyKind.HEALTH}),
    Seat.EDUCATION: frozenset({AgencyKind.SCHOOL, AgencyKind.COUNCIL}),
    Seat.COUNCIL: frozenset({AgencyKind.COUNCIL}),
    Seat.DISTRICT: frozenset({AgencyKind.DISTRICT}),
}
