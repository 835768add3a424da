"""Runs the import benchmark: `pytake serve` in its own process on a fresh SQLite database,
a generated CSV uploaded to it, and the figures of that run."""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pytake.bootstrap import migrate
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.import_load import (
    BAD_ROW_EVERY,
    POLL_INTERVAL_SECONDS,
    ImportLoad,
    upload_while_polling,
    write_csv,
)
from pytake.cli.processes import free_port, pytake_process, wait_until_answering
from pytake.core.db import Database
from pytake.organizations.service import create_api_key, get_or_create_organization

_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportBenchReport:
    rows: int
    csv_bytes: int
    load: ImportLoad

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.load.seconds if self.load.seconds > 0 else 0.0

    @property
    def rss_growth_mb(self) -> float:
        return (self.load.rss_peak_kb - self.load.rss_before_kb) / 1024


async def run_import_bench(rows: int) -> ImportBenchReport:
    with tempfile.TemporaryDirectory(prefix="pytake-bench-") as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
        api_key = await _prepare(database_url)
        csv_path = Path(workdir) / "contacts.csv"
        csv_bytes = write_csv(csv_path, rows)
        port = free_port()
        env = {"PYTAKE_DATABASE_URL": database_url, "PYTAKE_LOG_LEVEL": "WARNING"}
        with pytake_process("serve", "--port", str(port), env=env) as serve:
            url = f"http://127.0.0.1:{port}"
            try:
                await wait_until_answering(f"{url}/health", timeout=60)
            except RuntimeError as exc:
                raise BenchError(f"pytake serve did not start: {exc}") from None
            load = await upload_while_polling(url, api_key, csv_path, pid=serve.pid)
    answer = load.answer
    if answer["created"] + answer["errors_total"] != rows:
        raise BenchError(f"{rows:,} rows sent, but the import answered {answer}")
    return ImportBenchReport(rows, csv_bytes, load)


async def _prepare(database_url: str) -> str:
    db = Database(database_url)
    try:
        await migrate(db)
        async with db.transaction() as session:
            organization = await get_or_create_organization(session, "bench")
            return await create_api_key(session, organization)
    finally:
        await db.dispose()


def report_json(report: ImportBenchReport) -> dict[str, Any]:
    load = report.load
    return {
        "benchmark": "import",
        "rows": report.rows,
        "csv_mb": round(report.csv_bytes / _MB, 1),
        "seconds": round(load.seconds, 2),
        "rows_per_second": round(report.rows_per_second, 1),
        "health_p50_ms": round(load.health_percentile(0.50), 2),
        "health_p99_ms": round(load.health_percentile(0.99), 2),
        "health_max_ms": round(max(load.health_ms, default=0.0), 2),
        "health_polls": len(load.health_ms),
        "serve_rss_before_mb": round(load.rss_before_kb / 1024, 1),
        "serve_rss_peak_mb": round(load.rss_peak_kb / 1024, 1),
        "serve_rss_growth_mb": round(report.rss_growth_mb, 1),
        "created": load.answer["created"],
        "updated": load.answer["updated"],
        "errors_total": load.answer["errors_total"],
        "conditions": {
            "database": "sqlite",
            "server": "pytake serve, one process, its in-process engine idle",
            "health_poll_interval_ms": round(POLL_INTERVAL_SECONDS * 1000),
            "bad_row_every": BAD_ROW_EVERY,
        },
    }


def render_report(report: ImportBenchReport, console: Console) -> None:
    figures = report_json(report)
    table = Table(title=f"pytake bench import: {figures['rows']:,} rows, {figures['csv_mb']} MB")
    table.add_column("")
    table.add_column("figure", justify="right")
    for label, key, style in (
        ("rows imported per second", "rows_per_second", "{:,.0f}"),
        ("GET /health p50 (ms)", "health_p50_ms", "{:,.1f}"),
        ("GET /health p99 (ms)", "health_p99_ms", "{:,.1f}"),
        ("GET /health max (ms)", "health_max_ms", "{:,.1f}"),
        ("serve RSS growth (MB)", "serve_rss_growth_mb", "{:,.1f}"),
        ("contacts created", "created", "{:,}"),
        ("row errors", "errors_total", "{:,}"),
        ("seconds", "seconds", "{:,.2f}"),
    ):
        table.add_row(label, style.format(figures[key]))
    console.print(table)
    console.print(
        f"• One CSV upload to POST /api/v1/contacts/import of `pytake serve` (its own process, "
        f"SQLite), one row in {BAD_ROW_EVERY:,} with a bad phone; GET /health polled every "
        f"{round(POLL_INTERVAL_SECONDS * 1000)} ms meanwhile ({figures['health_polls']:,} polls); "
        "targets: /health p99 < 200 ms, RSS growth < 150 MB.",
        highlight=False,
    )
