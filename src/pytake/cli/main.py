"""Entry point of `pytake`: serve, worker, migrate, apikey, secrets, simulator, demo, bench."""

import asyncio
import importlib
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from pytake import __version__
from pytake.bootstrap import check_secret_key, migrate, prepare_database
from pytake.cli.bench import bench_app
from pytake.cli.checks import require_reachable_redis, require_shared_database
from pytake.cli.demo import DemoOptions, run_demo
from pytake.cli.processes import api_server_config
from pytake.cli.secret_keys import secrets_app
from pytake.cli.settings import load_settings
from pytake.cli.simulator import simulator
from pytake.core.clock import SystemClock
from pytake.core.db import Database
from pytake.core.errors import NotFoundError
from pytake.core.extras import MissingExtraError, require_extra
from pytake.core.logging import configure_logging
from pytake.core.secrets import SecretsError, optional_secret_box, secret_box
from pytake.core.settings import Settings
from pytake.organizations.models import ApiKey
from pytake.organizations.service import (
    create_api_key,
    find_organization,
    get_or_create_organization,
    list_api_keys,
    revoke_api_key,
)

app = typer.Typer(
    help="PyTake: WhatsApp campaign execution engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain usage errors: "Error: Invalid value for '--port': …", no box drawing.
    rich_markup_mode=None,
)
WORKER_MODULE = "pytake.worker.main"
T = TypeVar("T")
KEY_NAME_MAX = 100
apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(bench_app, name="bench")
app.add_typer(secrets_app, name="secrets")
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


async def _prepare(settings: Settings) -> None:
    """Migrations with the deployment's keys, then the check that they decrypt the tokens."""
    db = Database(settings.database_url)
    try:
        await prepare_database(db, secret_box(settings))
    finally:
        await db.dispose()


async def _check_keys(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await check_secret_key(db, secret_box(settings))
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
        await _prepare(settings)
        typer.echo(f"PyTake serving on http://{host}:{port} (executor: {settings.executor})")
        config = api_server_config(host, port, trusted_proxies=settings.trusted_proxies)
        await uvicorn.Server(config).serve()

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
    asyncio.run(_check_keys(settings))
    # Loaded by name, as the web app is: the command line never imports the worker package.
    importlib.import_module(WORKER_MODULE).run_worker(settings, concurrency=concurrency)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (`alembic upgrade head`)."""
    asyncio.run(_prepare(load_settings()))
    typer.echo("database is up to date")


def _org_name(org: str) -> str:
    if not org.strip():
        raise typer.BadParameter("must not be empty", param_hint="--org")
    return org.strip()


def _run_on_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrates the configured database, then runs `work` in one transaction on it.

    A PostgreSQL database without PYTAKE_SECRET_KEY migrates as long as it has no access
    token to encrypt.
    """
    settings = load_settings()
    db = Database(settings.database_url)

    async def run() -> T:
        try:
            await migrate(db, secrets=optional_secret_box(settings))
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


@apikey_app.command("create")
def apikey_create(
    org: str = typer.Option(..., "--org", help="Organization name (created if needed)."),
    name: str = typer.Option("", "--name", help="What the key is for (shown by list)."),
) -> None:
    """Create an API key; the key is printed alone on the last line and never shown again."""
    org_name = _org_name(org)
    if len(name.strip()) > KEY_NAME_MAX:
        raise typer.BadParameter(f"must be at most {KEY_NAME_MAX} characters", param_hint="--name")

    async def create(session: AsyncSession) -> str:
        organization = await get_or_create_organization(session, org_name)
        return await create_api_key(session, organization, name=name.strip())

    key = _run_on_database(create)
    typer.echo(f"API key for organization {org_name!r} (store it now; only a hash is kept):")
    typer.echo(key)


@apikey_app.command("list")
def apikey_list(org: str = typer.Option(..., "--org", help="Organization name.")) -> None:
    """List the organization's working keys (their prefixes, never the keys)."""
    org_name = _org_name(org)

    async def keys(session: AsyncSession) -> Sequence[ApiKey] | None:
        organization = await find_organization(session, org_name)
        return None if organization is None else await list_api_keys(session, organization.id)

    found = _run_on_database(keys)
    if found is None:
        typer.echo(f"Error: no organization named {org_name!r}", err=True)
        raise typer.Exit(1)
    rows = [
        [str(k.id), k.name or "-", k.prefix + "…", _when(k.created_at), _when(k.last_used_at)]
        for k in found
    ]
    typer.echo(_table(["ID", "NAME", "PREFIX", "CREATED", "LAST USED"], rows))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns: readable at any terminal width, and by `awk`."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [headers, *rows]
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: uuid.UUID = typer.Argument(..., metavar="KEY_ID", help="The key's id (see list)."),
) -> None:
    """Revoke a key at once: its requests, dashboard sessions and live sockets stop working."""

    async def revoke(session: AsyncSession) -> bool:
        try:
            await revoke_api_key(session, key_id, now=SystemClock().now())
        except NotFoundError:
            return False
        return True

    if not _run_on_database(revoke):
        typer.echo(f"Error: no working API key with id {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"API key {key_id} revoked")


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
    """`pytake`: a configured feature whose extra is missing, or keys that cannot work, is
    one line on stderr, exit 2."""
    try:
        app()
    except (MissingExtraError, SecretsError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(2)
