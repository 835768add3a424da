"""Whether a connection gets Secure cookies, and HSTS on the responses of those that do.

`PYTAKE_COOKIE_SECURE` decides when set; unset, every connection is treated as secure except
plain HTTP to a loopback address (a developer's `pytake serve`), where a Secure cookie would
never come back.
"""

import ipaddress

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_secure(cookie_secure: bool | None, scope: Scope) -> bool:
    if cookie_secure is not None:
        return cookie_secure
    if scope.get("scheme") in ("https", "wss"):
        return True
    server = scope.get("server")
    return server is None or not is_loopback(str(server[0]))


class StrictTransportSecurity:
    """Adds `Strict-Transport-Security` to every HTTP response of a secure connection."""

    def __init__(self, app: ASGIApp, *, cookie_secure: bool | None) -> None:
        self.app = app
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_secure(self.cookie_secure, scope):
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_hsts)
