"""CloudApiClient over real HTTP against a tiny aiohttp server on 127.0.0.1."""

import asyncio
import dataclasses
import json
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from pytake.cli.processes import free_port
from pytake.core.origins import OriginAllowlist, parse_origin
from pytake.sending.ports import ErrorClass, SendRequest, SendResult
from pytake.whatsapp.client import MAX_RESPONSE_BYTES, CloudApiClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Serve = Callable[[Handler], Awaitable[str]]

TOKEN = "test-access-token-s3cr3t"
PHONE_NUMBER_ID = "106540352242922"
MESSAGE_ID = uuid.UUID("6f1c2a4e-7d35-4b0a-9a51-2f0e8c3d9b17")
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
TIMEOUT_SECONDS = 0.3


@pytest.fixture
def port() -> int:
    """The port of the test's server (nothing listens there until `serve` is called)."""
    return free_port()


@pytest.fixture
async def serve(port: int) -> AsyncIterator[Serve]:
    """Starts the test's server on `port`, answering the send path with `handler`."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/v23.0/{phone_number_id}/messages", handler)
        # Cancels a handler whose client hung up, so a timed-out test does not wait for it.
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}/v23.0/"

    yield start
    for runner in runners:
        await runner.cleanup()


def allowing(*origins: str) -> OriginAllowlist:
    return OriginAllowlist.of(parse_origin(origin) for origin in origins)


@pytest.fixture
async def client(port: int) -> AsyncIterator[CloudApiClient]:
    """A client allowed to send to the test's server."""
    async with CloudApiClient(
        timeout_seconds=TIMEOUT_SECONDS,
        connect_timeout_seconds=TIMEOUT_SECONDS,
        api_hosts=allowing(f"http://127.0.0.1:{port}"),
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
    client: CloudApiClient, port: int
) -> None:
    result = await client.send(make_request(f"http://127.0.0.1:{port}/v23.0"))

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


def recording(seen: list[web.Request], body: bytes) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(body=body, content_type="application/json")

    return handler


