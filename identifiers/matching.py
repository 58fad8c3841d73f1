"""Demographic matching of a child named by the police (Operation Encompass).

The police notify a domestic abuse incident listing the children with whatever they know.
A child with an NHS number is matched elsewhere; this module scores the police's
particulars against candidate children that the caller selected from the hub by blocking
on date of birth, on the day/month-swapped date of birth, and on postcode. It decides
either a confident, unique match or "no match", which sends the notification to a person
in the MASH queue. It never guesses. Pure functions, no database, no logging.

Score: a weighted sum of five components, each 0.0..1.0; the weights sum to 1.

==============  ======  =================================================================
field           weight  component
==============  ======  =================================================================
date of birth   0.35    exact 1.0; day and month transposed (same year) 0.6; same month
                        and year with the two-digit day differing in one digit (12/13,
                        12/22) 0.4; otherwise, or missing on either side, 0.
family name     0.25    Jaro-Winkler similarity of the normalised names (also compared
                        with spaces removed, so "Mac Donald" = "MacDonald"); when either
                        is double-barrelled, 0.9 x the best similarity of their parts, so
                        "Smith-Jones" against "Jones" scores 0.9 (particles such as "van"
                        and single letters are not parts).
given name      0.20    Jaro-Winkler similarity as above; at least 0.9 when one name is
                        the first word or a prefix (two letters or more) of the other:
                        "Alex" against "Alexander", "Mary" against "Mary Jane".
postcode        0.15    the best of the child's household postcodes: the same full
                        postcode 1.0, the same outward code ("LS6") 0.5, otherwise 0.
address line    0.05    the best of the child's address lines: rapidfuzz
                        ``fuzz.token_set_ratio`` / 100 of the normalised lines.
==============  ======  =================================================================

Decision (``best_match``), made on the score rounded to three places, the ``confidence``
reported, so what is reported is what was decided:

- no date of birth, or no given name or no family name, from the police: never accepted;
- the best score must be at least ``ACCEPT`` = 0.80;
- the best candidate's given name must score at least ``GIVEN_NAME_AGREE`` = 0.90 and
  its family name at least ``FAMILY_NAME_AGREE`` = 0.85;
- and it must beat the runner-up, if any, by at least ``MARGIN`` = 0.08.

Why these numbers. A child who moved house, with exact names and date of birth, scores
0.80 (plus whatever the old and new address lines share), so ``ACCEPT`` is 0.80: one
stale address is tolerated, but a stale address together with any other discrepancy
(a nickname, a typo in the family name, a transposed date) falls below it and goes to a
person. A twin differs from their twin only in the given name, so a twin whose given
name is wrong still scores 0.80 + 0.20 x similarity, above ``ACCEPT``; no threshold on
the sum can tell a moved child from the wrong twin, which is why the given name must
agree on its own (``GIVEN_NAME_AGREE``). It is 0.90 so that the prefix rule's nicknames
pass and "Olivia" for "Oliver" (0.87) does not; names closer than that ("Sophie" and
"Sophia", 0.93) are beyond what string similarity can separate, and when both twins are
candidates the margin sends them to a person. The family name gate is looser, 0.85:
siblings share it, so it separates households, which date of birth and address separate
too; it stops a candidate whose surname is simply different from being accepted on the
strength of the rest.

Known limit: a child absent from the hub, who shares full name and date of birth with a
child who is present, is matched to that child. Blocking on date of birth puts every hub
child born that day in front of the margin rule, so two such children in the hub are
never confused with each other.
"""

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from rapidfuzz import fuzz, utils
from rapidfuzz.distance import JaroWinkler

from vocab.matching import MatchMethod, NoMatchReason

WEIGHT_DATE_OF_BIRTH: Final = 0.35
WEIGHT_FAMILY_NAME: Final = 0.25
WEIGHT_GIVEN_NAME: Final = 0.20
WEIGHT_POSTCODE: Final = 0.15
WEIGHT_ADDRESS_LINE: Final = 0.05

DOB_TRANSPOSED: Final = 0.6
DOB_DAY_DIGIT: Final = 0.4
NAME_PART: Final = 0.9  # a double-barrelled family name matching on one part
NAME_PREFIX: Final = 0.9  # a given name that is the first word or a prefix of the other
POSTCODE_OUTWARD: Final = 0.5

