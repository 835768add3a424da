"""The SQLite files on disk: a new database (and so its -wal and -shm) is readable by its
owner only; an existing file keeps the mode its owner gave it."""

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from pytake.core.db import Database

pytestmark = pytest.mark.integration


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_and_its_wal_and_shm_are_created_0600(tmp_path: Path) -> None:
    database = tmp_path / "pytake.db"
    db = Database(f"sqlite+aiosqlite:///{database}")
    old_umask = os.umask(0o022)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (x TEXT)"))
            await session.execute(text("INSERT INTO t VALUES ('x')"))
        modes = {path.name: mode(path) for path in sorted(tmp_path.iterdir())}
    finally:
        os.umask(old_umask)
        await db.dispose()

    assert modes == {"pytake.db": 0o600, "pytake.db-shm": 0o600, "pytake.db-wal": 0o600}


async def test_an_existing_database_file_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "pytake.db"
    database.touch()
    database.chmod(0o640)
    db = Database(f"sqlite+aiosqlite:///{database}")
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()

    assert mode(database) == 0o640
