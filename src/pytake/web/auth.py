"""Who is calling: an API key, or the dashboard's session cookie guarded against CSRF."""

import hashlib
import hmac
import uuid
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from pytake.bootstrap import Runtime
from pytake.core.errors import AuthenticationError, PytakeError
from pytake.organizations.service import KeyIdentity, authenticate_api_key
from pytake.organizations.sessions import (
    SESSION_LIFETIME,
    OpenedSession,
    SignedIn,
    find_signed_in,
)
from pytake.web.throttling import client_address, throttle_of
from pytake.web.transport_security import is_secure

SESSION_COOKIE = "pytake_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(PytakeError):
    """A state-changing request signed in by cookie without proof it came from our pages."""

    status_code = 403


def csrf_token_for(session_token: str) -> str:
    """Derived from the cookie's secret, so nothing more is stored and a stolen table gives
    no token; a page of ours embeds it, another site cannot read it."""
    return hmac.new(session_token.encode(), b"pytake-csrf", hashlib.sha256).hexdigest()


def is_valid_csrf(session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token_for(session_token), presented)


def is_same_origin(headers: Headers) -> bool:
    """False when a browser says the request comes from another site (Origin is not our host)."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == headers.get("host")


async def authenticate_key(
    runtime: Runtime, connection: HTTPConnection, key: str
) -> KeyIdentity | None:
    """The key's identity, None (counted as a failure of the address) when it is not valid.

    Raises TooManyAttemptsError, without checking the key, while the address is throttled.
    """
    throttle = throttle_of(connection)
    address = client_address(connection)
    await throttle.check(address)
    async with runtime.db.transaction() as session:
        identity = await authenticate_api_key(session, key, now=runtime.clock.now())
    if identity is None:
        await throttle.failed(address)
    return identity


async def session_of_cookie(runtime: Runtime, connection: HTTPConnection) -> SignedIn | None:
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with runtime.db.session() as session:
        return await find_signed_in(session, token, now=runtime.clock.now())


async def authenticate_request(runtime: Runtime, request: Request, bearer: str | None) -> uuid.UUID:
    """The caller's organization: the Bearer key when sent, else the dashboard's cookie, which
    must carry the CSRF header on anything but a read."""
    if bearer is not None:
        identity = await authenticate_key(runtime, request, bearer)
        if identity is None:
            raise AuthenticationError("invalid API key")
        return identity.organization_id
    if SESSION_COOKIE not in request.cookies:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    signed_in = await session_of_cookie(runtime, request)
    if signed_in is None:
        raise AuthenticationError("the dashboard session has ended: sign in again")
    token = request.cookies[SESSION_COOKIE]
    if request.method not in SAFE_METHODS and not is_valid_csrf(
        token, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfError(f"a request signed in by cookie must send the {CSRF_HEADER} header")
    return signed_in.organization.id


def _secure(connection: HTTPConnection) -> bool:
    runtime: Runtime = connection.app.state.runtime
    return is_secure(runtime.settings.cookie_secure, connection.scope)


def set_session_cookie(
    response: Response, connection: HTTPConnection, opened: OpenedSession
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(connection),
    )


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(connection),
    )