ACCEPT: Final = 0.80  # minimum score to accept
MARGIN: Final = 0.08  # the best must beat the runner-up by at least this much
GIVEN_NAME_AGREE: Final = 0.90  # the accepted child's given-name component, at least
FAMILY_NAME_AGREE: Final = 0.85  # the accepted child's family-name component, at least

_PREFIX_MIN_LENGTH: Final = 2  # a single letter is an initial, not a nickname
_CONFIDENCE_PLACES: Final = 3

# Family-name particles, which are not a part of a double-barrelled name by themselves.
_PARTICLES: Final = frozenset(
    {"al", "ap", "bin", "binti", "da", "de", "del", "della", "den", "der", "di", "dos"}
    | {"du", "el", "la", "le", "st", "ten", "ter", "van", "von"}
)
# Hyphens, dashes and apostrophes in their keyboard and typographic forms.
_SEPARATORS: Final = re.compile(r"[\-\u2010-\u2015\u2212'`\u2018\u2019\u02bc\u00b4]")
# Letters that Unicode does not decompose into a base letter and a diacritic.
_UNDECOMPOSED: Final = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe"}
    | {"þ": "th"}
)
_FULL_POSTCODE: Final = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_OUTWARD_CODE: Final = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")


@dataclass(frozen=True, slots=True)
class Particulars:
    """What the police know about a child."""

    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    address_line1: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A hub child selected by blocking, with their current household addresses."""

    child_id: int
    given_name: str
    family_name: str
    date_of_birth: date | None
    postcodes: tuple[str, ...]
    address_lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Components:
    """Each field's similarity, 0.0..1.0, before weighting."""

    date_of_birth: float
    family_name: float
    given_name: float
    postcode: float
    address_line: float

    @property
    def total(self) -> float:
        """The weighted sum, 0.0..1.0 (``math.fsum``, so all components 1.0 sum to 1.0)."""
        total = math.fsum(
            (
                WEIGHT_DATE_OF_BIRTH * self.date_of_birth,
                WEIGHT_FAMILY_NAME * self.family_name,
                WEIGHT_GIVEN_NAME * self.given_name,
                WEIGHT_POSTCODE * self.postcode,
                WEIGHT_ADDRESS_LINE * self.address_line,
            )
        )
        return min(1.0, max(0.0, total))


@dataclass(frozen=True, slots=True)
class Match:
    """The decision: a child, or none and why (``reason``) for the MASH queue."""

    child_id: int | None
    confidence: float  # best score (0.0 if no candidates), rounded to 3 places
    method: MatchMethod  # DEMOGRAPHICS when accepted, NONE otherwise
    candidates: int  # how many distinct children were scored
    reason: NoMatchReason | None = None  # None when a child was matched


# --- normalisation ---------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    """Casefold, strip diacritics, and make hyphens, apostrophes and runs of spaces one space.

    "Zoë O'Brien-Łukasik" becomes "zoe o brien lukasik"."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", bare.translate(_UNDECOMPOSED)).split())


def normalise_postcode(value: str) -> str:
    """Upper case, without spaces: " ls6 2qw " becomes "LS62QW"."""
    return "".join(value.split()).upper()


# --- components ------------------------------------------------------------------------------


def _date_of_birth(given: date | None, held: date | None) -> float:
    if given is None or held is None:
        return 0.0
    if given == held:
        return 1.0
    if given.year == held.year and (given.day, given.month) == (held.month, held.day):
        return DOB_TRANSPOSED
    if given.year == held.year and given.month == held.month:
        differing = sum(a != b for a, b in zip(f"{given.day:02d}", f"{held.day:02d}", strict=True))
        if differing == 1:
            return DOB_DAY_DIGIT
    return 0.0


def _similarity(a: str, b: str) -> float:
    """Jaro-Winkler of two normalised names, also with their spaces removed."""
    return max(
        JaroWinkler.normalized_similarity(a, b),
        JaroWinkler.normalized_similarity(a.replace(" ", ""), b.replace(" ", "")),
    )


def _parts(name: str) -> list[str]:
    return [
        part for part in name.split() if len(part) >= _PREFIX_MIN_LENGTH and part not in _PARTICLES
    ]


def _family_name(given: str | None, held: str) -> float:
    a, b = normalise_name(given or ""), normalise_name(held)
    if not a or not b:
        return 0.0
    whole = _similarity(a, b)
    if " " not in a and " " not in b:
        return whole
    parts = [JaroWinkler.normalized_similarity(x, y) for x in _parts(a) for y in _parts(b)]
    return max([whole, *(NAME_PART * p for p in parts)])


