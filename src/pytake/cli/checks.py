"""Checks made before a process starts: a deployment that cannot work says so in one line."""

import asyncio

import typer

from pytake.core.extras import require_extra
from pytake.core.settings import Settings


def require_shared_database(settings: Settings, what: str) -> None:
    """Distributed sending needs PostgreSQL and Redis: exit 2 naming what is missing."""
    if settings.is_sqlite:
        _fail(
            f"{what} needs PostgreSQL: SQLite serves one process only "
            "(set PYTAKE_DATABASE_URL=postgresql+asyncpg://…, or use the in-process executor)",
            code=2,
        )
    if settings.redis_url is None:
        _fail(f"{what} needs PYTAKE_REDIS_URL (the Celery broker and the shared limits)", code=2)


def require_reachable_redis(settings: Settings) -> None:
    """Exit 1 when Redis is configured but does not answer.

    Without the celery extra (which brings the Redis client) a configured Redis raises
    MissingExtraError.
    """
    if settings.redis_url is None:
        return
    require_extra("celery", "PYTAKE_REDIS_URL")
    from pytake.core.redis import RedisUnavailableError, check_redis

    try:
        asyncio.run(check_redis(settings.redis_url))
    except RedisUnavailableError as exc:
        _fail(str(exc), code=1)


def _fail(message: str, *, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)
