"""The error table against CLOUD_API.md §2.4, transcribed here row by row, and its parsing."""

from collections.abc import Callable
from typing import Any

import pytest

from pytake.sending.ports import ErrorClass
from pytake.whatsapp.errors import (
    MAX_UPSTREAM_TEXT,
    classify_error_code,
    clean_upstream_text,
    parse_graph_error,
    retry_after_for,
)

T = ErrorClass.TRANSIENT
TH = ErrorClass.THROTTLED
P = ErrorClass.PERMANENT
H = ErrorClass.HALTING
U = ErrorClass.UNKNOWN

# (code, class) per row of §2.4: RETRY→T, THROTTLE→TH, DROP→P, PAUSE→H, DEFER-24h→P.
DOCUMENTED_ROWS = [
    (0, H),
    (3, H),
    (10, H),
    (190, H),
    (131005, H),
    (4, TH),
    (80007, TH),
    (130429, TH),
    (131056, TH),
    (131048, H),
    (131064, H),
    (368, H),
    (131031, H),
    (130497, P),
    (1, U),
    (2, T),
    (33, H),
    (100, P),
    (130403, P),
    (130472, P),
    (131000, T),
    (131008, H),
    (131009, P),
    (131016, T),
    (131021, P),
    (131026, P),
    (131037, H),
    (131042, H),
    (131045, H),
    (131047, P),
    (131049, T),
    (131050, P),
    (131051, P),
    (131053, P),
    (131057, TH),
    (131063, H),
    (132000, H),
    (132001, H),
    (132005, P),
    (132007, H),
    (132008, P),
    (132012, H),
    (132015, H),
    (132016, H),
    (132068, H),
    (132069, T),
    (133004, T),
    (133010, H),
    (133000, H),
    (133005, H),
    (133006, H),
    (133008, H),
    (133009, H),
    (133015, H),
    (133016, H),
    (135000, P),
    (131062, P),
    (137000, P),
]

TOKEN = "EAAGm0PX4ZCpsBAKZBZCq5ZB1ZB9ZAZB4ZCZCZBZAZBZBZAZB"


@pytest.mark.parametrize(
    ("code", "expected"), DOCUMENTED_ROWS, ids=[f"{c}-{e}" for c, e in DOCUMENTED_ROWS]
)
def test_classifies_as_documented_when_code_is_in_the_table(code: int, expected: str) -> None:
    assert classify_error_code(code) == expected


@pytest.mark.parametrize("code", [200, 201, 250, 298, 299])
def test_halts_when_code_is_in_the_permission_range(code: int) -> None:
    assert classify_error_code(code) == H


@pytest.mark.parametrize("code", [199, 300])
def test_does_not_halt_when_code_is_just_outside_the_permission_range(code: int) -> None:
    assert classify_error_code(code) != H


@pytest.mark.parametrize("code", [5, 999, 131099, 999999])
def test_is_unknown_when_code_is_not_documented(code: int) -> None:
    assert classify_error_code(code) == U


@pytest.mark.parametrize(
    ("http_status", "expected"),
    [
        (None, T),
        (200, T),
        (500, T),
        (502, T),
        (503, T),
        (504, T),
        (429, TH),
        (401, H),
        (403, H),
        (400, U),
        (404, U),
        (422, U),
    ],
)
def test_falls_back_on_http_status_when_there_is_no_code(
    http_status: int | None, expected: str
) -> None:
    assert classify_error_code(None, http_status=http_status) == expected


@pytest.mark.parametrize(("code", "http_status", "expected"), [(131026, 500, P), (4, 400, TH)])
def test_code_wins_when_http_status_says_otherwise(
    code: int, http_status: int, expected: str
) -> None:
    assert classify_error_code(code, http_status=http_status) == expected


@pytest.mark.parametrize(("attempt_count", "expected"), [(0, 1.0), (1, 4.0), (2, 16.0), (3, 64.0)])
def test_pair_rate_waits_four_to_the_attempt_when_code_is_131056(
    attempt_count: int, expected: float
) -> None:
    assert retry_after_for(131056, attempt_count=attempt_count) == expected


def test_pair_rate_wait_stays_bounded_when_attempts_pile_up() -> None:
    assert retry_after_for(131056, attempt_count=10_000) == 4.0**6


@pytest.mark.parametrize(
    ("code", "expected"), [(131057, 60.0), (132069, 3600.0), (131049, 86_400.0)]
)
def test_waits_as_meta_says_when_code_names_a_wait(code: int, expected: float) -> None:
    assert retry_after_for(code) == expected


@pytest.mark.parametrize("code", [None, 4, 130429, 131026, 131000])
def test_names_no_wait_when_meta_names_none(code: int | None) -> None:
    assert retry_after_for(code) is None


