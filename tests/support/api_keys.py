"""API keys through the public API: finding a key's id, revoking it."""

import httpx

from support.dashboard import api_key_of


async def key_id_of(api: httpx.AsyncClient, auth: dict[str, str]) -> str:
    """The id of the key in `auth`, found by its prefix in the organization's list."""
    listed = await api.get("/api/v1/api-keys", headers=auth)
    assert listed.status_code == 200, listed.text
    key = api_key_of(auth)
    (found,) = [item for item in listed.json()["items"] if key.startswith(item["prefix"])]
    return str(found["id"])


async def revoke(api: httpx.AsyncClient, auth: dict[str, str], key_id: str) -> None:
    answer = await api.delete(f"/api/v1/api-keys/{key_id}", headers=auth)
    assert answer.status_code == 204, answer.text
