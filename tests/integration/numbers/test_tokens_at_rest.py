"""Access tokens at rest: never in the database in clear (the SQLite file and its WAL, a
PostgreSQL dump), yet the engine sends with the right one; a token no key decrypts pauses
its campaign instead of sending."""

import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from pytake.bootstrap import Runtime
from pytake.core.secrets import SecretBox, generate_key, is_encrypted, parse_secret_keys
from pytake.numbers.models import WhatsAppNumber
from pytake.sending.pipeline import UNDECRYPTABLE_NUMBER
from pytake.whatsapp.simulator import SimulatorConfig
from support.scenario import Scenario

pytestmark = pytest.mark.integration

TOKEN = "EAAPyTakeAtRest" + "Zq7" * 12
NEW_TOKEN = "EAAPyTakeRotatedByPatch" + "Wk3" * 12
PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """The simulator answers 401 to any other bearer token than this test's."""
    return SimulatorConfig(port=0, seed=1, access_token=TOKEN)


def stored_bytes(database_url: str) -> bytes:
    """Everything the database holds on disk: the SQLite file and its WAL, or a pg_dump."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        files = [Path(url.database), Path(url.database + "-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    dump = subprocess.run(
        ["pg_dump", "--no-owner", url.set(drivername="postgresql").render_as_string(False)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return dump.stdout


async def stored_tokens(runtime: Runtime) -> list[str]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(WhatsAppNumber.access_token)))


async def test_tokens_are_never_stored_in_clear_and_the_engine_sends_with_the_right_one(
    engine: Runtime, scenario: Scenario, database_url: str
) -> None:
    started = await scenario.started(3, number={"access_token": TOKEN})
    await scenario.wait_status(started["id"], "completed")
    records = await scenario.records(started["id"])
    assert [record["status"] for record in records] == ["sent"] * 3
    (number,) = (await scenario.call("GET", "/whatsapp-numbers"))["items"]
    await scenario.call(
        "PATCH", f"/whatsapp-numbers/{number['id']}", json={"access_token": NEW_TOKEN}
    )

    on_disk = stored_bytes(database_url)
    assert PHONE_NUMBER_ID.encode() in on_disk  # what is searched holds the number's row
    assert TOKEN.encode() not in on_disk
    assert NEW_TOKEN.encode() not in on_disk
    (stored,) = await stored_tokens(engine)
    assert is_encrypted(stored)
    assert engine.secrets.decrypt(stored) == NEW_TOKEN


async def test_a_campaign_whose_token_no_key_decrypts_pauses_naming_the_key_and_sends_none(
    engine: Runtime, scenario: Scenario
) -> None:
    number_id = await scenario.number(access_token=TOKEN)
    other_key = SecretBox(parse_secret_keys(generate_key()))
    async with engine.db.transaction() as session:
        number = await session.get(WhatsAppNumber, uuid.UUID(number_id))
        assert number is not None
        number.access_token = other_key.encrypt(TOKEN)
    await scenario.contacts(2)
    campaign = await scenario.campaign(number_id)
    await scenario.call("POST", f"/campaigns/{campaign['id']}/start")

    await scenario.wait_status(campaign["id"], "paused")
    paused = await scenario.get(campaign["id"])
    assert paused["pause_reason"] == "account"
    assert paused["pause_detail"] == UNDECRYPTABLE_NUMBER
    assert [record["status"] for record in await scenario.records(campaign["id"])] == [
        "pending"
    ] * 2
