"""The import benchmark's load: a generated CSV uploaded over HTTP while /health is timed and
the server's memory is sampled."""

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.preparation import bench_contacts

POLL_INTERVAL_SECONDS = 0.05
# One row in this many has a phone that is no number, so the run reports row errors too.
BAD_ROW_EVERY = 1000
_UPLOAD_TIMEOUT_SECONDS = 3600.0
_WRITE_BATCH = 10_000


def write_csv(path: Path, rows: int) -> int:
    """`rows` contacts (name, phone, an attribute) to `path`; returns the file's size."""
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("name,phone,city\n")
        batch: list[str] = []
        for index, contact in enumerate(bench_contacts(rows), start=1):
            phone = "12" if index % BAD_ROW_EVERY == 0 else contact.phone
            batch.append(f"{contact.name},{phone},SP\n")
            if len(batch) == _WRITE_BATCH:
                file.write("".join(batch))
                batch = []
        file.write("".join(batch))
    return path.stat().st_size


@dataclass(slots=True)
class ImportLoad:
    """What the upload answered and what was seen meanwhile."""

    seconds: float = 0.0
    answer: dict[str, Any] = field(default_factory=dict)
    health_ms: list[float] = field(default_factory=list)
    rss_before_kb: int = 0
    rss_peak_kb: int = 0

    def health_percentile(self, share: float) -> float:
        """Nearest rank: the smallest latency at least `share` of the polls did not exceed."""
        if not self.health_ms:
            return 0.0
        ordered = sorted(self.health_ms)
        return ordered[max(0, round(share * len(ordered)) - 1)]


def rss_kb(pid: int) -> int:
    """The process's resident memory now (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


async def upload_while_polling(url: str, api_key: str, csv_path: Path, *, pid: int) -> ImportLoad:
    """Posts the CSV to the import route; every 50 ms meanwhile, times GET /health (one at a
    time, on a connection of its own) and samples the server's RSS."""
    load = ImportLoad(rss_before_kb=rss_kb(pid))
    load.rss_peak_kb = load.rss_before_kb
    done = asyncio.Event()
    poller = asyncio.create_task(_poll(f"{url}/health", pid, load, done))
    try:
        started = time.perf_counter()
        load.answer = await _upload(f"{url}/api/v1/contacts/import", api_key, csv_path)
        load.seconds = time.perf_counter() - started
    finally:
        done.set()
        await poller
    return load


async def _upload(url: str, api_key: str, csv_path: Path) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=_UPLOAD_TIMEOUT_SECONDS)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with csv_path.open("rb") as file:
            form = aiohttp.FormData()
            form.add_field("file", file, filename=csv_path.name, content_type="text/csv")
            async with session.post(url, data=form, headers=headers) as answer:
                payload = await answer.read()
                if answer.status != 200:
                    raise BenchError(f"POST {url} answered {answer.status}: {payload[:300]!r}")
    answer_json: dict[str, Any] = json.loads(payload)
    return answer_json


async def _poll(url: str, pid: int, load: ImportLoad, done: asyncio.Event) -> None:
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not done.is_set():
            sent = time.perf_counter()
            async with session.get(url) as answer:
                await answer.read()
                if answer.status != 200:
                    raise BenchError(f"GET {url} answered {answer.status} during the import")
            took = time.perf_counter() - sent
            load.health_ms.append(took * 1000)
            load.rss_peak_kb = max(load.rss_peak_kb, rss_kb(pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), max(0.0, POLL_INTERVAL_SECONDS - took))
