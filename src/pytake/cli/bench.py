"""`pytake bench`: measures the engine against the simulator (API.md's CLI table)."""

import asyncio
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import ValidationError
from rich.console import Console

from pytake.cli.benchmarks.cluster import cluster_json, render_cluster_report
from pytake.cli.benchmarks.errors import BenchError
from pytake.cli.benchmarks.imports import import_csv
from pytake.cli.benchmarks.output import run_and_report
from pytake.cli.benchmarks.report import render_report, report_json
from pytake.cli.benchmarks.run import (
    BenchOptions,
    bench_settings,
    run_cluster_engine_bench,
    run_engine_bench,
)
from pytake.cli.benchmarks.webhooks import webhooks
from pytake.cli.settings import load_settings
from pytake.core.extras import require_extra

bench_app = typer.Typer(help="Benchmarks against the local Cloud API simulator.")

MAX_CONTACTS = 1_000_000


def _contacts(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CONTACTS:
        raise typer.BadParameter(f"must be between 1 and {MAX_CONTACTS:,}, got {value}")
    return value


def _rate(value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise typer.BadParameter(f"must be at least 0 and below 1, got {value}")
    return value


def _seconds(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter(f"must be above 0, got {value}")
    return value


def _json_path(value: Path | None) -> Path | None:
    # Checked up front: a run can take minutes, and its figures would be lost at the end.
    if value is not None and not value.parent.is_dir():
        raise typer.BadParameter(f"the directory {value.parent} does not exist")
    return value


def _database_url(value: str | None) -> str | None:
    if value is not None:
        try:
            bench_settings(value)
        except ValidationError as exc:
            raise typer.BadParameter(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    return value


@bench_app.command("engine")
def engine(
    contacts: Annotated[
        int, typer.Option(callback=_contacts, help="Contacts in the campaign.")
    ] = 20_000,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json", callback=_json_path, help="Also write the figures as JSON to this file."
        ),
    ] = None,
    transient_rate: Annotated[
        float, typer.Option(callback=_rate, help="Chance a send fails for a passing reason (0..1).")
    ] = 0.05,
    baseline_contacts: Annotated[
        int | None,
        typer.Option(
            callback=_contacts, help="Contacts the naive baseline sends at most (default: all)."
        ),
    ] = None,
    baseline_seconds: Annotated[
        float, typer.Option(callback=_seconds, help="Seconds the naive baseline runs at most.")
    ] = 60.0,
    database_url: Annotated[
        str | None,
        typer.Option(
            callback=_database_url, help="Database (default: fresh SQLite in a temp dir)."
        ),
    ] = None,
    executor: Annotated[
        Literal["inprocess", "celery"],
        typer.Option(help="inprocess: the engine in this process; celery: `pytake worker`s."),
    ] = "inprocess",
    workers: Annotated[
        list[int] | None,
        typer.Option(min=1, max=64, help="Worker processes (celery; repeat for one run each)."),
    ] = None,
) -> None:
    """Engine messages/s, write cost per attempt and peak memory, vs the naive design."""
    options = BenchOptions(
        contacts, transient_rate, baseline_contacts or contacts, baseline_seconds, database_url
    )
    if database_url is not None and database_url.startswith("postgresql"):
        require_extra("postgres", f"--database-url {database_url.split('://', 1)[0]}://…")
    if executor == "celery":
        _cluster_bench(options, workers or [1], json_path)
        return
    run_and_report(
        run_engine_bench(options), render=render_report, to_json=report_json, json_path=json_path
    )


def _cluster_bench(options: BenchOptions, workers: list[int], json_path: Path | None) -> None:
    """The distributed engine on PostgreSQL with `PYTAKE_REDIS_URL`; no naive baseline."""
    require_extra("celery", "pytake bench engine --executor celery")
    if options.database_url is None or not options.database_url.startswith("postgresql"):
        raise typer.BadParameter("--executor celery needs a PostgreSQL --database-url")
    redis_url = load_settings().redis_url
    if redis_url is None:
        typer.echo("Error: --executor celery needs PYTAKE_REDIS_URL", err=True)
        raise typer.Exit(2)
    try:
        runs = asyncio.run(run_cluster_engine_bench(options, workers=workers, redis_url=redis_url))
    except BenchError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    render_cluster_report(runs, Console())
    if json_path is not None:
        json_path.write_text(json.dumps(cluster_json(runs), indent=2) + "\n")


bench_app.command("webhooks")(webhooks)
bench_app.command("import")(import_csv)
