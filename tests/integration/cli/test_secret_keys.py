"""The keys of the stored access tokens as `pytake` processes see them: `secrets rotate`, a
wrong key at start, PostgreSQL without PYTAKE_SECRET_KEY, and SQLite's key file."""

import asyncio
import stat
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from pytake.bootstrap import migrate
from pytake.core.db import Database
from pytake.core.secrets import (
    MAKE_A_KEY,
    WRONG_KEY,
    SecretBox,
    generate_key,
    parse_secret_keys,
)
from pytake.numbers.models import WhatsAppNumber
from pytake.numbers.schemas import WhatsAppNumberCreate
from pytake.numbers.service import create_number
from pytake.organizations.service import get_or_create_organization
from support.processes import pytake

pytestmark = pytest.mark.integration

NEW, OLD, OTHER = generate_key(), generate_key(), generate_key()
TOKENS = ["EAARotateMeOne" + "a" * 40, "EAARotateMeTwo" + "b" * 40]
NO_KEY = {"PYTAKE_SECRET_KEY": ""}
MISSING_KEY = (
    "Error: PostgreSQL needs PYTAKE_SECRET_KEY to encrypt the stored access tokens "
    f"(make one with: {MAKE_A_KEY})\n"
)


def box(keys: str) -> SecretBox:
    return SecretBox(parse_secret_keys(keys))


async def numbers_with(database_url: str, tokens: list[tuple[str, str]]) -> list[uuid.UUID]:
    """A migrated database holding one number per (token, key it is encrypted with)."""
    db = Database(database_url)
    try:
        await migrate(db)
        async with db.transaction() as session:
            organization = await get_or_create_organization(session, "acme")
            numbers = [
                await create_number(
                    session,
                    organization.id,
                    WhatsAppNumberCreate(
                        phone_number_id=str(1000 + index),
                        display_phone_number="15550783881",
                        access_token=SecretStr(token),
                    ),
                    secrets=box(key),
                )
                for index, (token, key) in enumerate(tokens)
            ]
            return [number.id for number in numbers]
    finally:
        await db.dispose()


async def stored(database_url: str) -> dict[uuid.UUID, tuple[str, object]]:
    """Each number's stored token and `updated_at`."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            query = select(
                WhatsAppNumber.id, WhatsAppNumber.access_token, WhatsAppNumber.updated_at
            )
            return {row[0]: (row[1], row[2]) for row in await session.execute(query)}
    finally:
        await db.dispose()


def test_rotate_re_encrypts_every_token_with_the_first_key_when_run(database_url: str) -> None:
    asyncio.run(numbers_with(database_url, [(TOKENS[0], OLD), (TOKENS[1], f"{NEW},{OLD}")]))
    before = asyncio.run(stored(database_url))

    result = pytake(
        "secrets",
        "rotate",
        env={"PYTAKE_DATABASE_URL": database_url, "PYTAKE_SECRET_KEY": f"{NEW},{OLD}"},
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "re-encrypted 2 access tokens with the first key of PYTAKE_SECRET_KEY\n"
    )
    after = asyncio.run(stored(database_url))
    assert sorted(box(NEW).decrypt(token) for token, _ in after.values()) == TOKENS
    assert {number_id: when for number_id, (_, when) in after.items()} == {
        number_id: when for number_id, (_, when) in before.items()
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rotate_names_the_number_whose_token_no_key_decrypts_and_changes_nothing(
    database_url: str,
) -> None:
    _, unreadable = asyncio.run(numbers_with(database_url, [(TOKENS[0], OLD), (TOKENS[1], OTHER)]))
    before = asyncio.run(stored(database_url))

    result = pytake(
        "secrets",
        "rotate",
        env={"PYTAKE_DATABASE_URL": database_url, "PYTAKE_SECRET_KEY": f"{NEW},{OLD}"},
    )

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: no key of PYTAKE_SECRET_KEY decrypts the access token of WhatsApp number "
        f"{unreadable}; nothing was re-encrypted\n"
    )
    assert asyncio.run(stored(database_url)) == before


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "1"]])
def test_a_wrong_key_over_stored_tokens_stops_the_start_in_one_line_with_exit_2(
    database_url: str, command: list[str]
) -> None:
    asyncio.run(numbers_with(database_url, [(TOKENS[0], OLD)]))

    result = pytake(*command, env={"PYTAKE_DATABASE_URL": database_url, "PYTAKE_SECRET_KEY": NEW})

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"Error: {WRONG_KEY}"
    assert result.stderr.count("PYTAKE_SECRET_KEY") == 1
    assert "Traceback" not in result.stderr
    assert TOKENS[0] not in result.stderr + result.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_start_names_the_numbers_whose_token_no_key_decrypts_among_readable_ones(
    database_url: str,
) -> None:
    _, unreadable = asyncio.run(numbers_with(database_url, [(TOKENS[0], NEW), (TOKENS[1], OTHER)]))

    result = pytake("migrate", env={"PYTAKE_DATABASE_URL": database_url, "PYTAKE_SECRET_KEY": NEW})

    assert (result.returncode, result.stdout) == (0, "database is up to date\n")
    assert result.stderr == (
        "PYTAKE_SECRET_KEY cannot decrypt the access token of these WhatsApp numbers: "
        f"{unreadable}; their campaigns pause until the token is entered again\n"
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("command", "settings"),
    [
        (["serve", "--port", "1"], {}),
        (
            ["worker"],
            {"PYTAKE_EXECUTOR": "celery", "PYTAKE_REDIS_URL": "redis://127.0.0.1:6379/0"},
        ),
        (["migrate"], {}),
        (["secrets", "rotate"], {}),
    ],
)
def test_postgresql_without_a_key_stops_in_one_line_saying_how_to_make_one_with_exit_2(
    database_url: str, command: list[str], settings: dict[str, str]
) -> None:
    result = pytake(*command, env={"PYTAKE_DATABASE_URL": database_url, **NO_KEY, **settings})

    assert result.returncode == 2
    assert result.stderr.endswith(MISSING_KEY)
    assert "Traceback" not in result.stderr


def test_sqlite_without_a_key_makes_a_private_key_file_and_says_so_once(tmp_path: Path) -> None:
    database = tmp_path / "pytake.db"
    env = {"PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{database}", **NO_KEY}

    first = pytake("migrate", env=env)
    created = pytake("apikey", "create", "--org", "Acme", env=env)
    again = pytake("migrate", env=env)

    key_file = tmp_path / "pytake.db.key"
    assert (first.returncode, created.returncode, again.returncode) == (0, 0, 0)
    (said,) = first.stderr.splitlines()
    assert str(key_file) in said
    assert "back it up with the database" in said
    assert key_file.read_text().strip() not in said
    assert (created.stderr, again.stderr) == ("", "")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
