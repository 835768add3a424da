"""Turns a phone number as people write it into WhatsApp's digits-only `wa_id` form."""

import phonenumbers

# Nothing longer can be a phone number, and phonenumbers' own parser refuses past 250.
_MAX_INPUT_LENGTH = 64


def normalize_phone(text: str) -> str:
    """`"+55 11 99999-9999"` or `"5511999999999"` → `"5511999999999"`; else ValueError.

    The number is always read as international (country code first, `+` optional), because a
    contact list has no home region to read a national number in.
    """
    candidate = text.strip()
    if not candidate.startswith("+"):
        candidate = "+" + candidate
    number = _parse(candidate) if len(candidate) <= _MAX_INPUT_LENGTH else None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(f"invalid phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _parse(candidate: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
