"""`/api/v1/api-keys`: listing without secrets, a key shown once, revocation at once."""

import httpx
import pytest
from sqlalchemy import select

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.organizations.models import ApiKey
from support.api_keys import key_id_of, revoke
from support.dashboard import api_key_of

pytestmark = pytest.mark.integration

LISTED_FIELDS = {"id", "name", "prefix", "created_at", "last_used_at"}


async def create(api: httpx.AsyncClient, auth: dict[str, str], name: str) -> dict[str, str]:
    answer = await api.post("/api/v1/api-keys", json={"name": name}, headers=auth)
    assert answer.status_code == 201, answer.text
    created: dict[str, str] = answer.json()
    return created


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_created_key_is_shown_once_and_works_at_once_when_posted(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create(api, auth, "  CI deploys ")
    assert set(created) == {*LISTED_FIELDS, "key"}
    assert (created["name"], created["last_used_at"]) == ("CI deploys", None)
    assert created["key"].startswith(created["prefix"])
    assert (await api.get("/api/v1/campaigns", headers=bearer(created["key"]))).status_code == 200


async def test_the_list_shows_the_organizations_keys_and_never_a_key_or_its_hash(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str], runtime: Runtime
) -> None:
    created = await create(api, auth, "reporting")
    answer = await api.get("/api/v1/api-keys", headers=auth)
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [set(item) for item in items] == [LISTED_FIELDS, LISTED_FIELDS]
    assert [item["name"] for item in items] == ["", "reporting"]
    async with runtime.db.session() as session:
        hashes = list(await session.scalars(select(ApiKey.key_hash)))
    for secret in [created["key"], api_key_of(auth), api_key_of(other_auth), *hashes]:
        assert secret not in answer.text
    assert created["id"] in answer.text
    assert await key_id_of(api, other_auth) not in answer.text


async def test_a_revoked_key_gets_401_on_its_next_request_and_leaves_the_list(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create(api, auth, "leaked")
    await revoke(api, auth, created["id"])
    answer = await api.get("/api/v1/campaigns", headers=bearer(created["key"]))
    assert (answer.status_code, answer.json()["detail"]) == (401, "invalid API key")
    listed = (await api.get("/api/v1/api-keys", headers=auth)).json()["items"]
    assert created["id"] not in {item["id"] for item in listed}
    again = await api.delete(f"/api/v1/api-keys/{created['id']}", headers=auth)
    assert again.status_code == 404


async def test_a_key_can_revoke_itself_and_its_next_request_is_401(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await revoke(api, auth, await key_id_of(api, auth))
    assert (await api.get("/api/v1/api-keys", headers=auth)).status_code == 401


async def test_another_organizations_key_is_404_and_keeps_working_when_revoked_by_id(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    theirs = await key_id_of(api, other_auth)
    answer = await api.delete(f"/api/v1/api-keys/{theirs}", headers=auth)
    assert answer.status_code == 404
    assert (await api.get("/api/v1/campaigns", headers=other_auth)).status_code == 200


async def test_last_used_at_moves_at_most_once_a_minute_when_the_key_is_used(
    api: httpx.AsyncClient, auth: dict[str, str], clock: OffsetClock
) -> None:
    async def last_used() -> str | None:
        items = (await api.get("/api/v1/api-keys", headers=auth)).json()["items"]
        value: str | None = items[0]["last_used_at"]
        return value

    first = await last_used()
    assert first is not None
    clock.advance(30)
    assert await last_used() == first
    clock.advance(31)
    later = await last_used()
    assert later is not None
    assert later > first


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "x" * 100 + " "}]
)
async def test_a_key_is_not_created_when_its_name_is_missing_or_bad(
    api: httpx.AsyncClient, auth: dict[str, str], body: dict[str, str]
) -> None:
    answer = await api.post("/api/v1/api-keys", json=body, headers=auth)
    assert answer.status_code == 422
    assert len((await api.get("/api/v1/api-keys", headers=auth)).json()["items"]) == 1


async def test_a_key_name_is_kept_trimmed_when_created(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    assert (await create(api, auth, "  deploy bot  "))["name"] == "deploy bot"


async def test_keys_need_a_credential_when_listed(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/api-keys")).status_code == 401
