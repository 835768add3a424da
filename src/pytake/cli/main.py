"""Entry point of `pytake`: serve, worker, migrate, apikey, simulator, demo, bench."""

import asyncio
import importlib
import os
import sys

import typer
import uvicorn
from rich.console import Console

from pytake import __version__
from pytake.bootstrap import migrate
from pytake.cli.bench import bench_app
from pytake.cli.checks import require_reachable_redis, require_shared_database
from pytake.cli.demo import DemoOptions, run_demo
from pytake.cli.processes import api_server_config
from pytake.cli.settings import load_settings
from pytake.cli.simulator import simulator
from pytake.core.db import Database
from pytake.core.extras import MissingExtraError, require_extra
from pytake.core.logging import configure_logging
from pytake.organizations.service import create_api_key, get_or_create_organization

app = typer.Typer(
    help="PyTake: WhatsApp campaign execution engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain usage errors: "Error: Invalid value for '--port': …", no box drawing.
    rich_markup_mode=None,
)
WORKER_MODULE = "pytake.worker.main"
apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(bench_app, name="bench")
app.command("simulator", help="Run the local WhatsApp Cloud API simulator.")(simulator)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pytake {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Show the installed version and exit.",
    ),
) -> None:
    """Options of `pytake` itself, before the command."""


async def _migrate(database_url: str) -> None:
    db = Database(database_url)
    try:
        await migrate(db)
    finally:
        await db.dispose()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Apply migrations, then serve the API, webhooks, WebSocket, dashboard (and the engine)."""
    settings = load_settings()
    if settings.executor == "celery":
        require_shared_database(settings, "PYTAKE_EXECUTOR=celery")
    require_reachable_redis(settings)
    configure_logging(settings.log_level)

    async def run() -> None:
        await _migrate(settings.database_url)
        typer.echo(f"PyTake serving on http://{host}:{port} (executor: {settings.executor})")
        await uvicorn.Server(api_server_config(host, port)).serve()

    asyncio.run(run())


@app.command()
def worker(
    concurrency: int = typer.Option(
        os.cpu_count() or 1, min=1, max=256, help="Processes sending batches (default: cores)."
    ),
) -> None:
    """Run a Celery worker for PYTAKE_EXECUTOR=celery (the cluster's scheduler is embedded)."""
    require_extra("celery", "pytake worker")
    settings = load_settings()
    if settings.executor != "celery":
        typer.echo("Error: pytake worker needs PYTAKE_EXECUTOR=celery", err=True)
        raise typer.Exit(2)
    require_shared_database(settings, "pytake worker")
    require_reachable_redis(settings)
    configure_logging(settings.log_level)
    # Loaded by name, as the web app is: the command line never imports the worker package.
    importlib.import_module(WORKER_MODULE).run_worker(settings, concurrency=concurrency)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (`alembic upgrade head`)."""
    asyncio.run(_migrate(load_settings().database_url))
    typer.echo("database is up to date")


@apikey_app.command("create")
def apikey_create(
    org: str = typer.Option(..., "--org", help="Organization name (created if needed)."),
) -> None:
    """Create an API key; the key is printed alone on the last line and never shown again."""
    if not org.strip():
        raise typer.BadParameter("must not be empty", param_hint="--org")
    settings = load_settings()
    db = Database(settings.database_url)

    async def run() -> str:
        try:
            await migrate(db)
            async with db.transaction() as session:
                organization = await get_or_create_organization(session, org.strip())
                return await create_api_key(session, organization)
        finally:
            await db.dispose()

    key = asyncio.run(run())
    typer.echo(f"API key for organization {org.strip()!r} (store it now; only a hash is kept):")
    typer.echo(key)


@app.command()
def demo(
    contacts: int = typer.Option(1000, min=1, max=100_000, help="Contacts to generate."),
    transient_rate: float = typer.Option(
        0.08, min=0.0, max=1.0, help="Share of sends failing for a passing reason."
    ),
    permanent_rate: float = typer.Option(
        0.02, min=0.0, max=1.0, help="Share of sends failing for good (number not on WhatsApp)."
    ),
    two_retry_rate: float = typer.Option(
        0.01, min=0.0, max=1.0, help="Share of contacts that fail twice before succeeding."
    ),
    retry_max_attempts: int = typer.Option(3, min=1, max=10, help="Retries per contact."),
    retry_base_delay: int = typer.Option(10, min=10, max=600, help="First retry delay (s)."),
    retry_max_delay: int = typer.Option(60, min=60, max=7200, help="Longest retry delay (s)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port of the API during the demo."),
    seed: int = typer.Option(1, help="Seed of the simulated faults."),
) -> None:
    """Run one campaign end to end against the simulator, live, then show the statistics."""
    if retry_max_delay < retry_base_delay:
        raise typer.BadParameter("must be >= --retry-base-delay", param_hint="--retry-max-delay")
    settings = load_settings()
    require_reachable_redis(settings)
    configure_logging("WARNING")
    options = DemoOptions(
        contacts=contacts,
        transient_rate=transient_rate,
        permanent_rate=permanent_rate,
        two_retry_rate=two_retry_rate,
        retry_max_attempts=retry_max_attempts,
        retry_base_delay=retry_base_delay,
        retry_max_delay=retry_max_delay,
        port=port,
        seed=seed,
    )
    asyncio.run(run_demo(settings, options, Console()))


def main() -> None:
    """`pytake`: a configured feature whose extra is missing is one line on stderr, exit 2."""
    try:
        app()
    except MissingExtraError as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(2)
