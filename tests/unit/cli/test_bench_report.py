"""The engine benchmark's JSON document and printed report."""

import io

import pytest
from rich.console import Console

from pytake.cli.benchmarks.report import BenchReport, Conditions, render_report, report_json
from pytake.cli.benchmarks.results import RunResult
from pytake.cli.benchmarks.write_cost import WriteCost

pytestmark = pytest.mark.unit

CONDITIONS = Conditions(
    contacts=1000,
    database="sqlite",
    transient_rate=0.05,
    delay_scale=1000.0,
    dispatch_batch_size=500,
    send_concurrency=128,
    dispatch_interval_seconds=0.05,
)


def _run(contacts: int, seconds: float, end_ms: float = 0.2) -> RunResult:
    return RunResult(
        contacts=contacts,
        sent=contacts - 1,
        failed=1,
        attempts=contacts + 50,
        seconds=seconds,
        write_cost=WriteCost(start_seconds=0.0002, end_seconds=end_ms / 1000),
        peak_rss_mb=120.0,
        cpu_seconds=seconds / 2,
    )


def _printed(report: BenchReport) -> str:
    output = io.StringIO()
    render_report(report, Console(file=output, width=200))
    return output.getvalue()


def test_json_has_the_keys_api_md_names_when_reported() -> None:
    document = report_json(BenchReport(CONDITIONS, _run(1000, 0.5), _run(1000, 10.0)))

    assert document["messages_per_second"] == 2000.0
    assert document["attempts_per_cpu_second"] == 4200.0
    assert document["write_cost_growth"] == 1.0
    assert document["peak_rss_mb"] == 120.0
    assert document["baseline_speedup"] == 20.0


def test_baseline_figures_are_nested_when_reported() -> None:
    document = report_json(BenchReport(CONDITIONS, _run(1000, 0.5), _run(200, 10.0, end_ms=2.0)))

    assert document["baseline"]["messages_per_second"] == 20.0
    assert document["baseline"]["write_cost_growth"] == 10.0
    assert document["baseline"]["stopped_early"] is True


def test_speedup_is_zero_when_the_baseline_finished_nothing() -> None:
    assert BenchReport(CONDITIONS, _run(1000, 0.5), _run(0, 1.0)).baseline_speedup == 0.0


def test_report_says_the_ratio_flatters_the_baseline_when_it_was_stopped_early() -> None:
    printed = _printed(BenchReport(CONDITIONS, _run(1000, 0.5), _run(200, 10.0)))

    assert "stopped early, after 200 of 1,000 contacts" in printed
    assert "flatters it" in printed


def test_report_makes_no_early_stop_claim_when_the_baseline_sent_every_contact() -> None:
    printed = _printed(BenchReport(CONDITIONS, _run(1000, 0.5), _run(1000, 10.0)))

    assert "stopped early" not in printed
    assert "20.0×" in printed


def test_report_states_that_delays_are_scaled_when_printed() -> None:
    printed = _printed(BenchReport(CONDITIONS, _run(1000, 0.5), _run(1000, 10.0)))

    assert "Scaled delays: retry delays run 1000× faster for both designs" in printed
