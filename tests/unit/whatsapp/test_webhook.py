"""The webhook parser and signature check against Meta's fixtures and broken bodies."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytake.sending.ports import ErrorClass
from pytake.sending.receipts import ReceiptStatus
from pytake.whatsapp.webhook import (
    WebhookParseError,
    is_signature_valid,
    is_subscription_valid,
    parse_webhook,
    sign,
)

pytestmark = pytest.mark.unit

SENT_WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="
VECTOR = "sha256=4ca1c0e7995e6df5590668ac8fcfaa984825b9a5989ae5cbdf6373d47602660a"


def _envelope(*statuses: dict[str, Any], **value: Any) -> bytes:
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", **value}}
    if statuses:
        change["value"]["statuses"] = list(statuses)
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    ).encode()


def _status(wamid: str = "wamid.A", status: str = "delivered", **extra: Any) -> dict[str, Any]:
    return {"id": wamid, "status": status, "timestamp": "1750030075", "recipient_id": "1", **extra}


def test_every_webhook_fixture_parses_when_fed_to_the_parser(fixtures_dir: Path) -> None:
    bodies = sorted(fixtures_dir.glob("webhook_*.json"))
    assert len(bodies) >= 6
    for path in bodies:
        parse_webhook(path.read_bytes())


@pytest.mark.parametrize(
    ("name", "status", "timestamp"),
    [
        ("webhook_status_sent.json", ReceiptStatus.SENT, 1750030073),
        ("webhook_status_delivered.json", ReceiptStatus.DELIVERED, 1750030075),
        ("webhook_status_read.json", ReceiptStatus.READ, 1750030140),
    ],
)
def test_status_fixture_gives_one_event_when_parsed(
    fixture_bytes: Callable[[str], bytes], name: str, status: ReceiptStatus, timestamp: int
) -> None:
    (event,) = parse_webhook(fixture_bytes(name)).statuses
    assert (event.wamid, event.status) == (SENT_WAMID, status)
    assert event.timestamp == datetime.fromtimestamp(timestamp, UTC)
    assert event.recipient_id == "16505551234"
    assert event.biz_opaque_callback_data == "cmp_2025_06_spring|rcpt_000123"
    assert event.callback_message_id is None
    assert event.errors == ()


def test_failed_fixture_carries_a_classified_error_when_parsed(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    (event,) = parse_webhook(fixture_bytes("webhook_status_failed.json")).statuses
    (error,) = event.errors
    assert event.status is ReceiptStatus.FAILED
    assert event.biz_opaque_callback_data is None
    assert (error.code, error.error_class) == (131049, ErrorClass.TRANSIENT)
    assert error.message.startswith("(#131049) This message was not delivered")


def test_value_level_error_is_reported_without_statuses_when_body_has_one(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    parsed = parse_webhook(fixture_bytes("webhook_value_level_error_130429.json"))
    (error,) = parsed.errors
    assert parsed.statuses == ()
    assert (error.code, error.error_class) == (130429, ErrorClass.THROTTLED)


def test_inbound_message_is_counted_not_applied_when_body_carries_one(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    parsed = parse_webhook(fixture_bytes("webhook_incoming_text_message.json"))
    assert (parsed.statuses, parsed.errors, parsed.messages) == ((), (), 1)


def test_signature_matches_documented_vector_when_exact_fixture_bytes_are_signed(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    body = fixture_bytes("webhook_status_sent.json")
    assert len(body) == 1194
    assert sign(body, "test_app_secret") == VECTOR
    assert is_signature_valid(body, VECTOR, "test_app_secret")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        VECTOR.removeprefix("sha256="),
        "sha1=" + VECTOR.removeprefix("sha256="),
        VECTOR[:-1] + "b",
        VECTOR[:40],
        "sha256=zz" + VECTOR[9:],
        "sha256=é" + VECTOR[8:],
    ],
)
def test_signature_is_refused_when_header_is_missing_forged_or_truncated(
    fixture_bytes: Callable[[str], bytes], header: str | None
) -> None:
    assert not is_signature_valid(
        fixture_bytes("webhook_status_sent.json"), header, "test_app_secret"
    )


def test_signature_is_refused_when_body_is_reserialised_or_truncated(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    body = fixture_bytes("webhook_status_sent.json")
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    for changed in (compact, body[:-1], body + b"\n"):
        assert not is_signature_valid(changed, VECTOR, "test_app_secret")


def test_signature_is_refused_when_another_secret_signed_the_body(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    assert not is_signature_valid(fixture_bytes("webhook_status_sent.json"), VECTOR, "other")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"object": "whatsapp_business_account", "entry": [',
        b"\xff\xfe\x00garbage",
        b"[]",
        b'"text"',
        b"{}",
        b'{"entry": []}',
        b'{"object": 1, "entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        b'{"object": "whatsapp_business_account", "entry": [1]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": {}}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [[]]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": []}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "x"}]}]}',
        _envelope(statuses={"id": "wamid.A"}),
        _envelope(errors="rate limit"),
        b"[" * 100_000,
    ],
)
def test_parser_refuses_body_when_it_is_not_cloud_api_json(body: bytes) -> None:
    with pytest.raises(WebhookParseError):
        parse_webhook(body)


def test_every_entry_change_and_status_is_read_when_a_body_batches_them() -> None:
    change = {"field": "messages", "value": {"statuses": [_status("wamid.A"), _status("wamid.B")]}}
    other = {"field": "messages", "value": {"statuses": [_status("wamid.C", "read")]}}
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [change, other]}, {"id": "2", "changes": [change]}],
    }
    parsed = parse_webhook(json.dumps(document).encode())
    wamids = [e.wamid for e in parsed.statuses]
    assert wamids == ["wamid.A", "wamid.B", "wamid.C", "wamid.A", "wamid.B"]


def test_played_and_unknown_fields_are_accepted_when_meta_adds_them() -> None:
    played = _status(
        "wamid.V",
        "played",
        recipient_type="group",
        recipient_participant_id="1555",
        pricing={"type": "free_entry_point"},
        something_new={"nested": [1, 2]},
    )
    (event,) = parse_webhook(_envelope(played, contacts=[{"wa_id": "1"}])).statuses
    assert event.status is ReceiptStatus.PLAYED


def test_broken_items_are_skipped_when_the_envelope_is_sound() -> None:
    items = [
        "not an object",
        {"status": "sent"},
        {"id": "", "status": "sent"},
        {"id": "wamid.X", "status": "deleted"},
        {"id": 5, "status": "sent"},
        _status("wamid.OK"),
    ]
    parsed = parse_webhook(_envelope(*items))
    assert [e.wamid for e in parsed.statuses] == ["wamid.OK"]
    assert parsed.skipped == 5


@pytest.mark.parametrize("timestamp", [None, "", "soon", "1.5", "99999999999999999999", True, "²"])
def test_timestamp_is_left_unset_when_it_is_not_unix_seconds(timestamp: object) -> None:
    (event,) = parse_webhook(_envelope(_status(timestamp=timestamp))).statuses
    assert event.timestamp is None


def test_callback_data_names_a_message_when_it_is_the_engines_own_id() -> None:
    message_id = "0b4f0a3e-1d3f-4c1e-9a3a-6a8f0e2d1c55"
    (event,) = parse_webhook(_envelope(_status(biz_opaque_callback_data=message_id))).statuses
    assert str(event.callback_message_id) == message_id


def test_failed_status_without_errors_has_no_error_when_meta_omits_them() -> None:
    (event,) = parse_webhook(_envelope(_status(status="failed", errors="x"))).statuses
    assert event.errors == ()


@pytest.mark.parametrize(
    ("mode", "token", "expected", "valid"),
    [
        ("subscribe", "secret-token", "secret-token", True),
        ("subscribe", "wrong", "secret-token", False),
        ("unsubscribe", "secret-token", "secret-token", False),
        (None, "secret-token", "secret-token", False),
        ("subscribe", None, "secret-token", False),
        ("subscribe", "", "", False),
        ("subscribe", "secret-token", None, False),
    ],
)
def test_subscription_handshake_is_valid_only_when_mode_and_token_match(
    mode: str | None, token: str | None, expected: str | None, valid: bool
) -> None:
    assert is_subscription_valid(mode, token, expected) is valid


def test_metas_error_text_is_cleaned_and_cut_when_a_status_or_value_carries_it() -> None:
    error = {"code": 131026, "title": "\x1b]0;pwned\x07" + "t" * 10_000}
    status = {"id": "wamid.X", "status": "failed", "recipient_id": "1", "errors": [error]}
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"value": {"statuses": [status], "errors": [error]}}]}],
    }

    parsed = parse_webhook(json.dumps(body).encode())

    for message in (parsed.statuses[0].errors[0].message, parsed.errors[0].message):
        assert message.startswith("(#131026) ]0;pwned ttt")
        assert len(message) == len("(#131026) ") + 300
        assert message.isprintable()
