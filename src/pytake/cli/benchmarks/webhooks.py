"""`pytake bench webhooks`: status-webhook ingestion rate and answer times over real HTTP."""

from pathlib import Path
from typing import Annotated

import typer

from pytake.cli.benchmarks.output import run_and_report
from pytake.cli.benchmarks.webhook_run import (
    WebhookBenchOptions,
    render_report,
    report_json,
    run_webhook_bench,
)


def _json_path(value: Path | None) -> Path | None:
    if value is not None and not value.parent.is_dir():
        raise typer.BadParameter(f"the directory {value.parent} does not exist")
    return value


def webhooks(
    messages: Annotated[
        int, typer.Option(min=1, max=200_000, help="Messages awaiting their receipts.")
    ] = 20_000,
    statuses_per_body: Annotated[
        int, typer.Option(min=1, max=1000, help="Statuses in each webhook body.")
    ] = 100,
    posters: Annotated[
        int, typer.Option(min=1, max=64, help="Bodies posted concurrently, as Meta does.")
    ] = 8,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json", callback=_json_path, help="Also write the figures as JSON to this file."
        ),
    ] = None,
) -> None:
    """Statuses applied per second and POST /webhooks/meta answer times (p50, p99)."""
    options = WebhookBenchOptions(messages, statuses_per_body, posters)
    run_and_report(
        run_webhook_bench(options), render=render_report, to_json=report_json, json_path=json_path
    )
