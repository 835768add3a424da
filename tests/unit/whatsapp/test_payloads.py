"""The send body against Meta's example request, and the reading of every kind of answer."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pytake.sending.ports import ErrorClass, SendRequest
from pytake.whatsapp.payloads import (
    build_template_body,
    format_recipient,
    oversized_answer,
    parse_send_answer,
)

WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
MESSAGE_ID = uuid.UUID("6f1c2a4e-7d35-4b0a-9a51-2f0e8c3d9b17")


def make_request(components: list[dict[str, Any]] | None = None) -> SendRequest:
    return SendRequest(
        message_id=MESSAGE_ID,
        to="16505551234",
        template_name="order_update",
        language="en_US",
        components=components or [],
    )


def test_body_has_the_shape_of_metas_example_when_built_from_a_request(
    fixture_json: Callable[[str], Any],
) -> None:
    example = fixture_json("send_template_request.json")

    body = build_template_body(make_request(example["template"]["components"]))

    assert set(body) == set(example) | {"biz_opaque_callback_data"}
    assert (body["messaging_product"], body["recipient_type"], body["type"]) == (
        example["messaging_product"],
        example["recipient_type"],
        example["type"],
    )
    assert body["to"].startswith("+")
    assert set(body["template"]) == set(example["template"])
    assert set(body["template"]["language"]) == set(example["template"]["language"])
    assert body["template"]["components"] == example["template"]["components"]


def test_body_carries_name_language_and_message_id_when_built() -> None:
    body = build_template_body(make_request())

    assert body["template"]["name"] == "order_update"
    assert body["template"]["language"] == {"code": "en_US"}
    assert body["biz_opaque_callback_data"] == str(MESSAGE_ID)


def test_components_are_left_out_when_the_template_has_no_variables() -> None:
    assert "components" not in build_template_body(make_request())["template"]


@pytest.mark.parametrize(
    "to", ["16505551234", "+16505551234", "+1 (650) 555-1234", "1-650-555-1234"]
)
def test_recipient_is_plus_and_digits_when_written_any_accepted_way(to: str) -> None:
    assert format_recipient(to) == "+16505551234"


@pytest.mark.parametrize(
    "name", ["send_success_response.json", "send_success_response_template_accepted.json"]
)
def test_returns_the_wamid_when_meta_accepts_the_message(
    name: str, fixture_bytes: Callable[[str], bytes]
) -> None:
    result = parse_send_answer(200, fixture_bytes(name), {}, duration_ms=12)

    assert (result.ok, result.wamid, result.duration_ms) == (True, WAMID, 12)


@pytest.mark.parametrize(
    ("name", "http_status", "expected_class", "expected_code"),
    [
        ("error_response_throughput_130429.json", 400, ErrorClass.THROTTLED, 130429),
        ("error_response_rate_limit_code4_http429.json", 429, ErrorClass.THROTTLED, 4),
        ("error_response_expired_token_code190_http401.json", 401, ErrorClass.HALTING, 190),
    ],
)
def test_classifies_by_code_when_meta_answers_with_a_graph_error(
    name: str,
    http_status: int,
    expected_class: ErrorClass,
    expected_code: int,
    fixture_bytes: Callable[[str], bytes],
) -> None:
    result = parse_send_answer(http_status, fixture_bytes(name), {})

    assert result.wamid is None
    assert result.error is not None
    assert (result.error.error_class, result.error.code) == (expected_class, expected_code)
    assert result.error.http_status == http_status


@pytest.mark.parametrize(
    "body", [b"<html>oops</html>", b"", b'{"messages": []}', b'{"messages": [{"id": ""}]}', b"[]"]
)
def test_is_transient_and_says_so_when_a_200_cannot_be_read(body: bytes) -> None:
    result = parse_send_answer(200, body, {"Content-Type": "text/html"})

    assert result.error is not None
    assert result.error.error_class == ErrorClass.TRANSIENT
    assert "may have been accepted" in result.error.message


@pytest.mark.parametrize(
    ("http_status", "expected"),
    [
        (500, ErrorClass.TRANSIENT),
        (502, ErrorClass.TRANSIENT),
        (429, ErrorClass.THROTTLED),
        (403, ErrorClass.HALTING),
        (404, ErrorClass.UNKNOWN),
    ],
)
def test_falls_back_on_http_status_when_the_body_is_not_json(
    http_status: int, expected: ErrorClass
) -> None:
    result = parse_send_answer(http_status, b"<html>Bad Gateway</html>", {})

    assert result.error is not None
    assert (result.error.error_class, result.error.http_status) == (expected, http_status)
    assert result.error.message.startswith(f"HTTP {http_status} with a non-JSON body")


def test_waits_as_told_when_an_answer_carries_retry_after() -> None:
    result = parse_send_answer(429, b"", {"retry-after": "7"})

    assert result.error is not None
    assert result.error.retry_after_seconds == 7.0


@pytest.mark.parametrize("value", ["soon", "Wed, 21 Oct 2015 07:28:00 GMT", "-3", "nan"])
def test_ignores_retry_after_when_it_is_not_a_number_of_seconds(value: str) -> None:
    result = parse_send_answer(503, b"", {"Retry-After": value})

    assert result.error is not None
    assert result.error.retry_after_seconds is None


def test_passes_the_attempt_count_on_when_meta_answers_131056() -> None:
    body = b'{"error": {"code": 131056, "message": "(#131056) Pair rate limit hit"}}'

    result = parse_send_answer(400, body, {}, attempt_count=3)

    assert result.error is not None
    assert (result.error.error_class, result.error.retry_after_seconds) == (
        ErrorClass.THROTTLED,
        64.0,
    )


@pytest.mark.parametrize(
    ("http_status", "expected", "message"),
    [
        (200, ErrorClass.TRANSIENT, "HTTP 200 with a response larger than 1 MB; cut; "
         "the message may have been accepted"),
        (500, ErrorClass.TRANSIENT, "HTTP 500 with a response larger than 1 MB; cut"),
        (429, ErrorClass.THROTTLED, "HTTP 429 with a response larger than 1 MB; cut"),
        (403, ErrorClass.HALTING, "HTTP 403 with a response larger than 1 MB; cut"),
    ],
)  # fmt: skip
def test_an_oversized_answer_is_classed_by_its_status(
    http_status: int, expected: ErrorClass, message: str
) -> None:
    error = oversized_answer(http_status, {"Retry-After": "3"}, limit=1024 * 1024)

    assert (error.error_class, error.message) == (expected, message)
    assert (error.http_status, error.retry_after_seconds) == (http_status, 3.0)


def test_an_unreadable_answers_content_type_is_cleaned_and_cut() -> None:
    content_type = "text/html\x1b[31m;\u202e" + "x" * 500

    result = parse_send_answer(502, b"<html>", {"Content-Type": content_type})

    assert result.error is not None
    assert result.error.message == (
        f"HTTP 502 with a non-JSON body (text/html [31m; {'x' * 83}…, 6 bytes)"
    )
