"""`pytake bench import`: CSV import rate, /health answer times and server memory meanwhile."""

from pathlib import Path
from typing import Annotated

import typer

from pytake.cli.benchmarks.import_run import render_report, report_json, run_import_bench
from pytake.cli.benchmarks.output import run_and_report


def _json_path(value: Path | None) -> Path | None:
    if value is not None and not value.parent.is_dir():
        raise typer.BadParameter(f"the directory {value.parent} does not exist")
    return value


def import_csv(
    rows: Annotated[
        int, typer.Option(min=1, max=1_500_000, help="Rows in the CSV (1,000,000 ≈ 30 MB).")
    ] = 1_000_000,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json", callback=_json_path, help="Also write the figures as JSON to this file."
        ),
    ] = None,
) -> None:
    """Rows imported per second, GET /health p50/p99/max and serve's RSS growth meanwhile."""
    run_and_report(
        run_import_bench(rows), render=render_report, to_json=report_json, json_path=json_path
    )
