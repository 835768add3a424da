"""The `pytake` commands as a user runs them: real processes, real databases."""

import sqlite3
from pathlib import Path

import pytest

from support.processes import pytake

pytestmark = pytest.mark.integration


def test_apikey_create_prints_the_key_last_and_stores_only_its_hash_when_run(
    tmp_path: Path,
) -> None:
    db = tmp_path / "keys.db"
    result = pytake(
        "apikey",
        "create",
        "--org",
        "Acme",
        env={"PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{db}"},
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("ptk_")
    assert len(key) > 40
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT key_hash, prefix FROM api_key").fetchall()
        orgs = connection.execute("SELECT name FROM organization").fetchall()
    assert orgs == [("Acme",)]
    assert len(stored) == 1
    assert key not in stored[0][0]
    assert key not in db.read_bytes().decode("latin-1")


def test_migrate_brings_an_empty_database_up_to_date_when_run_twice(tmp_path: Path) -> None:
    env = {"PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"}
    assert pytake("migrate", env=env).returncode == 0
    again = pytake("migrate", env=env)
    assert (again.returncode, again.stdout.strip()) == (0, "database is up to date")


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["migrate"], {"PYTAKE_DATABASE_URL": "mysql://db/x"}, "PYTAKE_DATABASE_URL"),
        (
            ["migrate"],
            {"PYTAKE_DATABASE_URL": "postgresql+asyncpg://u@db:port/x"},
            "PYTAKE_DATABASE_URL",
        ),
        (["migrate"], {"PYTAKE_DATABASE_URL": "sqlite+aiosqlite://"}, "PYTAKE_DATABASE_URL"),
        (["serve"], {"PYTAKE_REDIS_URL": "redis://cache:port/0"}, "PYTAKE_REDIS_URL"),
        (["migrate"], {"PYTAKE_EXECUTOR": "threads"}, "PYTAKE_EXECUTOR"),
        (["serve"], {"PYTAKE_SEND_CONCURRENCY": "0"}, "PYTAKE_SEND_CONCURRENCY"),
        (["serve", "--port", "70000"], {}, "--port"),
        (["apikey", "create"], {}, "--org"),
        (["apikey", "create", "--org", "  "], {}, "--org"),
        (["demo", "--retry-base-delay", "5"], {}, "--retry-base-delay"),
        (["demo", "--retry-base-delay", "100", "--retry-max-delay", "60"], {}, "--retry-max-delay"),
        (["simulator", "--rule", "nonsense"], {}, "--rule"),
        (["simulator", "--transient-rate", "2"], {}, "--transient-rate"),
    ],
)
def test_bad_input_is_named_on_stderr_with_exit_code_2_when_given(
    args: list[str], env: dict[str, str], named: str
) -> None:
    result = pytake(*args, env=env)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
