"""`pytake bench engine` end to end on a small campaign, and the naive baseline it compares with."""

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from pytake.cli.bench import bench_app
from pytake.cli.benchmarks.baseline import NaiveCampaign
from pytake.cli.benchmarks.preparation import bench_contacts
from pytake.core.db import Database
from pytake.core.origins import OriginAllowlist, origin_of
from pytake.whatsapp.client import CloudApiClient
from pytake.whatsapp.simulator import SimulatorConfig, parse_rule, running_simulator

pytestmark = pytest.mark.integration

app = typer.Typer(rich_markup_mode=None)
app.add_typer(bench_app, name="bench")


@app.callback()
def _root() -> None:
    """A group, as in `pytake`, so `bench engine` is a subcommand path."""


def test_engine_bench_writes_sane_figures_when_run_on_a_small_campaign(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    arguments = ["--contacts", "300", "--baseline-contacts", "40", "--json", str(report)]

    result = CliRunner().invoke(
        app, ["bench", "engine", *arguments, "--database-url", database_url]
    )

    assert result.exit_code == 0, result.output
    figures = json.loads(report.read_text())
    assert figures["contacts"] == figures["sent"] + figures["failed"] == 300
    assert figures["attempts"] >= 300
    assert figures["messages_per_second"] > 0
    assert figures["attempts_per_cpu_second"] > 0
    assert figures["baseline"]["attempts_per_cpu_second"] > 0
    assert figures["write_cost_growth"] > 0
    assert figures["peak_rss_mb"] > 0
    assert figures["baseline_speedup"] > 0
    assert figures["baseline"]["contacts"] == 40
    assert figures["baseline"]["stopped_early"] is True
    assert "naive baseline" in result.output


async def test_baseline_rewrites_every_contacts_history_when_a_contact_is_retried(
    tmp_path: Path,
) -> None:
    first, second = bench_contacts(2)
    config = SimulatorConfig(port=0, seed=1, rules=(parse_rule(f"{second.phone}:131000:2"),))
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'naive.db'}")
    try:
        async with running_simulator(config) as simulator:
            allowed = OriginAllowlist.of([origin_of(simulator.url)])
            async with CloudApiClient(
                timeout_seconds=5, connect_timeout_seconds=5, api_hosts=allowed
            ) as client:
                campaign = NaiveCampaign(
                    db, client, api_base_url=simulator.base_url, delay_scale=1000
                )
                await campaign.create_row()
                sent = [await campaign.send(first), await campaign.send(second)]
        async with db.session() as session:
            stored = await session.scalar(text("SELECT history FROM bench_naive_campaign"))
    finally:
        await db.dispose()

    history = json.loads(stored)
    assert sent == [True, True]
    assert [a["success"] for a in history[second.phone]] == [False, False, True]
    assert len(history[first.phone]) == 1
    assert campaign.writes.attempts == 4
