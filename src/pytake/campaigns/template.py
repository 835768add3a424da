"""Personalises a campaign's template components per contact (pure).

Placeholders are `{{contact.name}}`, `{{contact.phone}}` and `{{contact.attributes.KEY}}`; any
other `{{…}}` is refused when the campaign is created, and a contact lacking an attribute the
template needs cannot be sent (it fails at once instead of going out with a blank).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_VALID = re.compile(r"contact\.(name|phone|attributes\.[A-Za-z0-9_\-]+)")


class MissingVariableError(ValueError):
    """The contact has no value for a variable the template uses."""


@dataclass(frozen=True, slots=True)
class TemplateContact:
    name: str
    phone: str
    attributes: Mapping[str, Any]


def find_invalid_placeholders(components: Any) -> list[str]:
    """Placeholders in `components` that name nothing a contact has."""
    return [
        match.group(0)
        for text in _strings(components)
        for match in PLACEHOLDER.finditer(text)
        if not _VALID.fullmatch(match.group(1))
    ]


def render_components(components: list[dict[str, Any]], contact: TemplateContact) -> Any:
    """A copy of `components` with every placeholder filled from `contact`."""

    def fill(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable == "contact.name":
            return contact.name
        if variable == "contact.phone":
            return contact.phone
        key = variable.removeprefix("contact.attributes.")
        value = contact.attributes.get(key)
        if value is None or value == "":
            raise MissingVariableError(f"contact has no attribute {key!r} used by the template")
        return str(value)

    return _map_strings(components, lambda text: PLACEHOLDER.sub(fill, text))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return []


def _map_strings(value: Any, transform: Any) -> Any:
    if isinstance(value, str):
        return transform(value) if "{{" in value else value
    if isinstance(value, list):
        return [_map_strings(item, transform) for item in value]
    if isinstance(value, dict):
        return {key: _map_strings(item, transform) for key, item in value.items()}
    return value
