"""The child's identifiers: NHS number, UPN and hub id.

Every refusal carries a stable code and never echoes the value it refused.
"""

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.gb import upn

from identifiers import (
    InvalidIdentifier,
    new_hub_id,
    validate_hub_id,
    validate_nhs_number,
    validate_upn,
)

HUB_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32, as DESIGN §4 says
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_check_digit(body: str) -> int:
    """Modulus 11 over the first nine digits, weights 10..2, as the NHS publishes it.

    Returns 10 for bodies that no valid NHS number can have."""
    total = sum(int(digit) * weight for digit, weight in zip(body, range(10, 1, -1), strict=True))
    return (11 - total % 11) % 11


def with_upn_check(rest: str) -> str:
    return str(upn.calc_check_digit(rest)) + rest


def refused(code: str, call: Callable[[str], str], value: str) -> InvalidIdentifier:
    """Call ``call(value)``, expect ``InvalidIdentifier`` with ``code``; return the error."""
    with pytest.raises(InvalidIdentifier) as caught:
        call(value)
    error = caught.value
    assert error.code == code
    assert value.strip() == "" or value not in str(error)
    assert value.strip() == "" or value not in error.reason
    return error


def attempt(call: Callable[[str], str], value: str) -> str | InvalidIdentifier:
    """``call(value)``'s result, or the ``InvalidIdentifier`` it raised."""
    try:
        return call(value)
    except InvalidIdentifier as error:
        return error


contains_a_digit = st.text().filter(lambda s: any(c in "0123456789" for c in s))


# --- NHS number ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "compact"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("4010232137", "4010232137"),
        ("401 023 2137", "4010232137"),
        (" 9434765919 ", "9434765919"),
        ("9990000018", "9990000018"),
    ],
)
def test_valid_nhs_numbers_are_returned_compact(typed: str, compact: str) -> None:
    assert validate_nhs_number(typed) == compact


def test_the_helper_check_digit_agrees_with_known_numbers() -> None:
    # given numbers published as valid, the oracle used below computes their check digits
    for number in ("9434765919", "4010232137"):
        assert nhs_check_digit(number[:9]) == int(number[9])


@pytest.mark.parametrize(
    "value",
    [
        "9434765918",  # check digit off by one
        "9434765910",
        "4010232138",
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943476591X",  # a letter
        "ABCDEFGHIJ",
        "94347 6591a",
        "",
        "   ",
    ],
)
def test_invalid_nhs_numbers_are_refused(value: str) -> None:
    error = refused("INVALID_NHS_NUMBER", validate_nhs_number, value)
    assert error.field == "nhsNumber"
    assert str(error).startswith("nhsNumber: ")


def test_a_body_whose_check_digit_computes_to_ten_is_never_valid() -> None:
    # given a nine-digit body for which modulus 11 gives 10 (no valid check digit exists)
    body = next(
        f"{n:09d}" for n in range(400_000_000, 400_001_000) if nhs_check_digit(f"{n:09d}") == 10
    )
    assert body == "400000008"

    # then no final digit makes it an NHS number
    for last in "0123456789":
        refused("INVALID_NHS_NUMBER", validate_nhs_number, body + last)


def test_the_field_name_is_the_callers() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_nhs_number("9434765918", field="child.nhsNumber")
    assert caught.value.field == "child.nhsNumber"
    assert str(caught.value).startswith("child.nhsNumber: ")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_every_ten_digit_string_validates_exactly_when_its_check_digit_is_right(
    digits: str,
) -> None:
    expected_check = nhs_check_digit(digits[:9])
    if expected_check != 10 and int(digits[9]) == expected_check:
        assert validate_nhs_number(digits) == digits
    else:
        refused("INVALID_NHS_NUMBER", validate_nhs_number, digits)


