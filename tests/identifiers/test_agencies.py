"""Agencies' identifiers: ONS, ODS and DfE codes by agency kind, and DfE LA numbers."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers import InvalidIdentifier, validate_agency_code, validate_la_number
from vocab.agencies import AgencyKind


def attempt(call: Callable[[str], str], value: str) -> str | InvalidIdentifier:
    """``call(value)``'s result, or the ``InvalidIdentifier`` it raised."""
    try:
        return call(value)
    except InvalidIdentifier as error:
        return error


VALID_CODES: list[tuple[AgencyKind, str]] = [
    (AgencyKind.COUNCIL, "E06000001"),  # unitary
    (AgencyKind.COUNCIL, "E08000025"),  # metropolitan district
    (AgencyKind.COUNCIL, "E09000033"),  # London borough
    (AgencyKind.COUNCIL, "E10000014"),  # county
    (AgencyKind.COUNCIL, "W06000015"),  # Welsh unitary
    (AgencyKind.DISTRICT, "E07000223"),
    (AgencyKind.POLICE, "E23000001"),
    (AgencyKind.POLICE, "W15000002"),
    (AgencyKind.HEALTH, "QHM"),  # an ICB
    (AgencyKind.HEALTH, "RJ1"),  # a trust
    (AgencyKind.HEALTH, "RJ122"),  # a site
    (AgencyKind.HEALTH, "A81001"),  # a GP practice
    (AgencyKind.SCHOOL, "100000"),
    (AgencyKind.SCHOOL, "136727"),
    (AgencyKind.SCHOOL, "999999"),
]

INVALID_CODES: list[tuple[AgencyKind, str]] = [
    (AgencyKind.COUNCIL, "E07000223"),  # a district is not a council
    (AgencyKind.COUNCIL, "E23000001"),  # nor is a police force area
    (AgencyKind.COUNCIL, "E1000001"),  # one digit short
    (AgencyKind.COUNCIL, "E100000014"),  # one digit too many
    (AgencyKind.COUNCIL, "W07000015"),
    (AgencyKind.COUNCIL, "855"),  # an LA number is not the council's agency code
    (AgencyKind.COUNCIL, ""),
    (AgencyKind.DISTRICT, "E06000001"),
    (AgencyKind.DISTRICT, "W06000015"),
    (AgencyKind.DISTRICT, "E0700022"),
    (AgencyKind.POLICE, "E10000014"),
    (AgencyKind.POLICE, "E2300001"),
    (AgencyKind.POLICE, "S23000001"),
    (AgencyKind.HEALTH, "RJ"),  # too short
    (AgencyKind.HEALTH, "A810011"),  # too long
    (AgencyKind.HEALTH, "RJ-1"),
    (AgencyKind.HEALTH, "R J1"),
    (AgencyKind.HEALTH, ""),
    (AgencyKind.SCHOOL, "012345"),  # URNs do not start with 0
    (AgencyKind.SCHOOL, "12345"),
    (AgencyKind.SCHOOL, "1234567"),
    (AgencyKind.SCHOOL, "12345A"),
    (AgencyKind.SCHOOL, "E10000014"),
]


@pytest.mark.parametrize(("kind", "code"), VALID_CODES)
def test_valid_agency_codes(kind: AgencyKind, code: str) -> None:
    assert validate_agency_code(kind, code) == code


@pytest.mark.parametrize(("kind", "code"), VALID_CODES)
def test_agency_codes_are_normalised(kind: AgencyKind, code: str) -> None:
    assert validate_agency_code(kind, f"  {code.lower()}\n") == code


def test_every_kind_has_a_valid_and_an_invalid_example() -> None:
    assert {kind for kind, _ in VALID_CODES} == set(AgencyKind)
    assert {kind for kind, _ in INVALID_CODES} == set(AgencyKind)


@pytest.mark.parametrize(("kind", "code"), INVALID_CODES)
def test_invalid_agency_codes_are_refused_without_echo(kind: AgencyKind, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_agency_code(kind, code)

    error = caught.value
    assert error.code == "INVALID_AGENCY_CODE"
    assert error.field == "code"
    assert str(kind) in error.reason
    assert not code or code not in str(error)


def test_agency_code_error_names_the_callers_field() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_agency_code(AgencyKind.SCHOOL, "1", field="agency.code")
    assert str(caught.value) == "agency.code: is not a valid school code"


@pytest.mark.parametrize("kind", list(AgencyKind))
@given(
    value=st.text(alphabet=st.characters(codec="ascii")).filter(
        lambda s: any(c.isdigit() for c in s)
    )
)
def test_any_ascii_text_is_a_normalised_code_or_refused_without_echo(
    kind: AgencyKind, value: str
) -> None:
    outcome = attempt(lambda v: validate_agency_code(kind, v), value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_AGENCY_CODE"
        assert value not in str(outcome)
    else:
        assert outcome == value.strip().upper()
        assert outcome.isalnum()


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (AgencyKind.COUNCIL, "E10\u0661\u0662\u0663\u0664\u0665\u0666"),  # Arabic-Indic digits
        (AgencyKind.DISTRICT, "E07\u0966\u0966\u0966\u0662\u0662\u0663"),  # Devanagari digits
        (AgencyKind.POLICE, "E23\uff10\uff10\uff10\uff10\uff10\uff11"),  # full-width digits
        (AgencyKind.SCHOOL, "1\u0663\u0666\u0667\u0662\u0667"),
    ],
)
def test_codes_with_non_ascii_digits_are_refused(kind: AgencyKind, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_agency_code(kind, code)
    assert caught.value.code == "INVALID_AGENCY_CODE"


def test_health_codes_with_full_width_characters_are_refused() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_agency_code(AgencyKind.HEALTH, "\uff32\uff2a\uff11")
    assert caught.value.code == "INVALID_AGENCY_CODE"


# --- LA numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "compact"),
    [("855", "855"), (" 855 ", "855"), ("201", "201"), ("330", "330"), ("925", "925")],
)
def test_valid_la_numbers(typed: str, compact: str) -> None:
    assert validate_la_number(typed) == compact


@pytest.mark.parametrize("value", ["100", "000", "999", "85", "8555", "abc", "85a", "", "8 55"])
def test_invalid_la_numbers_are_refused_without_echo(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_la_number(value)

    error = caught.value
    assert error.code == "INVALID_LA_NUMBER"
    assert error.field == "laNumber"
    assert not value or value not in str(error)


@given(st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}"))
def test_every_three_digit_string_is_returned_or_refused(value: str) -> None:
    outcome = attempt(validate_la_number, value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_LA_NUMBER"
        assert value not in str(outcome)
    else:
        assert outcome == value


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_any_ascii_text_is_an_la_number_or_refused(value: str) -> None:
    outcome = attempt(validate_la_number, value)
    if isinstance(outcome, InvalidIdentifier):
        assert outcome.code == "INVALID_LA_NUMBER"
    else:
        assert outcome == value.strip()
        assert len(outcome) == 3
        assert outcome.isdigit()


@pytest.mark.parametrize(
    "value",
    [
        "\uff18\uff15\uff15",  # full-width 855
        "\u0668\u0665\u0665",  # Arabic-Indic 855
        "\u00b255",  # superscript two, for which str.isdigit() is true
    ],
)
def test_la_numbers_with_non_ascii_digits_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_la_number(value)
    assert caught.value.code == "INVALID_LA_NUMBER"
