"""Signing in to the dashboard with an API key, and signing out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from pytake.organizations.sessions import close_web_session, open_web_session
from pytake.web.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    is_same_origin,
    session_of_cookie,
    set_session_cookie,
)
from pytake.web.credentials import credential_watch_of
from pytake.web.dashboard.rendering import ViewerDep, render
from pytake.web.deps import RuntimeDep
from pytake.web.throttling import client_address, throttle_of

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
async def sign_in_page(request: Request, runtime: RuntimeDep) -> Response:
    if await session_of_cookie(runtime, request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "sign_in.html", errors={})


@router.post("/sign-in")
async def sign_in(
    request: Request, runtime: RuntimeDep, api_key: Annotated[str, Form()] = ""
) -> Response:
    """Opens a session for a valid key; the key itself is never put back into the page.

    Failed sign-ins count against the client's address (see `throttling`)."""
    # No session yet, so no CSRF token: a browser's Origin header tells another site's post.
    if not is_same_origin(request.headers):
        return render(request, "sign_in.html", status_code=403, errors={"api_key": _FOREIGN})
    key = api_key.strip()
    if not key:
        return render(request, "sign_in.html", status_code=401, errors={"api_key": _EMPTY})
    throttle, address = throttle_of(request), client_address(request)
    retry_after = await throttle.retry_after(address)
    if retry_after is not None:
        errors = {"api_key": _THROTTLED.format(seconds=retry_after)}
        page = render(request, "sign_in.html", status_code=429, errors=errors)
        page.headers["Retry-After"] = str(retry_after)
        return page
    async with runtime.db.transaction() as session:
        opened = await open_web_session(session, key, now=runtime.clock.now())
    if opened is None:
        await throttle.failed(address)
        return render(request, "sign_in.html", status_code=401, errors={"api_key": _INVALID})
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, opened)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, runtime: RuntimeDep, _viewer: ViewerDep) -> Response:
    async with runtime.db.transaction() as session:
        await close_web_session(session, request.cookies[SESSION_COOKIE])
    credential_watch_of(request).check_soon()
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, request)
    return response


_EMPTY = "Enter an API key."
_THROTTLED = "Too many failed sign-ins from your address. Try again in {seconds} s."
_INVALID = "This API key is not valid. Check it, or create one with pytake apikey create."
_FOREIGN = "Sign in from PyTake's own page."
