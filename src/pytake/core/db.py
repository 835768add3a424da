"""Database set-up: the declarative base, portable column types, engine and sessions."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from pytake.core.extras import require_extra

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY, so big ids are plain integers there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite keeps no zone; it stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` ids like new_id's from one read of the system's randomness.

    Each read releases the GIL, and taking it back from a busy thread waits up to its switch
    interval (5 ms): id by id, a thousand ids stall the event loop for seconds.
    """
    randomness = os.urandom(16 * count)
    return [uuid.UUID(bytes=randomness[at : at + 16], version=4) for at in range(0, 16 * count, 16)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _tune_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while the engine writes; NORMAL is durable across process
    # crashes (only an OS crash can lose the last transactions).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _create_private_file(path: str) -> Callable[..., None]:
    """A connect hook that creates a missing database file readable by its owner only; its
    -wal and -shm files then get the same mode from SQLite. An existing file is left as is,
    and a path that cannot be created is SQLite's to report."""

    def create(*_: object) -> None:
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    return create


def create_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, pool_size=5, max_overflow=5)
        path = make_url(database_url).database
        if path and path != ":memory:":
            event.listen(engine.sync_engine, "do_connect", _create_private_file(path))
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    # SQLAlchemy imports the driver here; asyncpg comes with the postgres extra only.
    require_extra("postgres", f"PYTAKE_DATABASE_URL={database_url.split('://', 1)[0]}://…")
    return create_async_engine(database_url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    """An engine and its session factory; `session()` is the unit of work entry points use."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = create_engine(database_url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing our own transactions here costs nothing,
        # while leaving it to SQLite's busy handler makes each loser sleep for milliseconds.
        self._writer = _TaskLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        if self._writer is None:
            async with self.sessionmaker() as session, session.begin():
                yield session
            return
        async with self._writer, self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


class _TaskLock:
    """An asyncio lock that the task holding it may take again (a transaction opened inside
    another waits for nothing)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if self._owner is not task or task is None:
            await self._lock.acquire()
            self._owner = task
        self._depth += 1

    async def __aexit__(self, *_: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()
