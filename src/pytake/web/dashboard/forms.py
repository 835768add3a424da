"""Dashboard forms: what was typed into API payloads, and validation errors onto form fields."""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from pytake.core.errors import InvalidInputError

FieldErrors = dict[str, str]

CAMPAIGN_FIELDS = (
    "name",
    "whatsapp_number_id",
    "template_name",
    "template_language",
    "body_parameters",
    "tags",
    "retry_max_attempts",
    "retry_base_delay",
    "retry_max_delay",
)
NUMBER_FIELDS = (
    "display_phone_number",
    "phone_number_id",
    "throughput_mps",
    "messaging_limit_24h",
    "api_base_url",
)
CAMPAIGN_DEFAULTS = {
    "template_language": "en_US",
    "retry_max_attempts": "3",
    "retry_base_delay": "60",
    "retry_max_delay": "3600",
}
NUMBER_DEFAULTS = {"throughput_mps": "80", "messaging_limit_24h": "1000"}

# Where an error on an API field (or a rule across fields) is shown in the campaign form.
_CAMPAIGN_LOCATIONS = {
    ("template", "name"): "template_name",
    ("template", "language"): "template_language",
    ("template", "components"): "body_parameters",
    ("contact_tags",): "tags",
    ("contact_ids",): "tags",
}
# Rules across fields (a model validator's message names no field): where and what to show.
_RULES = {
    "retry_max_delay": ("retry_max_delay", "Must be at least the first wait."),
    "audience is empty": ("tags", "Enter at least one tag."),
}
_FRIENDLY = {
    "missing": "Required.",
    "string_too_short": "Required.",
    "too_short": "Required.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "uuid_parsing": "Choose one of the list.",
    "uuid_type": "Choose one of the list.",
    "greater_than_equal": "Must be at least {ge}.",
    "less_than_equal": "Must be at most {le}.",
}
_PATTERNS = {
    "template_name": "Use lowercase letters, digits and underscores, as in WhatsApp Manager.",
    "template_language": "Use a template locale such as en_US or pt_BR.",
}


def typed_values(form: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """What the user typed into each field, to show it again."""
    return {name: str(form.get(name, "")) for name in fields}


def campaign_payload(values: Mapping[str, str]) -> dict[str, Any]:
    """The `POST /api/v1/campaigns` body for a campaign form; blank retry fields use defaults."""
    parameters = [line.strip() for line in values["body_parameters"].splitlines() if line.strip()]
    components = [
        {"type": "body", "parameters": [{"type": "text", "text": text} for text in parameters]}
    ]
    retry = {
        name: _whole_number(values[name]) for name in CAMPAIGN_FIELDS[6:] if values[name].strip()
    }
    return {
        "name": values["name"].strip(),
        "whatsapp_number_id": values["whatsapp_number_id"].strip() or None,
        "template": {
            "name": values["template_name"].strip(),
            "language": values["template_language"].strip(),
            "components": components if parameters else [],
        },
        "contact_tags": [tag.strip() for tag in values["tags"].split(",") if tag.strip()],
        **retry,
    }


def number_payload(values: Mapping[str, str], access_token: str) -> dict[str, Any]:
    """The `POST /api/v1/whatsapp-numbers` body; a blank 24-hour limit means none."""
    payload: dict[str, Any] = {name: values[name].strip() for name in NUMBER_FIELDS}
    payload["access_token"] = access_token
    payload["messaging_limit_24h"] = _whole_number(payload["messaging_limit_24h"]) or None
    payload["api_base_url"] = payload["api_base_url"] or None
    if payload["throughput_mps"]:
        payload["throughput_mps"] = _whole_number(payload["throughput_mps"])
    else:
        del payload["throughput_mps"]
    return payload


def _whole_number(typed: str) -> int | str:
    """What was typed as an integer; text that is not one is left for validation to name."""
    try:
        return int(typed)
    except ValueError:
        return typed.strip()


def campaign_errors(error: ValidationError | InvalidInputError) -> FieldErrors:
    return _errors(error, _CAMPAIGN_LOCATIONS, fallback="name")


def number_errors(error: ValidationError | InvalidInputError) -> FieldErrors:
    return _errors(error, {}, fallback="phone_number_id")


def _errors(
    error: ValidationError | InvalidInputError,
    locations: Mapping[tuple[str, ...], str],
    *,
    fallback: str,
) -> FieldErrors:
    if isinstance(error, InvalidInputError):
        place: tuple[str, ...] = (error.field,) if error.field else ()
        return {_field(place, locations, fallback): _sentence(str(error))}
    found: FieldErrors = {}
    for item in error.errors():
        place = tuple(str(part) for part in item["loc"])
        text = item["msg"].removeprefix("Value error, ")
        rule = next((rule for word, rule in _RULES.items() if word in text), None)
        field = rule[0] if rule and not place else _field(place, locations, fallback)
        if rule and not place:
            message = rule[1]
        elif item["type"] == "string_pattern_mismatch" and field in _PATTERNS:
            message = _PATTERNS[field]
        elif item["type"] in _FRIENDLY:
            message = _FRIENDLY[item["type"]].format(**item.get("ctx", {}))
        else:
            message = _sentence(text)
        found.setdefault(field, message)
    return found


def _field(place: tuple[str, ...], locations: Mapping[tuple[str, ...], str], fallback: str) -> str:
    for length in range(len(place), 0, -1):
        if place[:length] in locations:
            return locations[place[:length]]
    return place[0] if place else fallback


def _sentence(message: str) -> str:
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
