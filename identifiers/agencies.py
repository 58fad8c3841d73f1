"""Agencies' real identifiers (DESIGN §4), checked for their published formats.

- council and district: ONS GSS code (E06 unitary, E08 metropolitan, E09 London borough,
  E10 county; E07 non-metropolitan district; W06 Welsh unitary);
- council: also the DfE local authority number (three digits, as in UPNs);
- police: ONS GSS code of the police force area (E23 in England, W15 in Wales);
- health: NHS ODS organisation code (ICBs, trusts, sites, GP practices);
- school: DfE URN (six digits).
"""

import re

from stdnum.gb import upn

from identifiers.children import InvalidIdentifier
from vocab.agencies import AgencyKind

_PATTERNS: dict[AgencyKind, re.Pattern[str]] = {
    # [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic, full-width).
    AgencyKind.COUNCIL: re.compile(r"(E0[689]|E10|W06)[0-9]{6}"),
    AgencyKind.DISTRICT: re.compile(r"E07[0-9]{6}"),
    AgencyKind.POLICE: re.compile(r"(E23|W15)[0-9]{6}"),
    AgencyKind.HEALTH: re.compile(r"[A-Z0-9]{3,6}"),
    AgencyKind.SCHOOL: re.compile(r"[1-9][0-9]{5}"),
}
_THREE_DIGITS = re.compile(r"[0-9]{3}")


def validate_agency_code(kind: AgencyKind, value: str, *, field: str = "code") -> str:
    """Return the normalised code, or raise ``InvalidIdentifier(INVALID_AGENCY_CODE)``."""
    compact = value.strip().upper()
    if not _PATTERNS[kind].fullmatch(compact):
        raise InvalidIdentifier("INVALID_AGENCY_CODE", field, f"is not a valid {kind} code")
    return compact


def validate_la_number(value: str, *, field: str = "laNumber") -> str:
    """A DfE local authority number, checked against the list python-stdnum keeps for UPNs."""
    compact = value.strip()
    if not (_THREE_DIGITS.fullmatch(compact) and upn.is_valid(_probe_upn(compact))):
        raise InvalidIdentifier("INVALID_LA_NUMBER", field, "is not a DfE LA number")
    return compact


def _probe_upn(la_number: str) -> str:
    # A UPN is <check><LA number><school><year><serial>; stdnum validates the LA component
    # against DfE's list. Build a well-formed UPN for the LA number and let stdnum judge it.
    rest = la_number + "0000" + "00" + "001"
    return str(upn.calc_check_digit(rest)) + rest
