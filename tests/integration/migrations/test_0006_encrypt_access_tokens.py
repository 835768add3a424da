"""Migration 0006 on both databases: tokens stored in clear at 0005 are encrypted (rows
already encrypted are kept as they are), the downgrade decrypts them, and without a key it
stops in one line when there is something to encrypt."""

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from pytake.core.db import Database, UTCDateTime, utcnow
from pytake.core.secrets import (
    MIGRATION_ATTRIBUTE,
    MissingSecretKeyError,
    SecretBox,
    generate_key,
    is_encrypted,
    parse_secret_keys,
)

pytestmark = pytest.mark.integration

BEFORE = "0005_api_key_lifecycle"
REVISION = "0006_encrypt_access_tokens"
CLEAR = ["EAAClearTokenOne" + "x" * 40, "EAAClearTokenTwo" + "y" * 40]
KEY = SecretBox(parse_secret_keys(generate_key()))

_organization = sa.table(
    "organization",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("created_at", UTCDateTime()),
)
# The table as it is at 0005, whatever later revisions add to it.
_number = sa.table(
    "whatsapp_number",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("phone_number_id", sa.String()),
    sa.column("display_phone_number", sa.String()),
    sa.column("access_token", sa.Text()),
    sa.column("throughput_mps", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def alembic(db: Database, action: str, revision: str, keys: SecretBox | None) -> None:
    def run(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", "pytake:migrations")
        config.set_main_option("sqlalchemy.url", db.url)
        config.attributes["connection"] = connection
        config.attributes[MIGRATION_ATTRIBUTE] = keys
        getattr(command, action)(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def insert_numbers(db: Database, tokens: list[str]) -> None:
    org_id, now = uuid.uuid4(), utcnow()
    async with db.engine.begin() as connection:
        await connection.execute(
            sa.insert(_organization).values(id=org_id, name="acme", created_at=now)
        )
        await connection.execute(
            sa.insert(_number),
            [
                {
                    "id": uuid.uuid4(),
                    "organization_id": org_id,
                    "phone_number_id": str(100 + index),
                    "display_phone_number": "15550783881",
                    "access_token": token,
                    "throughput_mps": 80,
                    "created_at": now,
                    "updated_at": now,
                }
                for index, token in enumerate(tokens)
            ],
        )


async def stored(db: Database) -> list[str]:
    async with db.engine.connect() as connection:
        query = sa.select(_number.c.access_token).order_by(_number.c.phone_number_id)
        return list(await connection.scalars(query))


async def test_clear_tokens_are_encrypted_and_decrypted_again_by_the_downgrade(
    db: Database,
) -> None:
    await alembic(db, "upgrade", BEFORE, None)
    already = KEY.encrypt("EAAEncryptedBeforeTheMigration")
    await insert_numbers(db, [*CLEAR, already])

    await alembic(db, "upgrade", REVISION, KEY)
    upgraded = await stored(db)
    await alembic(db, "downgrade", BEFORE, KEY)
    downgraded = await stored(db)

    assert all(is_encrypted(token) for token in upgraded)
    assert [KEY.decrypt(token) for token in upgraded[:2]] == CLEAR
    assert upgraded[2] == already
    assert downgraded == [*CLEAR, "EAAEncryptedBeforeTheMigration"]


async def test_without_a_key_clear_tokens_stop_the_upgrade_in_one_line(db: Database) -> None:
    await alembic(db, "upgrade", BEFORE, None)
    await insert_numbers(db, CLEAR)

    with pytest.raises(MissingSecretKeyError) as raised:
        await alembic(db, "upgrade", REVISION, None)

    assert str(raised.value) == (
        "2 stored access tokens must be encrypted, and no key is given: set PYTAKE_SECRET_KEY "
        "(run through pytake migrate or pytake serve)"
    )
    assert await stored(db) == CLEAR


async def test_without_tokens_the_upgrade_needs_no_key(db: Database) -> None:
    await alembic(db, "upgrade", "head", None)

    assert await stored(db) == []
