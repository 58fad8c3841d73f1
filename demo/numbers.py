"""Synthetic identifiers for the demo area, drawn from a seeded RNG so a seed repeats exactly.

- NHS numbers only from the 999 range (999 000 0000 - 999 999 9999), which the NHS never
  issues to people; the check digit is computed and confirmed by ``stdnum.gb.nhs``.
- Hub ids in the hub's own format (``identifiers.children``): ``H``, eight characters of
  Crockford's base 32 and a Luhn mod-32 check character from ``stdnum.luhn``.
- UPNs by ``stdnum.gb.upn``: check letter, LA number, establishment number, year, serial.
"""

import random
import uuid

from stdnum import luhn
from stdnum.gb import nhs, upn

#: The hub id alphabet and shape (must match ``identifiers.children``; the tests check it).
HUB_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HUB_PREFIX = "H"
HUB_BODY_LENGTH = 8

_NHS_TEST_RANGE_PREFIX = "999"


def nhs_number_from(serial: int) -> str | None:
    """The NHS number ``999`` + ``serial`` (six digits) + check digit, or None where the
    modulus-11 check digit would be 10 (no valid number has that body)."""
    body = f"{_NHS_TEST_RANGE_PREFIX}{serial:06d}"
    # stdnum's checksum weights the check digit 1: a zero there leaves the rest's remainder.
    check = -nhs.checksum(body + "0") % 11
    if check == 10:
        return None
    number = body + str(check)
    if not nhs.is_valid(number):
        raise AssertionError("a synthetic NHS number failed its check")
    return number


def nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct valid NHS numbers from the 999 range, in a random order."""
    numbers: list[str] = []
    taken: set[int] = set()
    while len(numbers) < count:
        if len(taken) >= 1_000_000:
            raise ValueError("the 999 range holds fewer valid NHS numbers than requested")
        serial = rng.randrange(1_000_000)
        if serial in taken:
            continue
        taken.add(serial)
        number = nhs_number_from(serial)
        if number is not None:
            numbers.append(number)
    return numbers


def hub_id_from(body: str) -> str:
    """The hub id for an eight-character ``body`` of the hub alphabet."""
    if len(body) != HUB_BODY_LENGTH or any(ch not in HUB_ALPHABET for ch in body):
        raise ValueError("a hub id body is eight characters of the hub alphabet")
    return HUB_PREFIX + body + str(luhn.calc_check_digit(body, alphabet=HUB_ALPHABET))


def hub_ids(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct hub ids drawn from ``rng``."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        body = "".join(rng.choice(HUB_ALPHABET) for _ in range(HUB_BODY_LENGTH))
        if body not in seen:
            seen.add(body)
            ids.append(hub_id_from(body))
    return ids


def upn_from(la_number: str, establishment: int, year: int, serial: int) -> str:
    """A UPN issued by school ``establishment`` of LA ``la_number`` in ``year``."""
    if not (0 <= establishment <= 9999 and 1 <= serial <= 999):
        raise ValueError("establishment is four digits and serial three")
    rest = f"{la_number}{establishment:04d}{year % 100:02d}{serial:03d}"
    return str(upn.calc_check_digit(rest)) + rest


def record_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from ``rng`` (repeatable, unlike ``uuid.uuid4``)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
