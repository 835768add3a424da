"""`pytake bench import` end to end on a small CSV: a served app, real HTTP, JSON figures."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pytake.cli.bench import bench_app

pytestmark = pytest.mark.integration

app = typer.Typer(rich_markup_mode=None)
app.add_typer(bench_app, name="bench")


@app.callback()
def _root() -> None:
    """A group, as in `pytake`, so `bench import` is a subcommand path."""


def test_import_bench_writes_its_figures_when_run_on_a_small_csv(tmp_path: Path) -> None:
    report = tmp_path / "import.json"

    result = CliRunner().invoke(app, ["bench", "import", "--rows", "3000", "--json", str(report)])

    assert result.exit_code == 0, result.output
    figures = json.loads(report.read_text())
    assert (figures["rows"], figures["created"], figures["errors_total"]) == (3000, 2997, 3)
    assert figures["updated"] == 0
    assert figures["rows_per_second"] > 0
    assert figures["health_polls"] >= 1
    assert 0 < figures["health_p50_ms"] <= figures["health_p99_ms"] <= figures["health_max_ms"]
    assert figures["serve_rss_before_mb"] > 0
    assert figures["serve_rss_growth_mb"] >= 0
    assert "GET /health p99" in result.output


def test_import_bench_refuses_a_row_count_when_it_is_zero() -> None:
    result = CliRunner().invoke(app, ["bench", "import", "--rows", "0"])
    assert result.exit_code == 2
