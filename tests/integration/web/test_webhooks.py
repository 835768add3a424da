"""`/webhooks/meta` over HTTP: the handshake, signatures, bad bodies, storage and replay."""

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pytake.bootstrap import Runtime
from pytake.core.db import utcnow
from pytake.core.settings import Settings
from pytake.sending.models import WebhookEvent
from pytake.sending.receipts_repository import store_webhook_event
from pytake.web.app import create_app
from pytake.whatsapp.receiver import MAX_BODY_BYTES
from pytake.whatsapp.webhook import SIGNATURE_HEADER, sign
from support.webhooks import (
    APP_SECRET,
    VERIFY_TOKEN,
    WEBHOOK_SETTINGS,
    envelope,
    post_body,
    status,
)

pytestmark = pytest.mark.integration

STATUS_FIXTURES = {
    "webhook_status_sent.json": 1,
    "webhook_status_delivered.json": 1,
    "webhook_status_read.json": 1,
    "webhook_status_failed.json": 1,
    "webhook_value_level_error_130429.json": 0,
    "webhook_incoming_text_message.json": 0,
}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return WEBHOOK_SETTINGS


async def _events(runtime: Runtime) -> list[WebhookEvent]:
    async with runtime.db.session() as session:
        return list((await session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))).all())


def _handshake(mode: str = "subscribe", token: str = VERIFY_TOKEN) -> dict[str, str]:
    return {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}


async def test_handshake_echoes_challenge_as_text_when_verify_token_matches(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/webhooks/meta", params=_handshake())
    assert (answer.status_code, answer.text) == (200, "1158201444")
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [_handshake(token="wrong"), _handshake(mode="unsubscribe"), {"hub.challenge": "1"}],
)
async def test_handshake_is_forbidden_when_mode_or_token_is_wrong(
    api: httpx.AsyncClient, params: dict[str, str]
) -> None:
    answer = await api.get("/webhooks/meta", params=params)
    assert answer.status_code == 403
    assert "1158201444" not in answer.text


async def test_every_fixture_is_accepted_and_stored_when_signed(
    api: httpx.AsyncClient, runtime: Runtime, fixtures_dir: Path
) -> None:
    for name, statuses in STATUS_FIXTURES.items():
        body = (fixtures_dir / name).read_bytes()
        answer = await post_body(api, body)
        assert answer.status_code == 200, (name, answer.text)
        receipt = answer.json()
        assert (receipt["received"], receipt["unknown"]) == (statuses, statuses), name
    stored = await _events(runtime)
    assert [event.body for event in stored] == [
        (fixtures_dir / name).read_bytes() for name in STATUS_FIXTURES
    ]
    assert all(event.processed_at is not None for event in stored)


async def test_value_level_error_is_counted_when_body_reports_one(
    api: httpx.AsyncClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    answer = await post_body(api, fixture_bytes("webhook_value_level_error_130429.json"))
    assert answer.json()["errors"] == 1
    metrics = (await api.get("/metrics")).text
    assert 'pytake_webhook_errors_total{code="130429"}' in metrics


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "garbage"])
async def test_body_is_refused_and_not_stored_when_signature_is_missing_or_wrong(
    api: httpx.AsyncClient,
    runtime: Runtime,
    fixture_bytes: Callable[[str], bytes],
    header: str | None,
) -> None:
    headers = {SIGNATURE_HEADER: header} if header is not None else {}
    answer = await api.post(
        "/webhooks/meta", content=fixture_bytes("webhook_status_sent.json"), headers=headers
    )
    assert answer.status_code == 401
    assert await _events(runtime) == []


async def test_body_is_refused_when_signed_with_another_secret(
    api: httpx.AsyncClient, runtime: Runtime
) -> None:
    answer = await post_body(api, envelope([status("wamid.A", "read")]), secret="not-" + APP_SECRET)
    assert answer.status_code == 401
    assert await _events(runtime) == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"object": "whatsapp_business_account"}', b'{"entry": []}'],
)
async def test_body_is_refused_as_bad_request_when_signed_but_not_cloud_api_json(
    api: httpx.AsyncClient, runtime: Runtime, body: bytes
) -> None:
    answer = await post_body(api, body)
    assert answer.status_code == 400
    assert "not a Cloud API webhook body" in answer.json()["detail"]
    assert await _events(runtime) == []


async def test_body_is_refused_as_too_large_when_over_three_megabytes(
    api: httpx.AsyncClient, runtime: Runtime
) -> None:
    body = envelope([status("wamid.A", "read", padding="x" * MAX_BODY_BYTES)])
    assert (await post_body(api, body)).status_code == 413
    assert await _events(runtime) == []


async def test_body_is_refused_as_too_large_when_streamed_without_a_length(
    api: httpx.AsyncClient,
) -> None:
    chunk = b" " * 65536

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            yield chunk

    headers = {SIGNATURE_HEADER: sign(b"", APP_SECRET)}
    answer = await api.post("/webhooks/meta", content=stream(), headers=headers)
    assert answer.status_code == 413


async def test_body_of_exactly_three_megabytes_is_accepted_when_signed(
    api: httpx.AsyncClient,
) -> None:
    head = envelope([status("wamid.A", "read")])
    body = head + b" " * (MAX_BODY_BYTES - len(head))
    assert (await post_body(api, body)).status_code == 200


async def test_webhooks_are_unavailable_when_no_app_secret_is_set(database_url: str) -> None:
    runtime = Runtime(Settings(database_url=database_url))
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://pytake.test") as api:
            answer = await post_body(api, envelope([status("wamid.A", "read")]))
    finally:
        await runtime.stop()
    assert answer.status_code == 503


async def test_stored_body_is_applied_when_replayed_after_a_crash(
    api: httpx.AsyncClient, runtime: Runtime, fixture_bytes: Callable[[str], bytes]
) -> None:
    async with runtime.db.transaction() as session:
        await store_webhook_event(
            session,
            fixture_bytes("webhook_status_read.json"),
            status_count=1,
            received_at=utcnow() - timedelta(minutes=5),
        )
    assert await runtime.webhooks.replay_unprocessed(received_before=utcnow()) == 1
    assert await runtime.webhooks.replay_unprocessed(received_before=utcnow()) == 0
    (event,) = await _events(runtime)
    assert event.processed_at is not None


async def test_metrics_count_requests_by_result_when_webhooks_arrive(
    api: httpx.AsyncClient,
) -> None:
    await post_body(api, envelope([status("wamid.unknown", "read")]))
    await api.post("/webhooks/meta", content=b"{}")
    metrics = (await api.get("/metrics")).text
    assert 'pytake_webhook_requests_total{result="accepted"}' in metrics
    assert 'pytake_webhook_requests_total{result="unsigned"}' in metrics
    assert 'pytake_webhook_statuses_total{result="unknown"}' in metrics
