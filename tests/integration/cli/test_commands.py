"""The `pytake` commands as a user runs them: real processes, real databases."""

import asyncio
import sqlite3
import uuid
from pathlib import Path

import pytest

from pytake.core.clock import SystemClock
from pytake.core.db import Database
from pytake.organizations.service import authenticate_api_key
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


def created_key(env: dict[str, str], *args: str) -> str:
    result = pytake("apikey", "create", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def listed(env: dict[str, str], org: str) -> list[list[str]]:
    """The rows of `pytake apikey list`, split on runs of two spaces, header first."""
    result = pytake("apikey", "list", "--org", org, env=env)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return [
        [cell.strip() for cell in line.split("  ") if cell.strip()]
        for line in result.stdout.splitlines()
    ]


async def works(database_url: str, key: str) -> bool:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return await authenticate_api_key(session, key, now=SystemClock().now()) is not None
    finally:
        await db.dispose()


def test_apikey_list_shows_the_orgs_keys_by_id_name_and_prefix_and_never_a_key_when_run(
    database_url: str,
) -> None:
    env = {"PYTAKE_DATABASE_URL": database_url}
    first = created_key(env, "--org", "Acme")
    second = created_key(env, "--org", "Acme", "--name", "CI deploys")
    theirs = created_key(env, "--org", "Globex", "--name", "theirs")

    rows = listed(env, "Acme")
    assert rows[0] == ["ID", "NAME", "PREFIX", "CREATED", "LAST USED"]
    assert [(row[1], row[2], row[4]) for row in rows[1:]] == [
        ("-", first[:10] + "…", "never"),
        ("CI deploys", second[:10] + "…", "never"),
    ]
    assert all(uuid.UUID(row[0]) and row[3].endswith("UTC") for row in rows[1:])
    output = str(rows)
    assert first not in output
    assert second not in output
    assert theirs[:10] not in output


def test_apikey_revoke_stops_the_key_at_once_and_leaves_the_others_when_run(
    database_url: str,
) -> None:
    env = {"PYTAKE_DATABASE_URL": database_url}
    kept, revoked = created_key(env, "--org", "Acme"), created_key(env, "--org", "Acme")
    (revoked_id,) = [row[0] for row in listed(env, "Acme")[1:] if revoked.startswith(row[2][:-1])]

    result = pytake("apikey", "revoke", revoked_id, env=env)
    assert (result.returncode, result.stdout.strip()) == (0, f"API key {revoked_id} revoked")
    assert asyncio.run(works(database_url, revoked)) is False
    assert asyncio.run(works(database_url, kept)) is True
    assert [row[2] for row in listed(env, "Acme")[1:]] == [kept[:10] + "…"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("which", ["unknown", "already revoked"])
def test_apikey_revoke_says_so_in_one_line_with_exit_code_1_when_the_id_is_not_a_working_key(
    database_url: str, which: str
) -> None:
    env = {"PYTAKE_DATABASE_URL": database_url}
    created_key(env, "--org", "Acme")
    key_id = listed(env, "Acme")[1][0] if which == "already revoked" else str(uuid.uuid4())
    if which == "already revoked":
        assert pytake("apikey", "revoke", key_id, env=env).returncode == 0
    result = pytake("apikey", "revoke", key_id, env=env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == f"Error: no working API key with id {key_id}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_apikey_list_says_so_with_exit_code_1_when_the_organization_does_not_exist(
    database_url: str,
) -> None:
    result = pytake("apikey", "list", "--org", "Nobody", env={"PYTAKE_DATABASE_URL": database_url})
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "Error: no organization named 'Nobody'",
    )


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
        (["apikey", "create", "--org", "Acme", "--name", "x" * 101], {}, "--name"),
        (["apikey", "list"], {}, "--org"),
        (["apikey", "revoke", "not-a-key-id"], {}, "KEY_ID"),
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
