"""Runs the engine benchmark: the simulator in its own process, the engine, then the baseline."""

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from pytake.cli.benchmarks.baseline import run_baseline
from pytake.cli.benchmarks.cluster import ClusterRun, run_cluster_bench
from pytake.cli.benchmarks.engine import run_engine
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.report import BenchReport, Conditions
from pytake.cli.processes import free_port, simulator_process, wait_until_answering
from pytake.core.origins import origin_of
from pytake.core.secrets import generate_key
from pytake.core.settings import Settings
from pytake.whatsapp.simulator import API_VERSION

# Retry delays pass this many times faster for both designs (10 s → 10 ms).
DELAY_SCALE = 1000.0
SIMULATOR_SEED = 1
# The engine's defaults, except that due retries are polled for every 50 ms instead of 250 ms:
# with delays scaled 1000×, a 250 ms poll would stand for four minutes. Larger batches and
# more concurrency measured no faster on 2 cores (the engine's CPU is the limit, not waiting).
ENGINE_KNOBS: dict[str, Any] = {
    "dispatch_batch_size": 500,
    "send_concurrency": 128,
    "dispatch_interval_seconds": 0.05,
}


@dataclass(frozen=True, slots=True)
class BenchOptions:
    contacts: int
    transient_rate: float
    baseline_contacts: int
    baseline_seconds: float
    database_url: str | None


def bench_settings(database_url: str, *, api_hosts: str | None = None) -> Settings:
    """The product's settings with the engine's knobs as the bench runs them.

    A pydantic ValidationError names a bad `database_url`.
    """
    return Settings(
        database_url=database_url,
        executor="inprocess",
        whatsapp_api_hosts=api_hosts,
        **ENGINE_KNOBS,
    )


async def run_engine_bench(options: BenchOptions) -> BenchReport:
    """The database defaults to a fresh SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="pytake-bench-") as workdir:
        directory = Path(workdir)
        async with _simulator(options.transient_rate) as api_base_url:
            settings = bench_settings(
                options.database_url or f"sqlite+aiosqlite:///{directory / 'bench.db'}",
                api_hosts=str(origin_of(api_base_url)),
            )
            if options.database_url is None:
                # A throwaway database: a throwaway key, rather than a key file to back up.
                settings = settings.model_copy(update={"secret_key": SecretStr(generate_key())})
            engine = await run_engine(
                settings,
                contacts=options.contacts,
                api_base_url=api_base_url,
                delay_scale=DELAY_SCALE,
            )
            baseline = await run_baseline(
                settings,
                contacts=min(options.baseline_contacts, options.contacts),
                max_seconds=options.baseline_seconds,
                api_base_url=api_base_url,
                delay_scale=DELAY_SCALE,
            )
    return BenchReport(_conditions(options, settings), engine, baseline)


async def run_cluster_engine_bench(
    options: BenchOptions, *, workers: list[int], redis_url: str
) -> list[ClusterRun]:
    """The engine in `pytake worker` processes: one run per worker count, on PostgreSQL."""
    assert options.database_url is not None
    async with _simulator(options.transient_rate) as api_base_url:
        return await run_cluster_bench(
            database_url=options.database_url,
            redis_url=redis_url,
            contacts=options.contacts,
            workers=workers,
            api_base_url=api_base_url,
        )


@contextlib.asynccontextmanager
async def _simulator(transient_rate: float) -> AsyncIterator[str]:
    """`pytake simulator` without a throughput limit, in its own process; yields its API base."""
    options = ["--transient-rate", str(transient_rate), "--seed", str(SIMULATOR_SEED)]
    with simulator_process(free_port(), *options) as url:
        try:
            await wait_until_answering(f"{url}/_sim/health")
        except RuntimeError as exc:
            raise BenchError(f"the simulator did not start: {exc}") from None
        yield f"{url}/{API_VERSION}"


def _conditions(options: BenchOptions, settings: Settings) -> Conditions:
    return Conditions(
        contacts=options.contacts,
        database="sqlite" if settings.is_sqlite else "postgresql",
        transient_rate=options.transient_rate,
        delay_scale=DELAY_SCALE,
        dispatch_batch_size=settings.dispatch_batch_size,
        send_concurrency=settings.send_concurrency,
        dispatch_interval_seconds=settings.dispatch_interval_seconds,
    )