def test_reads_code_title_and_details_when_given_a_sync_error_body(
    fixture_json: Callable[[str], Any],
) -> None:
    error = parse_graph_error(
        fixture_json("error_response_throughput_130429.json"), http_status=400
    )

    assert (error.error_class, error.code, error.http_status) == (TH, 130429, 400)
    assert error.message.startswith(
        "(#130429) Rate limit hit: Cloud API message throughput has been reached."
    )
    assert "Az8or2yhqkZfEZ-_4Qn_Bam" in error.message


def test_defers_131049_a_day_when_given_a_failed_status_webhook_error(
    fixture_json: Callable[[str], Any],
) -> None:
    payload = fixture_json("webhook_status_failed.json")
    item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]

    error = parse_graph_error(item)

    assert (error.error_class, error.code) == (T, 131049)
    assert error.retry_after_seconds == 86_400.0
    assert error.message.startswith("(#131049) This message was not delivered")


def test_is_throttled_130429_when_given_a_value_level_webhook_error(
    fixture_json: Callable[[str], Any],
) -> None:
    payload = fixture_json("webhook_value_level_error_130429.json")
    item = payload["entry"][0]["changes"][0]["value"]["errors"][0]

    assert (parse_graph_error(item).error_class, parse_graph_error(item).code) == (TH, 130429)


def test_message_reads_code_title_and_details_when_meta_gives_both() -> None:
    item = {
        "code": 131026,
        "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": "Recipient is not a WhatsApp user"},
    }

    message = parse_graph_error(item).message

    assert message == "(#131026) Message undeliverable: Recipient is not a WhatsApp user"


def test_keeps_the_token_out_when_meta_echoes_it_in_the_message() -> None:
    body = {"error": {"code": 190, "message": f"Malformed access token {TOKEN}"}}

    error = parse_graph_error(body, http_status=401)

    assert TOKEN not in error.message
    assert error.error_class == H


def test_reads_the_code_when_it_comes_as_a_string() -> None:
    assert parse_graph_error({"code": "131026"}).code == 131026


def test_falls_back_on_http_status_when_the_error_has_no_code() -> None:
    error = parse_graph_error({"error": {"message": "Service unavailable"}}, http_status=503)

    assert (error.error_class, error.code) == (T, None)
    assert error.message == "Service unavailable"


@pytest.mark.parametrize(
    ("code", "header_seconds", "expected"),
    [(131057, 5.0, 60.0), (131057, 120.0, 120.0), (130429, 7.0, 7.0), (130429, None, None)],
)
def test_waits_the_longer_when_retry_after_and_code_both_name_a_wait(
    code: int, header_seconds: float | None, expected: float | None
) -> None:
    error = parse_graph_error({"error": {"code": code}}, retry_after_seconds=header_seconds)

    assert error.retry_after_seconds == expected


def test_waits_four_to_the_attempt_when_parsing_a_pair_rate_error() -> None:
    error = parse_graph_error({"error": {"code": 131056}}, attempt_count=2)

    assert (error.error_class, error.retry_after_seconds) == (TH, 16.0)


@pytest.mark.parametrize("code", [2**31, -(2**31) - 1, 10**20, str(10**20)])
def test_code_is_none_when_no_32_bit_column_holds_it(code: object) -> None:
    error = parse_graph_error({"error": {"code": code, "message": "odd"}})
    assert (error.code, error.error_class) == (None, U)


@pytest.mark.parametrize("code", [2**31 - 1, "131026"])
def test_code_is_kept_when_a_32_bit_column_holds_it(code: object) -> None:
    assert parse_graph_error({"error": {"code": code}}).code == int(code)  # type: ignore[call-overload]


def test_keeps_300_characters_of_a_10_kb_message_and_details() -> None:
    item = {"code": 131026, "message": "m" * 10_000, "error_data": {"details": "d" * 10_000}}

    message = parse_graph_error(item).message

    assert message == "(#131026) " + "m" * (MAX_UPSTREAM_TEXT - 1) + "…"


def test_strips_control_and_invisible_characters_from_metas_words() -> None:
    item = {
        "code": 100,
        "title": "Bad\x00 \x1b[2Jparam\u202e\u200b",
        "error_data": {"details": "line one\r\nline two\tend\ud800"},
        "fbtrace_id": "AbC-12_x",
    }

    message = parse_graph_error(item).message

    assert message == "(#100) Bad [2Jparam: line one line two end [fbtrace_id AbC-12_x]"


@pytest.mark.parametrize("trace_id", ["A\nB", "x" * 65, "<script>", 12.5])
def test_leaves_out_a_trace_id_that_is_not_one(trace_id: object) -> None:
    error = parse_graph_error({"code": 100, "message": "m", "fbtrace_id": trace_id})
    assert error.message == "(#100) m"


def test_blanks_a_token_before_cutting_so_no_part_of_it_is_left() -> None:
    text = "x" * (MAX_UPSTREAM_TEXT - 10) + " " + TOKEN

    assert clean_upstream_text(text) == "x" * (MAX_UPSTREAM_TEXT - 10) + " [redacted]"[:9] + "…"
