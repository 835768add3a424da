"""Cloud API error codes and how the engine treats each (CLOUD_API.md §2.4); pure, no I/O."""

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from pytake.sending.ports import ErrorClass, SendError

TRANSIENT: Final = ErrorClass.TRANSIENT
THROTTLED: Final = ErrorClass.THROTTLED
PERMANENT: Final = ErrorClass.PERMANENT
HALTING: Final = ErrorClass.HALTING
UNKNOWN: Final = ErrorClass.UNKNOWN

# RETRY → TRANSIENT, THROTTLE → THROTTLED, DROP → PERMANENT, PAUSE → HALTING.
ERROR_CLASSES: Final[Mapping[int, ErrorClass]] = {
    0: HALTING,
    1: UNKNOWN,  # "invalid request or possible server error": retry twice, then fail
    2: TRANSIENT,
    3: HALTING,
    4: THROTTLED,
    10: HALTING,
    33: HALTING,
    # 100, 131009, 132005, 135000: each failure is this recipient's; a payload bug that hits
    # every send is caught by the circuit breaker (consecutive identical codes), not here.
    100: PERMANENT,
    190: HALTING,
    368: HALTING,
    80007: THROTTLED,
    130403: PERMANENT,
    130429: THROTTLED,
    130472: PERMANENT,
    130497: PERMANENT,
    131000: TRANSIENT,
    131005: HALTING,
    131008: HALTING,
    131009: PERMANENT,
    131016: TRANSIENT,
    131021: PERMANENT,
    131026: PERMANENT,
    131031: HALTING,
    131037: HALTING,
    131042: HALTING,
    131045: HALTING,  # Odoo also calls it a bounce, but re-registering the number is the fix
    131047: PERMANENT,
    131048: HALTING,  # Meta files it under throttling; the remedy is quality, so pause (§7.6)
    131049: TRANSIENT,  # per-user marketing cap: retried, but no sooner than 24 h later
    131050: PERMANENT,
    131051: PERMANENT,
    131053: PERMANENT,  # media shared by every send fails them all: the circuit breaker pauses
    131056: THROTTLED,
    131057: THROTTLED,  # maintenance of ≤1 min: wait it out without spending a retry
    131062: PERMANENT,
    131063: HALTING,
    131064: HALTING,
    132000: HALTING,
    132001: HALTING,
    132005: PERMANENT,  # usually one recipient's long value; systemic cases reach the breaker
    132007: HALTING,
    132008: PERMANENT,  # pywa-only code, read like 131009 (one recipient's bad value)
    132012: HALTING,
    132015: HALTING,
    132016: HALTING,  # template disabled for good: a human replaces it
    132068: HALTING,
    132069: TRANSIENT,  # flow capped at 10 sends/h: retry after the hour, spending a retry
    133000: HALTING,
    133004: TRANSIENT,
    133005: HALTING,
    133006: HALTING,
    133008: HALTING,
    133009: HALTING,
    133010: HALTING,
    133015: HALTING,
    133016: HALTING,  # registration throttling is an ops problem no resend can fix
    135000: PERMANENT,
    137000: PERMANENT,
}

# 200-299 is one documented row: "API permission missing".
PERMISSION_CODES: Final = range(200, 300)
PAIR_RATE_CODE: Final = 131056
# Meta's own waits; 131056's 4^x grows with the attempt count instead. 131049: Meta says a
# resend within 24 h fails again.
NAMED_WAITS_SECONDS: Final[Mapping[int, float]] = {131057: 60.0, 132069: 3600.0, 131049: 86_400.0}
# Beyond 4^6 s (~68 min) the pair-rate quota (1 msg / 6 s) has long refilled.
MAX_PAIR_RATE_EXPONENT: Final = 6
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
MAX_MESSAGE_LENGTH: Final = 500
# What of the upstream's own words is kept: enough for Meta's messages, no more.
MAX_UPSTREAM_TEXT: Final = 300
_MAX_TRACE_ID: Final = 64

