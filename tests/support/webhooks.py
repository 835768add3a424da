"""Signed Cloud API status webhooks for tests: build a body, sign it, post it to the app."""

import json
from typing import Any

import httpx

from pytake.whatsapp.webhook import SIGNATURE_HEADER, sign

APP_SECRET = "test_app_secret"
VERIFY_TOKEN = "verify-me"
WEBHOOK_SETTINGS: dict[str, object] = {
    "whatsapp_app_secret": APP_SECRET,
    "whatsapp_verify_token": VERIFY_TOKEN,
}


def status(wamid: str, name: str, at: int = 1_750_030_075, **extra: Any) -> dict[str, Any]:
    return {"id": wamid, "status": name, "timestamp": str(at), "recipient_id": "1", **extra}


def failed(wamid: str, code: int, title: str = "Something went wrong") -> dict[str, Any]:
    error = {"code": code, "title": title, "message": title, "error_data": {"details": title}}
    return status(wamid, "failed", errors=[error])


def envelope(statuses: list[dict[str, Any]]) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {}, "statuses": statuses}
    entry = {"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


async def post_body(
    api: httpx.AsyncClient, body: bytes, *, secret: str = APP_SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
    return await api.post("/webhooks/meta", content=body, headers=headers)


async def post_statuses(api: httpx.AsyncClient, *statuses: dict[str, Any]) -> dict[str, Any]:
    """Posts one signed body of `statuses`; returns the receipt after checking the 200."""
    answer = await post_body(api, envelope(list(statuses)))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
