"""PYTAKE_COOKIE_SECURE: the session cookie's Secure flag and HSTS, by setting and by address."""

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.web.app import create_app
from pytake.web.auth import SESSION_COOKIE
from pytake.web.transport_security import HSTS
from support.dashboard import api_key_of

pytestmark = pytest.mark.integration


def cookie_flags(answer: httpx.Response) -> set[str]:
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    return {part.strip() for part in cookie.split(";")}


@pytest.mark.parametrize(
    ("settings_overrides", "base_url", "secure"),
    [
        ({}, "http://127.0.0.1:8000", False),
        ({}, "http://localhost:8000", False),
        ({}, "http://[::1]:8000", False),
        ({}, "http://pytake.example", True),
        ({}, "http://10.0.0.5:8000", True),
        ({}, "https://127.0.0.1:8443", True),
        ({"cookie_secure": True}, "http://127.0.0.1:8000", True),
        ({"cookie_secure": False}, "https://pytake.example", False),
    ],
    ids=[
        "unset-loopback",
        "unset-localhost",
        "unset-ipv6-loopback",
        "unset-public-name",
        "unset-private-address",
        "unset-https-on-loopback",
        "forced-on",
        "forced-off",
    ],
)
async def test_cookie_is_secure_and_responses_carry_hsts_only_when_the_connection_counts_secure(
    runtime: Runtime, auth: dict[str, str], base_url: str, secure: bool
) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        signed_in = await client.post("/sign-in", data={"api_key": api_key_of(auth)})
        api = await client.get("/api/v1/campaigns", headers=auth)
        health = await client.get("/health")

    assert signed_in.status_code == 303
    assert ("Secure" in cookie_flags(signed_in)) is secure
    for answer in (signed_in, api, health):
        assert answer.headers.get("strict-transport-security") == (HSTS if secure else None)
    assert HSTS == "max-age=31536000; includeSubDomains"