class FixedResolver(AbstractResolver):
    """DNS as a test wants it: every name resolves to `address`."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": self.address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


async def test_halts_without_sending_the_token_when_the_origin_is_not_allowlisted(
    serve: Serve, fixture_bytes: Callable[[str], bytes]
) -> None:
    seen: list[web.Request] = []
    base_url = await serve(recording(seen, fixture_bytes("send_success_response.json")))

    async with CloudApiClient(
        timeout_seconds=TIMEOUT_SECONDS,
        connect_timeout_seconds=TIMEOUT_SECONDS,
        api_hosts=allowing("https://graph.facebook.com"),
    ) as client:
        result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.HALTING)
    assert result.error is not None
    assert "http://127.0.0.1:" in result.error.message
    assert "not in PYTAKE_WHATSAPP_API_HOSTS" in result.error.message
    assert seen == []


async def test_halts_at_connect_when_an_allowlisted_name_resolves_to_a_loopback_address(
    serve: Serve, port: int, fixture_bytes: Callable[[str], bytes]
) -> None:
    seen: list[web.Request] = []
    await serve(recording(seen, fixture_bytes("send_success_response.json")))

    async with CloudApiClient(
        timeout_seconds=TIMEOUT_SECONDS,
        connect_timeout_seconds=TIMEOUT_SECONDS,
        api_hosts=allowing(f"http://sim.test:{port}"),
        base_resolver=lambda: FixedResolver("127.0.0.1"),
    ) as client:
        result = await client.send(make_request(f"http://sim.test:{port}/v23.0"))

    assert_failed_as(result, ErrorClass.HALTING)
    assert result.error is not None
    assert "sim.test resolves to 127.0.0.1, a loopback address" in result.error.message
    assert seen == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_sends_when_the_allowlisted_origin_names_localhost_or_the_address(
    serve: Serve, port: int, fixture_bytes: Callable[[str], bytes], host: str
) -> None:
    seen: list[web.Request] = []
    await serve(recording(seen, fixture_bytes("send_success_response.json")))

    async with CloudApiClient(
        timeout_seconds=TIMEOUT_SECONDS,
        connect_timeout_seconds=TIMEOUT_SECONDS,
        api_hosts=allowing(f"http://{host}:{port}"),
    ) as client:
        result = await client.send(make_request(f"http://{host}:{port}/v23.0"))

    assert result.wamid == WAMID
    assert len(seen) == 1


async def test_quotes_a_stored_phone_number_id_that_is_not_digits(
    serve: Serve, client: CloudApiClient, fixture_bytes: Callable[[str], bytes]
) -> None:
    seen: list[web.Request] = []
    base_url = await serve(recording(seen, fixture_bytes("send_success_response.json")))

    request = dataclasses.replace(make_request(base_url), phone_number_id="1/../../x")
    result = await client.send(request)

    assert result.wamid == WAMID
    assert [r.match_info["phone_number_id"] for r in seen] == ["1/../../x"]


FIFTY_MB = 50 * 1024 * 1024
STREAM_CHUNK = 64 * 1024


async def test_cuts_a_50_mb_answer_at_the_cap_and_drops_the_connection(
    serve: Serve, client: CloudApiClient
) -> None:
    written = 0
    finished = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        # Chunked, without a Content-Length: the client only learns the size by reading.
        answer = web.StreamResponse(headers={"Content-Type": "application/json"})
        answer.enable_chunked_encoding()
        await answer.prepare(request)
        try:
            while written < FIFTY_MB:
                await answer.write(b" " * STREAM_CHUNK)
                written += STREAM_CHUNK
        except ConnectionError:
            pass
        finally:
            finished.set()
        return answer

    result = await client.send(make_request(await serve(endless)))
    await asyncio.wait_for(finished.wait(), timeout=10)

    assert_failed_as(result, ErrorClass.TRANSIENT)
    assert result.error is not None
    assert result.error.message == (
        "HTTP 200 with a response larger than 1 MB; cut; the message may have been accepted"
    )
    # What the kernel's socket buffers took, not 50 MB.
    assert written < FIFTY_MB // 4


async def test_refuses_an_answer_whose_declared_length_passes_the_cap_without_reading_it(
    serve: Serve, client: CloudApiClient
) -> None:
    base_url = await serve(answer_with(500, b"x" * (MAX_RESPONSE_BYTES + 1), "text/html"))

    result = await client.send(make_request(base_url))

    assert_failed_as(result, ErrorClass.TRANSIENT)
    assert result.error is not None
    assert result.error.message == "HTTP 500 with a response larger than 1 MB; cut"


async def test_reads_an_answer_of_exactly_the_cap(serve: Serve, client: CloudApiClient) -> None:
    body = b'{"error": {"code": 131026, "message": "long"}}'
    base_url = await serve(answer_with(400, body.ljust(MAX_RESPONSE_BYTES)))

    result = await client.send(make_request(base_url))

    assert result.error is not None
    assert (result.error.code, result.error.message) == (131026, "(#131026) long")


async def test_keeps_300_characters_of_a_10_kb_error_message_without_its_control_characters(
    serve: Serve, client: CloudApiClient
) -> None:
    message = "\x1b[31mBad\r\nthing\u202e " + "x" * 10_000
    body = json.dumps({"error": {"code": 131026, "message": message, "fbtrace_id": "A\nB"}})
    base_url = await serve(answer_with(400, body.encode()))

    result = await client.send(make_request(base_url))

    assert result.error is not None
    text = result.error.message.removeprefix("(#131026) ")
    assert text.startswith("[31mBad thing x")
    assert len(text) == 300
    assert text.endswith("…")
    assert all(char.isprintable() for char in result.error.message)
    assert "fbtrace_id" not in result.error.message


async def test_keeps_the_token_out_when_the_cut_would_fall_inside_it(
    serve: Serve, client: CloudApiClient
) -> None:
    body = json.dumps({"error": {"code": 190, "message": "y" * 295 + TOKEN}})
    base_url = await serve(answer_with(401, body.encode()))

    result = await client.send(make_request(base_url))

    assert result.error is not None
    assert "test" not in result.error.message  # not even the start of the token