def _given_name(given: str | None, held: str) -> float:
    a, b = normalise_name(given or ""), normalise_name(held)
    if not a or not b:
        return 0.0
    whole = _similarity(a, b)
    shorter, longer = sorted((a, b), key=len)
    first_word = shorter == longer.split()[0]
    prefix = len(shorter) >= _PREFIX_MIN_LENGTH and longer.startswith(shorter)
    return max(whole, NAME_PREFIX) if first_word or prefix else whole


def _outward(postcode: str) -> str | None:
    if full := _FULL_POSTCODE.fullmatch(postcode):
        return full.group(1)
    return postcode if _OUTWARD_CODE.fullmatch(postcode) else None


def _postcode(given: str | None, held: tuple[str, ...]) -> float:
    a = normalise_postcode(given or "")
    outward = _outward(a)
    best = 0.0
    for b in (normalise_postcode(pc) for pc in held):
        if a == b and _FULL_POSTCODE.fullmatch(a):
            return 1.0
        if outward is not None and outward == _outward(b):
            best = POSTCODE_OUTWARD
    return best


def _address_line(given: str | None, held: tuple[str, ...]) -> float:
    a = normalise_name(given or "")
    if not a:
        return 0.0
    ratios = [
        fuzz.token_set_ratio(a, normalise_name(line), processor=utils.default_process) / 100
        for line in held
    ]
    return max(ratios, default=0.0)


def components(p: Particulars, c: Candidate) -> Components:
    """Each field's similarity between the police's particulars and a candidate child."""
    return Components(
        date_of_birth=_date_of_birth(p.date_of_birth, c.date_of_birth),
        family_name=_family_name(p.family_name, c.family_name),
        given_name=_given_name(p.given_name, c.given_name),
        postcode=_postcode(p.postcode, c.postcodes),
        address_line=_address_line(p.address_line1, c.address_lines),
    )


def score(p: Particulars, c: Candidate) -> float:
    """How well a candidate child fits the police's particulars, 0.0..1.0 (module docstring)."""
    return components(p, c).total


# --- decision --------------------------------------------------------------------------------


def _thousandths(value: float) -> int:
    """Compare in whole thousandths, so 1.000 - 0.920 is the margin 0.080, not 0.0799..."""
    return round(value * 10**_CONFIDENCE_PLACES)


def best_match(
    p: Particulars,
    candidates: Iterable[Candidate],
    *,
    accept: float = ACCEPT,
    margin: float = MARGIN,
) -> Match:
    """The one candidate confidently matching ``p``, or no match (module docstring).

    A child listed more than once (found by more than one block, or once per household)
    counts once, at their best score, so they are never their own runner-up."""
    scored: dict[int, Components] = {}
    for candidate in candidates:
        these = components(p, candidate)
        held = scored.get(candidate.child_id)
        if held is None or these.total > held.total:
            scored[candidate.child_id] = these
    if not scored:
        return Match(None, 0.0, MatchMethod.NONE, 0, NoMatchReason.NO_CANDIDATES)

    ranked = sorted(scored.items(), key=lambda item: item[1].total, reverse=True)
    child_id, best = ranked[0]
    confidence = round(best.total, _CONFIDENCE_PLACES)
    runner_up = ranked[1][1].total if len(ranked) > 1 else None

    reason: NoMatchReason | None = None
    if p.date_of_birth is None:
        reason = NoMatchReason.NO_DATE_OF_BIRTH
    elif not normalise_name(p.given_name or "") or not normalise_name(p.family_name or ""):
        reason = NoMatchReason.NO_NAME
    elif _thousandths(best.total) < _thousandths(accept):
        reason = NoMatchReason.BELOW_THRESHOLD
    elif best.given_name < GIVEN_NAME_AGREE or best.family_name < FAMILY_NAME_AGREE:
        reason = NoMatchReason.NAME_DISAGREES
    elif runner_up is not None and (
        _thousandths(best.total) - _thousandths(runner_up) < _thousandths(margin)
    ):
        reason = NoMatchReason.AMBIGUOUS

    if reason is not None:
        return Match(None, confidence, MatchMethod.NONE, len(scored), reason)
    return Match(child_id, confidence, MatchMethod.DEMOGRAPHICS, len(scored))
