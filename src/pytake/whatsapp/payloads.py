"""The Cloud API send body, and the reading of the API's answer to it; pure, no I/O."""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from pytake.sending.ports import SendError, SendRequest, SendResult
from pytake.whatsapp.errors import classify_error_code, clean_upstream_text, parse_graph_error

_NON_DIGITS = re.compile(r"\D", re.ASCII)


def build_template_body(request: SendRequest) -> dict[str, Any]:
    """The JSON body of `POST /{phone-number-id}/messages` for one template message."""
    template: dict[str, Any] = {
        "name": request.template_name,
        "language": {"code": request.language},
    }
    if request.components:
        template["components"] = request.components
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": format_recipient(request.to),
        "type": "template",
        "template": template,
        # Echoed in status webhooks: how a send whose answer was lost is recognised (§5).
        "biz_opaque_callback_data": str(request.message_id),
    }


def format_recipient(to: str) -> str:
    """`to` as "+<digits>": without the "+", Meta prepends the business number's country code."""
    if to[:1] == "+" and to[1:].isascii() and to[1:].isdigit():
        return to
    return "+" + _NON_DIGITS.sub("", to)


def parse_send_answer(
    http_status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    attempt_count: int = 0,
    duration_ms: int = 0,
) -> SendResult:
    """The outcome of one send from the API's answer, whatever its status and body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if 200 <= http_status < 300 and (wamid := _read_wamid(data)):
        return SendResult(wamid=wamid, error=None, duration_ms=duration_ms)
    retry_after = read_retry_after(headers)
    if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
        error = parse_graph_error(
            data,
            http_status=http_status,
            retry_after_seconds=retry_after,
            attempt_count=attempt_count,
        )
    else:
        error = _describe_unreadable(
            http_status, body, headers, retry_after, is_json=data is not None
        )
    return SendResult(wamid=None, error=error, duration_ms=duration_ms)


def _read_wamid(data: object) -> str | None:
    if not isinstance(data, Mapping):
        return None
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], Mapping):
        return None
    wamid = messages[0].get("id")
    return wamid if isinstance(wamid, str) and wamid else None


def _describe_unreadable(
    http_status: int,
    body: bytes,
    headers: Mapping[str, str],
    retry_after: float | None,
    *,
    is_json: bool,
) -> SendError:
    content_type = clean_upstream_text(_header(headers, "Content-Type") or "", limit=100)
    shape = "JSON without messages[0].id or error" if is_json else "a non-JSON body"
    described = f"{content_type or 'no content type'}, {len(body)} bytes"
    return _unusable(http_status, f"HTTP {http_status} with {shape} ({described})", retry_after)


def oversized_answer(http_status: int, headers: Mapping[str, str], *, limit: int) -> SendError:
    """The outcome of an answer whose body passed `limit` bytes and was not read further."""
    size = f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
    message = f"HTTP {http_status} with a response larger than {size}; cut"
    return _unusable(http_status, message, read_retry_after(headers))


def _unusable(http_status: int, message: str, retry_after: float | None) -> SendError:
    # Classed by status alone: a 2xx whose body cannot be used may still have been sent.
    if 200 <= http_status < 300:
        message += "; the message may have been accepted"
    return SendError(
        error_class=classify_error_code(None, http_status=http_status),
        message=message,
        http_status=http_status,
        retry_after_seconds=retry_after,
    )


def read_retry_after(headers: Mapping[str, str]) -> float | None:
    """A `Retry-After` header in seconds; None when absent or not a number of seconds."""
    value = _header(headers, "Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # aiohttp's headers are case-insensitive; a plain dict (tests, simulator) may not be.
    return headers.get(name) or headers.get(name.lower())