@given(contains_a_digit)
def test_any_text_is_a_compact_nhs_number_or_refused_without_echo(value: str) -> None:
    outcome = attempt(validate_nhs_number, value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_NHS_NUMBER"
        assert value not in str(outcome)
    else:
        assert outcome.isascii()
        assert outcome.isdigit()
        assert len(outcome) == 10


# --- UPN ---------------------------------------------------------------------------------------

VALID_UPNS = [
    "B801200005001",
    with_upn_check("855123425001"),
    with_upn_check("855000019123"),
    with_upn_check("201123425001"),
    with_upn_check("330000019123"),
    with_upn_check("925123425001"),
]


@pytest.mark.parametrize("value", VALID_UPNS)
def test_valid_upns_are_accepted(value: str) -> None:
    assert validate_upn(value) == value


def test_upn_is_normalised_to_upper_case_without_spaces() -> None:
    assert validate_upn("b801200005001") == "B801200005001"
    assert validate_upn(" B801 2000 05001 ") == "B801200005001"


def test_computed_upns_match_the_published_example() -> None:
    assert with_upn_check("801200005001") == "B801200005001"


@pytest.mark.parametrize("value", VALID_UPNS)
def test_every_other_check_letter_is_refused(value: str) -> None:
    for letter in UPN_CHECK_LETTERS:
        if letter != value[0]:
            refused("INVALID_UPN", validate_upn, letter + value[1:])


@pytest.mark.parametrize(
    "value",
    [
        "B80120000500",  # twelve characters
        "B8012000050011",  # fourteen characters
        "",
        "8801200005001",  # digit where the check letter goes
        "B8012000050I1",  # a letter among the digits
        "B80120000500I",  # I is not in the UPN alphabet
    ],
)
def test_malformed_upns_are_refused(value: str) -> None:
    error = refused("INVALID_UPN", validate_upn, value)
    assert error.field == "upn"


@pytest.mark.parametrize("la_number", ["100", "000", "999"])
def test_upn_with_unknown_la_number_is_refused(la_number: str) -> None:
    # given a UPN whose check letter is right but whose LA number DfE never issued
    value = with_upn_check(la_number + "200005001")
    refused("INVALID_UPN", validate_upn, value)


@given(contains_a_digit)
def test_any_text_is_a_compact_upn_or_refused_without_echo(value: str) -> None:
    outcome = attempt(validate_upn, value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_UPN"
        assert value not in str(outcome)
    else:
        assert outcome.isascii()
        assert len(outcome) == 13


# --- Hub id ------------------------------------------------------------------------------------


def hub_id_from(body: str) -> str:
    return "H" + body + luhn.calc_check_digit(body, alphabet=HUB_ALPHABET)


hub_ids = st.text(alphabet=HUB_ALPHABET, min_size=8, max_size=8).map(hub_id_from)


def test_new_hub_ids_round_trip() -> None:
    for _ in range(200):
        issued = new_hub_id()
        assert len(issued) == 10
        assert issued.startswith("H")
        assert all(ch in HUB_ALPHABET for ch in issued[1:])
        assert validate_hub_id(issued) == issued


def test_new_hub_ids_differ() -> None:
    assert len({new_hub_id() for _ in range(100)}) == 100


@given(hub_ids)
def test_hub_ids_accept_lower_case_hyphens_and_spaces(hub_id: str) -> None:
    assert validate_hub_id(hub_id) == hub_id
    assert validate_hub_id(hub_id.lower()) == hub_id
    assert validate_hub_id(f"{hub_id[:1]}-{hub_id[1:5]}-{hub_id[5:]}") == hub_id
    assert validate_hub_id(f" {hub_id[:5]} {hub_id[5:]} ") == hub_id


@given(
    hub_ids,
    st.integers(min_value=0, max_value=9),
    st.one_of(st.sampled_from(HUB_ALPHABET + HUB_ALPHABET.lower()), st.characters()),
)
def test_a_single_changed_character_is_refused(hub_id: str, position: int, new: str) -> None:
    # a replacement that normalises to the same character is the same id, not a change
    assume(new.upper() != hub_id[position])
    changed = hub_id[:position] + new + hub_id[position + 1 :]

    refused("INVALID_HUB_ID", validate_hub_id, changed)


def test_the_check_character_catches_a_mistyped_body() -> None:
    issued = hub_id_from("0000ABCD")
    mistyped = issued[:3] + ("1" if issued[3] != "1" else "2") + issued[4:]
    error = refused("INVALID_HUB_ID", validate_hub_id, mistyped)
    assert error.reason == "check character is invalid"


@pytest.mark.parametrize(
    "value",
    [
        "X" + hub_id_from("0000ABCD")[1:],  # wrong prefix
        hub_id_from("0000ABCD")[1:],  # no prefix
        hub_id_from("0000ABCD")[:-1],  # check character missing
        hub_id_from("0000ABCD") + "0",  # one character too many
        hub_id_from("0000ABC"),  # short body with its own check character
        hub_id_from("0000ABCDE"),  # long body with its own check character
        "H0000ABCDU",  # U is not in Crockford's alphabet
        "H0000OBCD0",  # neither is O
        "",
        "H",
    ],
)
def test_malformed_hub_ids_are_refused(value: str) -> None:
    error = refused("INVALID_HUB_ID", validate_hub_id, value)
    assert error.field == "hubId"


@given(contains_a_digit)
def test_any_text_is_a_hub_id_or_refused_without_echo(value: str) -> None:
    outcome = attempt(validate_hub_id, value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_HUB_ID"
        assert value not in str(outcome)
    else:
        assert outcome.startswith("H")
        assert len(outcome) == 10
        assert all(ch in HUB_ALPHABET for ch in outcome[1:])
