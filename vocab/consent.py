"""Consent and decisions not to share (DESIGN §6.3)."""

from enum import StrEnum

from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis


class ConsentGiver(StrEnum):
    PARENT_WITH_PARENTAL_RESPONSIBILITY = "parent_with_parental_responsibility"
    COMPETENT_CHILD = "competent_child"


class NotSharingReason(StrEnum):
    MORE_DETRIMENTAL_TO_CHILD = "more_detrimental_to_child"
    NO_LAWFUL_BASIS = "no_lawful_basis"
    WOULD_PREJUDICE_INVESTIGATION = "would_prejudice_investigation"
    CONSENT_REFUSED = "consent_refused"


#: Categories shared only with consent in scope, or on a statutory basis with justification.
CONSENT_CATEGORIES: frozenset[Category] = frozenset(
    {Category.COUNCIL_EARLY_HELP, Category.HEALTH_MENTAL_HEALTH}
)

#: The fixed list of statutory bases on which a consent-based category may be shared
#: without consent, with a written justification (DESIGN §6.3).
STATUTORY_OVERRIDE_BASES: frozenset[LawfulBasis] = frozenset(
    {
        LawfulBasis.CHILDREN_ACT_1989_S17,
        LawfulBasis.CHILDREN_ACT_1989_S47,
        LawfulBasis.DPA_2018_SCH1_PARA18,
        LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE,
    }
)
