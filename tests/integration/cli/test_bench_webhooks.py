"""`pytake bench webhooks` end to end on a few messages: a served app, real HTTP, JSON figures."""

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
    """A group, as in `pytake`, so `bench webhooks` is a subcommand path."""


def test_webhook_bench_writes_its_figures_when_run_on_a_few_messages(tmp_path: Path) -> None:
    report = tmp_path / "webhooks.json"
    arguments = ["--messages", "120", "--statuses-per-body", "50", "--posters", "3"]

    result = CliRunner().invoke(app, ["bench", "webhooks", *arguments, "--json", str(report)])

    assert result.exit_code == 0, result.output
    figures = json.loads(report.read_text())
    assert figures["statuses"] == figures["answers"]["received"] == 360
    assert figures["bodies"] == 9
    assert figures["final_statuses"] == {"read": 120}
    assert figures["statuses_per_second"] > 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]


def test_webhook_bench_refuses_a_body_size_when_it_is_over_meta_batches() -> None:
    result = CliRunner().invoke(app, ["bench", "webhooks", "--statuses-per-body", "1001"])
    assert result.exit_code == 2
