"""CloudApiClient over real HTTP against a tiny aiohttp server on 127.0.0.1."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from pytake.sending.ports import ErrorClass, SendRequest, SendResult
from pytake.whatsapp.client import CloudApiClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Serve = Callable[[Handler], Awaitable[str]]

TOKEN = "test-access-token-s3cr3t"
PHONE_NUMBER_ID = "106540352242922"
MESSAGE_ID = uuid.UUID("6f1c2a4e-7d35-4b0a-9a51-2f0e8c3d9b17")
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
TIMEOUT_SECONDS = 0.3


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Starts a server on a free port answering the send path with `handler`."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/v23.0/{phone_number_id}/messages", handler)
        # Cancels a handler whose client hung up, so a timed-out test does not wait for it.
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/v23.0/"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[CloudApiClient]:
    async with CloudApiClient(
        timeout_seconds=TIMEOUT_SECONDS, connect_timeout_seconds=TIMEOUT_SECONDS
    ) as cloud_api_client:
        yield cloud_api_client


def make_request(api_base_url: str) -> SendRequest:
    return SendRequest(
        message_id=MESSAGE_ID,
        to="16505551234",
        template_name="hello_world",
        language="en_US",
        phone_number_id=PHONE_NUMBER_ID,
        access_token=TOKEN,
        api_base_url=api_base_url,
    )


def answer_with(status: int, body: bytes, content_type: str = "application/json") -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type=content_type)

    return handler


def assert_failed_as(result: SendResult, error_class: ErrorClass) -> None:
    assert result.wamid is None
    assert result.error is not None
    assert result.error.error_class == error_class
    assert TOKEN not in result.error.message


async def test_returns_the_wamid_when_the_api_accepts_the_message(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    base_url = await serve(answer_with(200, fixture_bytes("send_success_response.json")))

    result = await client.send(make_request(base_url))

    assert (result.ok, result.wamid) == (True, WAMID)


async def test_posts_token_and_body_when_sending(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    seen: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        seen["authorization"] = request.headers.get("Authorization")
        seen["phone_number_id"] = request.match_info["phone_number_id"]
        seen["body"] = await request.json()
        return web.Response(body=fixture_bytes("send_success_response.json"))

    await client.send(make_request(await serve(handler)))

    assert seen["authorization"] == f"Bearer {TOKEN}"
    assert seen["phone_number_id"] == PHONE_NUMBER_ID
    assert seen["body"]["biz_opaque_callback_data"] == str(MESSAGE_ID)
    assert seen["body"]["to"] == "+16505551234"


async def test_returns_the_code_and_details_when_the_api_answers_131026(
    serve: Serve, client: CloudApiClient
) -> None:
    body = (
        b'{"error": {"message": "(#131026) Message undeliverable", "type": "OAuthException",'
        b' "code": 131026, "error_data": {"messaging_product": "whatsapp",'
        b' "details": "Recipient is not a WhatsApp user"}, "fbtrace_id": "AbC"}}'
    )
    base_url = await serve(answer_with(400, body))

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.PERMANENT)
    assert result.error is not None
    assert (result.error.code, result.error.http_status) == (131026, 400)
    assert result.error.message.startswith(
        "(#131026) Message undeliverable: Recipient is not a WhatsApp user"
    )


async def test_is_transient_when_the_api_answers_500_with_html(
    serve: Serve, client: CloudApiClient
) -> None:
    base_url = await serve(answer_with(500, b"<html>Internal error</html>", "text/html"))

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.TRANSIENT)
    assert result.error is not None
    assert result.error.http_status == 500


async def test_is_transient_when_a_200_body_is_not_json(
    serve: Serve, client: CloudApiClient
) -> None:
    base_url = await serve(answer_with(200, b"OK", "text/plain"))

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.TRANSIENT)


async def test_is_a_transient_timeout_when_the_api_answers_too_late(
    serve: Serve, client: CloudApiClient
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(body=b"{}")

    base_url = await serve(handler)

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.TRANSIENT)
    assert result.error is not None
    assert result.error.message == f"Timeout after {TIMEOUT_SECONDS:g}s"
    assert TIMEOUT_SECONDS * 1000 <= result.duration_ms < 2000


async def test_is_a_transient_connection_error_when_the_port_is_closed(
    client: CloudApiClient,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    result = await client.send(make_request(f"http://127.0.0.1:{closed_port}/v23.0"))

    assert_failed_as(result, ErrorClass.TRANSIENT)
    assert result.error is not None
    assert result.error.message.startswith("Connection error: ")


async def test_keeps_the_token_out_when_the_api_echoes_it(
    serve: Serve, client: CloudApiClient
) -> None:
    body = f'{{"error": {{"code": 190, "message": "Malformed access token {TOKEN}"}}}}'
    base_url = await serve(answer_with(401, body.encode()))

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.HALTING)


async def test_measures_the_duration_when_the_api_takes_time(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(body=fixture_bytes("send_success_response.json"))

    result = await client.send(make_request(await serve(handler)))

    assert 50 <= result.duration_ms < TIMEOUT_SECONDS * 1000


async def test_reuses_one_connection_when_sends_follow_each_other(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    peers: set[Any] = set()

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        return web.Response(body=fixture_bytes("send_success_response.json"))

    base_url = await serve(handler)
    for _ in range(3):
        await client.send(make_request(base_url))

    assert len(peers) == 1


async def test_sends_again_when_the_client_was_closed_in_between(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    base_url = await serve(answer_with(200, fixture_bytes("send_success_response.json")))
    await client.send(make_request(base_url))
    await client.close()

    result = await client.send(make_request(base_url))

    assert result.wamid == WAMID


@pytest.mark.parametrize("api_base_url", ["", "http://", "ftp://graph.example/v23.0"])
async def test_halts_when_the_api_base_url_is_not_an_http_url(
    client: CloudApiClient, api_base_url: str
) -> None:
    result = await client.send(make_request(api_base_url))

    assert_failed_as(result, ErrorClass.HALTING)
