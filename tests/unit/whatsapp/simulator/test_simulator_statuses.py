"""Status webhook content: the signature, the envelope and the planned statuses."""

import json
import random
from pathlib import Path

from pytake.whatsapp.simulator.statuses import (
    StatusPlan,
    encode_envelope,
    plan_statuses,
    sign_body,
)
from pytake.whatsapp.simulator.store import AcceptedMessage

MESSAGE = AcceptedMessage(
    wamid="wamid.TEST",
    to="+16505551234",
    wa_id="16505551234",
    phone_number_id="106540352242922",
    template_name="promo",
    biz_opaque_callback_data="cmp|1",
    accepted_at=1_750_030_070.0,
)


def _plan(**rates: float) -> StatusPlan:
    values = {"read_rate": 0.0, "failed_rate": 0.0, "duplicate_rate": 0.0, "reorder_rate": 0.0}
    return StatusPlan(delay_seconds=1.0, **{**values, **rates})


def _arrival_order(plan: StatusPlan) -> list[str]:
    events = sorted(plan_statuses(MESSAGE, random.Random(1), plan), key=lambda event: event[0])
    return [str(status["status"]) for _, status in events]


def test_signature_matches_the_documented_vector_when_signing_the_sent_fixture(
    fixtures_dir: Path,
) -> None:
    body = (fixtures_dir / "webhook_status_sent.json").read_bytes()
    assert len(body) == 1194
    assert sign_body("test_app_secret", body) == (
        "sha256=4ca1c0e7995e6df5590668ac8fcfaa984825b9a5989ae5cbdf6373d47602660a"
    )


def test_envelope_has_the_fixture_shape_when_wrapping_statuses(fixtures_dir: Path) -> None:
    fixture = json.loads((fixtures_dir / "webhook_status_sent.json").read_bytes())
    statuses = [status for _, status in plan_statuses(MESSAGE, random.Random(1), _plan())]
    body = encode_envelope(
        statuses,
        waba_id="102290129340398",
        display_phone_number="15550783881",
        phone_number_id="106540352242922",
    )
    envelope = json.loads(body)
    fixture_value = fixture["entry"][0]["changes"][0]["value"]
    value = envelope["entry"][0]["changes"][0]["value"]
    assert envelope["object"] == fixture["object"]
    assert envelope["entry"][0]["id"] == fixture["entry"][0]["id"]
    assert envelope["entry"][0]["changes"][0]["field"] == "messages"
    assert value["metadata"] == fixture_value["metadata"]
    assert set(value["statuses"][0]) == set(fixture_value["statuses"][0])


def test_statuses_are_sent_delivered_read_when_the_message_is_read() -> None:
    assert _arrival_order(_plan(read_rate=1.0)) == ["sent", "delivered", "read"]


def test_statuses_stop_at_delivered_when_the_message_is_not_read() -> None:
    assert _arrival_order(_plan()) == ["sent", "delivered"]


def test_read_arrives_before_delivered_when_reordered() -> None:
    assert _arrival_order(_plan(read_rate=1.0, reorder_rate=1.0)) == ["sent", "read", "delivered"]


def test_every_status_comes_twice_when_duplicate_rate_is_one() -> None:
    assert sorted(_arrival_order(_plan(duplicate_rate=1.0))) == [
        "delivered",
        "delivered",
        "sent",
        "sent",
    ]


def test_failed_replaces_delivered_with_meta_error_shape_when_failed_rate_is_one() -> None:
    events = plan_statuses(MESSAGE, random.Random(1), _plan(read_rate=1.0, failed_rate=1.0))
    failed = events[-1][1]
    assert [status["status"] for _, status in events] == ["sent", "failed"]
    errors = failed["errors"]
    assert isinstance(errors, list)
    assert errors[0]["code"] in (131026, 131049)
    assert set(errors[0]) == {"code", "title", "message", "error_data", "href"}
    assert "biz_opaque_callback_data" not in failed


def test_statuses_echo_callback_data_and_timestamps_when_message_had_them() -> None:
    events = plan_statuses(MESSAGE, random.Random(1), _plan(read_rate=1.0))
    for due, status in events:
        assert status["biz_opaque_callback_data"] == "cmp|1"
        assert status["id"] == "wamid.TEST"
        assert status["recipient_id"] == "16505551234"
        assert status["timestamp"] == str(int(due))
