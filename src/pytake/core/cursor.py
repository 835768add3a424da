"""Opaque pagination cursors: a few strings packed into one URL-safe token."""

import base64
import binascii

from pytake.core.errors import InvalidInputError

_SEPARATOR = "\x1f"


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(_SEPARATOR.join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, parts: int) -> list[str]:
    """The parts of a cursor made by `encode_cursor`; a forged or stale one is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInputError("invalid cursor", field="cursor", location="query") from None
    values = raw.split(_SEPARATOR)
    if len(values) != parts:
        raise InvalidInputError("invalid cursor", field="cursor", location="query")
    return values
