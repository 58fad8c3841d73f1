"""The child's identifiers (DESIGN §4).

- NHS number: the consistent identifier, 10 digits with a modulus-11 check digit
  (``stdnum.gb.nhs``).
- UPN: the school's unique pupil number, 13 characters with a check letter (``stdnum.gb.upn``).
- Hub id: issued by the hub to a child whose NHS number is not (yet) known: ``H``, eight
  characters of Crockford's base 32 and a Luhn mod-32 check character (``stdnum.luhn``),
  so a mistyped id is refused rather than matched to another child.
"""

import secrets

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.gb import nhs, upn

_HUB_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_HUB_PREFIX = "H"
_HUB_BODY_LENGTH = 8


class InvalidIdentifier(ValueError):
    """An identifier failed its check. ``code`` is stable; the message never holds the value."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason


def _reason(exc: ValidationError) -> str:
    # stdnum's messages describe the failure ("checksum is invalid"), never the number.
    return str(exc).rstrip(".").lower() or "invalid"


def validate_nhs_number(value: str, *, field: str = "nhsNumber") -> str:
    """Return the compact NHS number, or raise ``InvalidIdentifier(INVALID_NHS_NUMBER)``."""
    try:
        return str(nhs.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier("INVALID_NHS_NUMBER", field, _reason(exc)) from None


def validate_upn(value: str, *, field: str = "upn") -> str:
    """Return the compact UPN, or raise ``InvalidIdentifier(INVALID_UPN)``."""
    try:
        return str(upn.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier("INVALID_UPN", field, _reason(exc)) from None


def new_hub_id() -> str:
    """Issue a fresh hub id (random, with a check character)."""
    body = "".join(secrets.choice(_HUB_ALPHABET) for _ in range(_HUB_BODY_LENGTH))
    return _HUB_PREFIX + body + luhn.calc_check_digit(body, alphabet=_HUB_ALPHABET)


def validate_hub_id(value: str, *, field: str = "hubId") -> str:
    """Return the normalised hub id, or raise ``InvalidIdentifier(INVALID_HUB_ID)``."""
    compact = value.strip().upper().replace(" ", "").replace("-", "")
    body = compact[len(_HUB_PREFIX) :]
    if not compact.startswith(_HUB_PREFIX) or len(body) != _HUB_BODY_LENGTH + 1:
        raise InvalidIdentifier("INVALID_HUB_ID", field, "has the wrong format")
    if any(ch not in _HUB_ALPHABET for ch in body):
        raise InvalidIdentifier("INVALID_HUB_ID", field, "has the wrong format")
    if not luhn.is_valid(body, alphabet=_HUB_ALPHABET):
        raise InvalidIdentifier("INVALID_HUB_ID", field, "check character is invalid")
    return compact
