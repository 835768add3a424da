"""Runs a benchmark and shows its report: on screen, and as JSON when asked."""

import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from pytake.cli.benchmarks.errors import BenchError

Report = TypeVar("Report")


def run_and_report(
    run: Coroutine[Any, Any, Report],
    *,
    render: Callable[[Report, Console], None],
    to_json: Callable[[Report], dict[str, Any]],
    json_path: Path | None,
) -> None:
    """A failed run is one line on stderr and exit code 1."""
    try:
        report = asyncio.run(run)
    except BenchError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    render(report, Console())
    if json_path is not None:
        json_path.write_text(json.dumps(to_json(report), indent=2) + "\n")
