"""The webhook benchmark's load: signed status bodies, posted by concurrent posters, timed."""

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from pytake.cli.benchmarks.errors import BenchError
from pytake.whatsapp.webhook import SIGNATURE_HEADER, sign

_STAGES = ("sent", "delivered", "read")
_POST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SignedBody:
    body: bytes
    signature: str
    statuses: int


@dataclass(slots=True)
class LoadResult:
    seconds: float = 0.0
    statuses: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[
            round(share * 100) - 1
        ]


def _envelope(statuses: list[dict[str, Any]]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": statuses,
    }
    entry = {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}
    document = {"object": "whatsapp_business_account", "entry": [entry]}
    return json.dumps(document, separators=(",", ":")).encode()


def _status(wamid: str, stage: str, at: int) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id": wamid,
        "status": stage,
        "timestamp": str(at),
        "recipient_id": "5511900000000",
    }
    if stage != "read":
        status["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "marketing"}
    return status


def build_bodies(wamids: list[str], *, per_body: int, app_secret: str) -> list[SignedBody]:
    """Meta's order: each group of messages is sent, then delivered, then read."""
    bodies: list[SignedBody] = []
    at = int(time.time())
    for start in range(0, len(wamids), per_body):
        group = wamids[start : start + per_body]
        for offset, stage in enumerate(_STAGES):
            body = _envelope([_status(wamid, stage, at + offset) for wamid in group])
            bodies.append(SignedBody(body, sign(body, app_secret), len(group)))
    return bodies


async def post_all(url: str, bodies: list[SignedBody], *, posters: int) -> LoadResult:
    """Posts every body through `posters` concurrent connections; the clock runs throughout."""
    queue: asyncio.Queue[SignedBody] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    result = LoadResult()
    timeout = aiohttp.ClientTimeout(total=_POST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=posters)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_poster(session, url, queue, result) for _ in range(posters)))
        result.seconds = time.perf_counter() - started
    return result


async def _poster(
    session: aiohttp.ClientSession, url: str, queue: asyncio.Queue[SignedBody], result: LoadResult
) -> None:
    while not queue.empty():
        item = queue.get_nowait()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: item.signature}
        sent = time.perf_counter()
        async with session.post(url, data=item.body, headers=headers) as answer:
            payload = await answer.read()
            if answer.status != 200:
                raise BenchError(f"POST {url} answered {answer.status}: {payload[:200]!r}")
        result.latencies_ms.append((time.perf_counter() - sent) * 1000)
        result.statuses += item.statuses
        for key, value in json.loads(payload).items():
            if isinstance(value, int) and not isinstance(value, bool):
                result.answers[key] = result.answers.get(key, 0) + value
