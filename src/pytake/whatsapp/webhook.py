"""Meta's webhooks: the signature, the verification handshake and a lenient body parser (pure)."""

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pytake.sending.ports import SendError
from pytake.sending.receipts import ReceiptStatus, StatusEvent
from pytake.whatsapp.errors import parse_graph_error

SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
_SIGNATURE_PREFIX: Final = "sha256="
_RECEIPT_STATUSES: Final = frozenset(status.value for status in ReceiptStatus)


class WebhookParseError(ValueError):
    """The body is not the Cloud API's webhook JSON; the message says where it went wrong."""


@dataclass(frozen=True, slots=True)
class WebhookBody:
    """Everything a body carries that the engine uses, from every entry and change."""

    statuses: tuple[StatusEvent, ...] = ()
    # `value.errors[]`: app- or system-level errors that name no message.
    errors: tuple[SendError, ...] = ()
    # Status items too broken to use (no wamid, a status we do not know).
    skipped: int = 0
    # Inbound messages from users: not a campaign's business.
    messages: int = 0


def sign(body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return _SIGNATURE_PREFIX + digest


def is_signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """HMAC-SHA256 of the exact bytes received, compared in constant time."""
    if not header or not header.startswith(_SIGNATURE_PREFIX):
        return False
    given = header[len(_SIGNATURE_PREFIX) :].strip().lower()
    expected = sign(body, app_secret)[len(_SIGNATURE_PREFIX) :]
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def is_subscription_valid(mode: str | None, token: str | None, verify_token: str | None) -> bool:
    """Meta's GET handshake: `hub.mode=subscribe` with our verify token."""
    if mode != "subscribe" or not token or not verify_token:
        return False
    return hmac.compare_digest(token.encode(), verify_token.encode())


def parse_webhook(body: bytes) -> WebhookBody:
    """Every status and value-level error of a Cloud API webhook body.

    The envelope (`object`, `entry[].changes[].value`) must have its documented shape; items
    inside are read leniently, since Meta adds fields the spec lacks (`played`, group fields).
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise WebhookParseError("the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise WebhookParseError("the body is not a JSON object")
    if not isinstance(document.get("object"), str):
        raise WebhookParseError("'object' is missing or not a string")
    statuses: list[StatusEvent] = []
    errors: list[SendError] = []
    skipped = messages = 0
    for where, value in _values(document.get("entry")):
        for item in _list(value, "statuses", where):
            event = _status_event(item)
            if event is None:
                skipped += 1
            else:
                statuses.append(event)
        errors.extend(
            parse_graph_error(item)
            for item in _list(value, "errors", where)
            if isinstance(item, dict)
        )
        messages += len(_list(value, "messages", where))
    return WebhookBody(tuple(statuses), tuple(errors), skipped, messages)


def _values(entries: object) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(entries, list):
        raise WebhookParseError("'entry' is missing or not a list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise WebhookParseError(f"entry[{i}] is not an object")
        changes = entry.get("changes", [])
        if not isinstance(changes, list):
            raise WebhookParseError(f"entry[{i}].changes is not a list")
        for j, change in enumerate(changes):
            where = f"entry[{i}].changes[{j}]"
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise WebhookParseError(f"{where} is not an object with an object 'value'")
            yield where, change["value"]


def _list(value: Mapping[str, Any], key: str, where: str) -> list[Any]:
    items = value.get(key, [])
    if not isinstance(items, list):
        raise WebhookParseError(f"{where}.value.{key} is not a list")
    return items


def _status_event(item: object) -> StatusEvent | None:
    if not isinstance(item, dict):
        return None
    wamid, status = item.get("id"), item.get("status")
    if not isinstance(wamid, str) or not wamid or status not in _RECEIPT_STATUSES:
        return None
    callback_data = item.get("biz_opaque_callback_data")
    errors = item.get("errors")
    return StatusEvent(
        wamid=wamid,
        status=ReceiptStatus(status),
        timestamp=_timestamp(item.get("timestamp")),
        recipient_id=str(item.get("recipient_id") or ""),
        biz_opaque_callback_data=callback_data if isinstance(callback_data, str) else None,
        errors=tuple(
            parse_graph_error(error)
            for error in (errors if isinstance(errors, list) else [])
            if isinstance(error, dict)
        ),
    )


def _timestamp(value: object) -> datetime | None:
    """Unix seconds, sent as a string; anything else is left for the receiver's clock."""
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
