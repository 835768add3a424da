"""Driving the dashboard as a browser would: sign in with a key, keep the page's CSRF token."""

import html
import re

import httpx

# A dashboard on loopback, as `pytake serve` runs by default: its session cookie is not
# Secure, so a client on plain HTTP gets it back (see web.transport_security).
LOOPBACK_URL = "http://127.0.0.1:8000"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def api_key_of(auth: dict[str, str]) -> str:
    return auth["Authorization"].removeprefix("Bearer ")


async def sign_in(client: httpx.AsyncClient, auth: dict[str, str]) -> str:
    """Signs the client in with the key in `auth`; returns the page's CSRF token."""
    answer = await client.post("/sign-in", data={"api_key": api_key_of(auth)})
    assert answer.status_code == 303, answer.text
    page = await client.get("/")
    found = CSRF_META.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def error_for(page: str, field: str) -> str | None:
    """The error message shown under a form field, if any."""
    found = re.search(rf'data-error-for="{field}">([^<]*)<', page)
    return html.unescape(found.group(1)) if found else None


def value_of(page: str, field: str) -> str | None:
    found = re.search(rf'<input id="{field}" name="{field}" type="\w+" value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None
