"""The engine benchmark's report: a Rich table for people, a JSON document for machines."""

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from pytake.cli.benchmarks.results import RunResult


@dataclass(frozen=True, slots=True)
class Conditions:
    """What both runs had in common, printed with the figures so they can be reproduced."""

    contacts: int
    database: str
    transient_rate: float
    delay_scale: float
    dispatch_batch_size: int
    send_concurrency: int
    dispatch_interval_seconds: float


@dataclass(frozen=True, slots=True)
class BenchReport:
    conditions: Conditions
    engine: RunResult
    baseline: RunResult

    @property
    def baseline_speedup(self) -> float:
        """How many times more messages per second the engine sent than the naive design."""
        baseline = self.baseline.messages_per_second
        return self.engine.messages_per_second / baseline if baseline > 0 else 0.0

    @property
    def baseline_stopped_early(self) -> bool:
        return self.baseline.contacts < self.conditions.contacts


def _figures(run: RunResult) -> dict[str, Any]:
    return {
        "contacts": run.contacts,
        "sent": run.sent,
        "failed": run.failed,
        "attempts": run.attempts,
        "seconds": round(run.seconds, 3),
        "messages_per_second": round(run.messages_per_second, 1),
        "cpu_seconds": round(run.cpu_seconds, 3),
        "attempts_per_cpu_second": round(run.attempts_per_cpu_second, 1),
        "write_cost_start_ms": round(run.write_cost.start_seconds * 1000, 4),
        "write_cost_end_ms": round(run.write_cost.end_seconds * 1000, 4),
        "write_cost_growth": round(run.write_cost.growth, 3),
        "write_cost_tail_attempts_excluded": run.tail_attempts,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
    }


def report_json(report: BenchReport) -> dict[str, Any]:
    """The engine's figures at the top level (API.md's keys), the baseline's nested."""
    return {
        "benchmark": "engine",
        **_figures(report.engine),
        "baseline_speedup": round(report.baseline_speedup, 2),
        "baseline": {**_figures(report.baseline), "stopped_early": report.baseline_stopped_early},
        "conditions": {
            "contacts": report.conditions.contacts,
            "database": report.conditions.database,
            "transient_rate": report.conditions.transient_rate,
            "delay_scale": report.conditions.delay_scale,
            "dispatch_batch_size": report.conditions.dispatch_batch_size,
            "send_concurrency": report.conditions.send_concurrency,
            "dispatch_interval_seconds": report.conditions.dispatch_interval_seconds,
        },
    }


_ROWS = (
    ("contacts finished", "contacts", "{:,}"),
    ("sent / failed", None, ""),
    ("attempts", "attempts", "{:,}"),
    ("seconds", "seconds", "{:,.2f}"),
    ("messages/s", "messages_per_second", "{:,.0f}"),
    ("attempts per CPU-second", "attempts_per_cpu_second", "{:,.0f}"),
    ("write cost per attempt, start (ms)", "write_cost_start_ms", "{:.4f}"),
    ("write cost per attempt, end (ms)", "write_cost_end_ms", "{:.4f}"),
    ("write cost growth (end ÷ start)", "write_cost_growth", "{:.2f}×"),
    ("peak RSS (MB)", "peak_rss_mb", "{:,.0f}"),
)


def _table(report: BenchReport) -> Table:
    table = Table(title=f"pytake bench engine: {report.conditions.contacts:,} contacts")
    table.add_column("")
    table.add_column("engine", justify="right")
    table.add_column("naive baseline", justify="right")
    runs = (report.engine, report.baseline)
    figures = [_figures(run) for run in runs]
    for label, key, style in _ROWS:
        if key is None:
            table.add_row(label, *(f"{run.sent:,} / {run.failed:,}" for run in runs))
        else:
            table.add_row(label, *(style.format(values[key]) for values in figures))
    return table


def _notes(report: BenchReport) -> list[str]:
    conditions, baseline = report.conditions, report.baseline
    notes = [
        f"Engine vs naive baseline: {report.baseline_speedup:,.1f}× the messages per second "
        "(contacts finished ÷ seconds; the engine's seconds run from the start request, "
        "message rows materialised, to completed).",
        f"Simulator in its own process over HTTP, no throughput limit, "
        f"{conditions.transient_rate:.0%} transient failures; database: {conditions.database}.",
        f"Scaled delays: retry delays run {conditions.delay_scale:g}× faster for both designs "
        "(the baseline sleeps delay ÷ scale; the engine's clock runs scale× faster while it "
        "has nothing to send but retries not yet due).",
        "Write cost per attempt: wall time of the write transactions ÷ attempts written, over "
        "the first and the last 10% of attempts (the engine's on_flush hook; it includes the "
        "event loop's other work done while a write waits). Left out: the engine's "
        f"{report.engine.tail_attempts:,} retry-tail attempts, written a few at a time after "
        "every first attempt was recorded.",
        "Attempts per CPU-second: attempts ÷ the CPU time of this process (every thread, the "
        "database driver's included) from the start to the end of the run; the simulator's "
        "CPU is not counted, it runs in its own process.",
        "Peak RSS is this process's high-water mark: engine column after the engine run, "
        "baseline column after both runs.",
    ]
    if report.baseline_stopped_early:
        notes.append(
            f"The baseline was stopped early, after {baseline.contacts:,} of "
            f"{conditions.contacts:,} contacts (--baseline-seconds / --baseline-contacts): its "
            "cost per write keeps growing with every attempt, so the ratio flatters it."
        )
    return notes


def render_report(report: BenchReport, console: Console) -> None:
    console.print(_table(report))
    for note in _notes(report):
        console.print(f"• {note}", highlight=False)