_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")
# Graph echoes a malformed token in its message ("Malformed access token EAAG…").
_ACCESS_TOKEN = re.compile(r"EAA[A-Za-z0-9]{20,}")
_TRACE_ID = re.compile(r"[A-Za-z0-9_+/=-]+")
# Line breaks, controls, and invisible formatting (bidi overrides, zero widths).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def classify_error_code(code: int | None, *, http_status: int | None = None) -> ErrorClass:
    """The class of a failure: by Graph code when there is one, else by HTTP status."""
    if code is None:
        return _classify_http_status(http_status)
    if code in PERMISSION_CODES:
        return HALTING
    return ERROR_CLASSES.get(code, UNKNOWN)


def _classify_http_status(http_status: int | None) -> ErrorClass:
    if http_status == 429:
        return THROTTLED
    if http_status in (401, 403):
        return HALTING
    if http_status is not None and 300 <= http_status < 500:
        return UNKNOWN
    return TRANSIENT


def retry_after_for(code: int | None, *, attempt_count: int = 0) -> float | None:
    """Seconds Meta asks to wait before resending after `code`; None when it names none."""
    if code == PAIR_RATE_CODE:
        return float(4 ** min(max(attempt_count, 0), MAX_PAIR_RATE_EXPONENT))
    if code is None:
        return None
    return NAMED_WAITS_SECONDS.get(code)


def parse_graph_error(
    error: Mapping[str, Any],
    *,
    http_status: int | None = None,
    retry_after_seconds: float | None = None,
    attempt_count: int = 0,
) -> SendError:
    """A SendError from a sync `{"error": {...}}` body or a webhook `errors[]` item.

    `retry_after_seconds` is a `Retry-After` header's value; the longer of it and the
    code's own wait wins, so the next attempt is never earlier than either.
    """
    item = error.get("error", error)
    if not isinstance(item, Mapping):
        item = {}
    code = _read_code(item.get("code"))
    waits = [
        wait
        for wait in (retry_after_for(code, attempt_count=attempt_count), retry_after_seconds)
        if wait is not None
    ]
    return SendError(
        error_class=classify_error_code(code, http_status=http_status),
        message=_describe(code, item),
        # Codes are stored in 32-bit INTEGER columns; one past them is no code of Meta's.
        code=code if code is not None and _INT32_MIN <= code <= _INT32_MAX else None,
        http_status=http_status,
        retry_after_seconds=max(waits) if waits else None,
        per_recipient=code == PAIR_RATE_CODE,
    )


def _read_code(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _describe(code: int | None, item: Mapping[str, Any]) -> str:
    title = _CODE_PREFIX.sub("", _visible(item.get("title") or item.get("message")))
    error_data = item.get("error_data")
    details = _visible(error_data.get("details")) if isinstance(error_data, Mapping) else ""
    text = ": ".join(part for part in (title, details if details != title else "") if part)
    prefix = f"(#{code}) " if code is not None else ""
    message = prefix + (clean_upstream_text(text) or "Graph error without a message")
    trace_id = item.get("fbtrace_id")
    if (
        isinstance(trace_id, str)
        and len(trace_id) <= _MAX_TRACE_ID
        and _TRACE_ID.fullmatch(trace_id)
    ):
        message += f" [fbtrace_id {trace_id}]"
    return redact_tokens(message)[:MAX_MESSAGE_LENGTH]


def clean_upstream_text(text: str, limit: int = MAX_UPSTREAM_TEXT) -> str:
    """Text from the outside made safe to store and show.

    Tokens blanked, control and invisible characters gone, whitespace collapsed to single
    spaces, and at most `limit` characters, "…" marking a cut.
    """
    cleaned = redact_tokens(_visible(text, limit * 4))
    if len(cleaned) <= limit:
        return cleaned
    return cleaned[: limit - 1].rstrip() + "…"


def _visible(value: object, limit: int = MAX_UPSTREAM_TEXT * 4) -> str:
    """Any JSON value as one line of visible text; cut first, so a huge one costs little."""
    text = str(value or "")[:limit]
    spaced = "".join(
        " " if unicodedata.category(char) in _INVISIBLE_CATEGORIES else char for char in text
    )
    return " ".join(spaced.split())


def redact_tokens(text: str) -> str:
    """`text` with anything shaped like a Meta access token blanked out."""
    return _ACCESS_TOKEN.sub("[redacted]", text)
