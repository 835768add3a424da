"""Alembic environment: runs on a connection handed in by `pytake.core.migrate`, or on its own."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from pytake.core.settings import get_settings
from pytake.migrations.models import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_own_engine(url: str) -> None:
    from pytake.core.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    asyncio.run(
        _run_on_own_engine(
            context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
        )
    )
