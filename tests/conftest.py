"""Fixtures shared by every layer of tests: Meta's example payloads, fresh databases."""

import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from support import FIXTURES_DIR, TEST_SECRET_KEY
from support.databases import create_postgres_database, drop_postgres_database

# Before any settings are read, so every runtime and `pytake` subprocess has the same key.
os.environ["PYTAKE_SECRET_KEY"] = TEST_SECRET_KEY


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES_DIR.is_dir():
        pytest.fail(f"the shared Cloud API fixtures are missing: {FIXTURES_DIR}")
    return FIXTURES_DIR


@pytest.fixture
def fixture_bytes(fixtures_dir: Path) -> Callable[[str], bytes]:
    return lambda name: (fixtures_dir / name).read_bytes()


@pytest.fixture
def fixture_json(fixtures_dir: Path) -> Callable[[str], Any]:
    return lambda name: json.loads((fixtures_dir / name).read_bytes())


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind: tests using it run on both."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'pytake.db'}"
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pytake.db'}"
