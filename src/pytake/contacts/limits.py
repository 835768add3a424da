"""The bounds of one contact's data, the same for the JSON API, CSV rows and dashboard uploads."""

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

MAX_NAME_LENGTH = 200
MAX_ATTRIBUTES = 64
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 1024
MAX_ATTRIBUTES_JSON_BYTES = 16 * 1024
MAX_TAGS = 50
MAX_TAG_LENGTH = 64


class ContactLimitError(ValueError):
    """A value over one of the bounds; `field` is the contact's field it is in."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_attributes(attributes: Mapping[str, Any]) -> None:
    """Flat, few and small: ContactLimitError naming the first bound broken."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise ContactLimitError(
            f"at most {MAX_ATTRIBUTES} attributes (got {len(attributes)})", field="attributes"
        )
    for key, value in attributes.items():
        check_attribute_key(key)
        _check_value(key, value)
    size = len(json.dumps(attributes, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_ATTRIBUTES_JSON_BYTES:
        raise ContactLimitError(
            f"the attributes take {size} bytes as JSON, at most {MAX_ATTRIBUTES_JSON_BYTES}",
            field="attributes",
        )


def check_attribute_key(key: str) -> None:
    if len(key) > MAX_ATTRIBUTE_KEY_LENGTH:
        raise ContactLimitError(
            f"attribute name longer than {MAX_ATTRIBUTE_KEY_LENGTH} characters: {key[:20]!r}...",
            field="attributes",
        )


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ContactLimitError(f"attribute {key!r} must be a finite number", field="attributes")
    if not isinstance(value, str | int | float):
        raise ContactLimitError(
            f"attribute {key!r} must be a string, a number, true/false or null "
            f"(got {type(value).__name__})",
            field="attributes",
        )
    if len(value if isinstance(value, str) else str(value)) > MAX_ATTRIBUTE_VALUE_LENGTH:
        raise ContactLimitError(
            f"attribute {key!r} is longer than {MAX_ATTRIBUTE_VALUE_LENGTH} characters",
            field="attributes",
        )


def normalize_tags(values: Iterable[str]) -> list[str]:
    """Trimmed, unique and sorted, blanks dropped; ContactLimitError past the bounds."""
    tags = sorted({value.strip() for value in values} - {""})
    check_tag_count(len(tags))
    for tag in tags:
        check_tag_length(tag)
    return tags


def check_tag_count(count: int) -> None:
    if count > MAX_TAGS:
        raise ContactLimitError(f"at most {MAX_TAGS} tags (got {count})", field="tags")


def check_tag_length(tag: str) -> None:
    if len(tag) > MAX_TAG_LENGTH:
        raise ContactLimitError(
            f"tag longer than {MAX_TAG_LENGTH} characters: {tag[:20]!r}...", field="tags"
        )
