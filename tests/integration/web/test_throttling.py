"""Failed credentials throttled per client address: sign-ins and API keys, in-process, Redis."""

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.web.app import create_app
from pytake.web.throttling import LIMIT, WINDOW_SECONDS
from support.dashboard import LOOPBACK_URL, api_key_of, error_for
from support.redis import RedisServer, redis_server

pytestmark = pytest.mark.integration

BAD_KEY = {"Authorization": "Bearer ptk_guessed"}
Client = Callable[[Runtime, str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(scope="module")
def throttle_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(Path(tmp_path_factory.mktemp("throttle-redis"))) as server:
        yield server


@pytest.fixture(params=["in-process", "redis"])
def settings_overrides(
    request: pytest.FixtureRequest, throttle_redis: RedisServer
) -> dict[str, object]:
    return {"redis_url": throttle_redis.url} if request.param == "redis" else {}


@pytest.fixture
def address() -> str:
    """An address of this test alone: Redis keeps counts between the tests of a run."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@asynccontextmanager
async def client_at(runtime: Runtime, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a new app (a new API process) around the runtime, calling from `address`."""
    transport = httpx.ASGITransport(
        app=create_app(runtime, manage_runtime=False), client=(address, 40000)
    )
    async with httpx.AsyncClient(transport=transport, base_url=LOOPBACK_URL) as client:
        yield client


async def bad_sign_ins(client: httpx.AsyncClient, count: int) -> list[int]:
    return [
        (await client.post("/sign-in", data={"api_key": "ptk_guessed"})).status_code
        for _ in range(count)
    ]


async def bad_calls(client: httpx.AsyncClient, count: int) -> list[int]:
    return [
        (await client.get("/api/v1/campaigns", headers=BAD_KEY)).status_code for _ in range(count)
    ]


def retry_after(answer: httpx.Response) -> int:
    seconds = int(answer.headers["retry-after"])
    assert 1 <= seconds <= WINDOW_SECONDS
    return seconds


async def test_the_21st_bad_sign_in_within_a_minute_is_429_with_retry_after_even_for_a_good_key(
    runtime: Runtime, address: str, auth: dict[str, str]
) -> None:
    async with client_at(runtime, address) as browser:
        assert await bad_sign_ins(browser, LIMIT) == [401] * LIMIT
        throttled = await browser.post("/sign-in", data={"api_key": api_key_of(auth)})
        assert throttled.status_code == 429
        seconds = retry_after(throttled)
        assert f"Try again in {seconds} s" in (error_for(throttled.text, "api_key") or "")
        assert "set-cookie" not in throttled.headers


async def test_a_bad_api_key_hammered_21_times_is_429_and_a_good_key_too_while_throttled(
    runtime: Runtime, address: str, auth: dict[str, str]
) -> None:
    async with client_at(runtime, address) as api:
        assert await bad_calls(api, LIMIT) == [401] * LIMIT
        hammered = await api.get("/api/v1/campaigns", headers=BAD_KEY)
        assert hammered.status_code == 429
        assert "retry in" in hammered.json()["detail"]
        retry_after(hammered)
        good = await api.get("/api/v1/campaigns", headers=auth)
        assert good.status_code == 429
    async with client_at(runtime, "203.0.113.9") as elsewhere:
        assert (await elsewhere.get("/api/v1/campaigns", headers=auth)).status_code == 200


async def test_sign_ins_and_api_keys_count_together_per_address(
    runtime: Runtime, address: str
) -> None:
    async with client_at(runtime, address) as client:
        assert await bad_sign_ins(client, LIMIT // 2) == [401] * (LIMIT // 2)
        assert await bad_calls(client, LIMIT - LIMIT // 2) == [401] * (LIMIT - LIMIT // 2)
        assert await bad_calls(client, 1) == [429]
        assert await bad_sign_ins(client, 1) == [429]


async def test_good_keys_are_not_counted_when_used_between_bad_ones(
    runtime: Runtime, address: str, auth: dict[str, str]
) -> None:
    async with client_at(runtime, address) as api:
        for _ in range(3):
            assert await bad_calls(api, LIMIT // 4) == [401] * (LIMIT // 4)
            for _ in range(10):
                assert (await api.get("/api/v1/campaigns", headers=auth)).status_code == 200
        assert await bad_calls(api, LIMIT - 3 * (LIMIT // 4)) == [401] * (LIMIT - 3 * (LIMIT // 4))
        assert await bad_calls(api, 1) == [429]


async def test_the_address_may_try_again_when_a_minute_has_passed_since_its_failures(
    runtime: Runtime, address: str, auth: dict[str, str], clock: OffsetClock
) -> None:
    async with client_at(runtime, address) as api:
        await bad_calls(api, LIMIT)
        assert await bad_calls(api, 1) == [429]
        clock.advance(WINDOW_SECONDS + 1)
        assert (await api.get("/api/v1/campaigns", headers=auth)).status_code == 200
        assert await bad_calls(api, 1) == [401]


async def test_the_signed_in_dashboard_keeps_working_when_its_address_is_throttled(
    runtime: Runtime, address: str, auth: dict[str, str]
) -> None:
    async with client_at(runtime, address) as browser:
        answer = await browser.post("/sign-in", data={"api_key": api_key_of(auth)})
        assert answer.status_code == 303
        await bad_sign_ins(browser, LIMIT)
        assert (await browser.get("/")).status_code == 200
        assert (await browser.get("/api/v1/campaigns")).status_code == 200


@pytest.mark.parametrize("settings_overrides", ["redis"], indirect=True)
async def test_failures_seen_by_one_api_process_throttle_another_when_they_share_redis(
    runtime: Runtime, address: str
) -> None:
    other_process = Runtime(runtime.settings)
    try:
        async with (
            client_at(runtime, address) as first,
            client_at(other_process, address) as second,
        ):
            assert await bad_calls(first, LIMIT) == [401] * LIMIT
            assert await bad_calls(second, 1) == [429]
    finally:
        await other_process.stop()


@pytest.mark.parametrize("settings_overrides", ["in-process"], indirect=True)
async def test_failures_are_still_throttled_in_the_process_when_redis_is_down(
    runtime: Runtime, tmp_path: Path, address: str
) -> None:
    with redis_server(tmp_path) as server:
        down = Runtime(runtime.settings.model_copy(update={"redis_url": server.url}))
        server.stop()
        try:
            async with client_at(down, address) as api:
                assert await bad_calls(api, LIMIT) == [401] * LIMIT
                assert await bad_calls(api, 1) == [429]
        finally:
            await down.stop()
