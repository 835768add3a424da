"""Phone normalisation into WhatsApp's digits-only form."""

import re

import pytest

from pytake.contacts.phones import normalize_phone


@pytest.mark.parametrize(
    "text",
    [
        "+55 11 99999-9999",
        "5511999999999",
        "+5511999999999",
        "  +55 (11) 99999 9999  ",
        "55.11.99999.9999",
    ],
)
def test_digits_only_when_written_in_any_international_form(text: str) -> None:
    assert normalize_phone(text) == "5511999999999"


def test_keeps_the_country_code_when_the_number_is_american() -> None:
    assert normalize_phone("+1 (202) 555-0143") == "12025550143"


@pytest.mark.parametrize("text", ["12", "", "   ", "+", "abc", "+999 123456", "5511999"])
def test_value_error_naming_the_input_when_the_number_is_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"invalid phone number: {text!r}")):
        normalize_phone(text)


def test_value_error_when_the_input_is_far_too_long() -> None:
    with pytest.raises(ValueError, match="invalid phone number"):
        normalize_phone("5" * 300)


def test_value_error_when_a_national_number_has_no_country_code() -> None:
    with pytest.raises(ValueError, match="invalid phone number: '11 99999-9999'"):
        normalize_phone("11 99999-9999")
