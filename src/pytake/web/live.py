"""`WS /ws/campaigns/{id}`: a snapshot on connect, then the campaign's changes, at most 4 a second.

The socket stays open after the campaign ends: the event with `"final": true` says it has, and
the delivery receipts that keep arriving afterwards (and a retry-failed run) are still sent.

A client signs in with `?api_key=`, `Authorization: Bearer`, the subprotocols
`pytake, bearer.<key>` (answered with `pytake`, so the key is never echoed), or the dashboard's
cookie. The socket is closed with 4401 soon after that key is revoked or that session ends.
"""

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, WebSocket
from starlette.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from pytake.bootstrap import Runtime
from pytake.campaigns import queries, repository
from pytake.campaigns.schemas import CampaignProgress
from pytake.core.errors import NotFoundError, TooManyAttemptsError
from pytake.core.logging import RedactSecrets
from pytake.organizations.service import active_key_ids
from pytake.organizations.sessions import active_session_ids
from pytake.web.auth import authenticate_key, is_same_origin, session_of_cookie
from pytake.web.credentials import Credential, CredentialWatch, credential_watch_of
from pytake.web.progress_feeds import ProgressFeed, ProgressHub

POLICY_VIOLATION = 1008
CREDENTIAL_ENDED = 4401
SUBPROTOCOL = "pytake"
BEARER_SUBPROTOCOL_PREFIX = "bearer."
router = APIRouter()


@dataclass(frozen=True, slots=True)
class _Caller:
    credential: Credential
    organization_id: uuid.UUID


def install_live_progress(app: FastAPI, runtime: Runtime) -> None:
    """Serves the socket with one hub per app; changes come from `runtime.progress`."""

    async def load(campaign_id: uuid.UUID) -> CampaignProgress | None:
        async with runtime.db.session() as session:
            return await queries.progress_snapshot(session, campaign_id)

    async def still_holding(credentials: frozenset[Credential]) -> set[Credential]:
        keys = {c.id for c in credentials if c.kind == "api_key"}
        sessions = {c.id for c in credentials if c.kind == "web_session"}
        async with runtime.db.session() as session:
            live_keys = await active_key_ids(session, keys)
            live_sessions = await active_session_ids(session, sessions, now=runtime.clock.now())
        holding = {"api_key": live_keys, "web_session": live_sessions}
        return {c for c in credentials if c.id in holding[c.kind]}

    app.state.progress_hub = ProgressHub(runtime.progress, load)
    app.state.credential_watch = CredentialWatch(still_holding)
    app.include_router(router)
    # The server logs a socket's path with its query, where `?api_key=` may be.
    for name in ("uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in server_logger.filters):
            server_logger.addFilter(RedactSecrets())


@router.websocket("/ws/campaigns/{campaign_id}")
async def campaign_progress(websocket: WebSocket, campaign_id: uuid.UUID) -> None:
    runtime: Runtime = websocket.app.state.runtime
    try:
        caller = await _caller(runtime, websocket)
    except TooManyAttemptsError as exc:
        # Refused in the handshake itself: an HTTP 429 the client can read Retry-After from.
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        await websocket.send_denial_response(
            JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)
        )
        return
    # Accepted before the checks so that a refused client reads the 1008 code and its reason
    # instead of a bare failed handshake.
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    refusal = await _refusal(runtime, caller, campaign_id)
    if refusal is not None or caller is None:
        await websocket.close(POLICY_VIOLATION, refusal)
        return
    hub: ProgressHub = websocket.app.state.progress_hub
    async with (
        hub.subscribe(campaign_id) as feed,
        credential_watch_of(websocket).watching(caller.credential) as ended,
    ):
        with contextlib.suppress(WebSocketDisconnect):
            await _stream(websocket, feed, ended)


async def _refusal(runtime: Runtime, caller: _Caller | None, campaign_id: uuid.UUID) -> str | None:
    if caller is None:
        return "a valid api_key or dashboard session is required"
    async with runtime.db.session() as session:
        try:
            await repository.get_campaign(session, caller.organization_id, campaign_id)
        except NotFoundError:
            return "campaign not found"
    return None


def _presented_key(websocket: WebSocket) -> str | None:
    key = websocket.query_params.get("api_key")
    if key:
        return key
    scheme, _, bearer = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        return bearer.strip()
    for offered in websocket.scope.get("subprotocols", []):
        if offered.startswith(BEARER_SUBPROTOCOL_PREFIX):
            return str(offered).removeprefix(BEARER_SUBPROTOCOL_PREFIX) or None
    return None


async def _caller(runtime: Runtime, websocket: WebSocket) -> _Caller | None:
    """Who opened the socket; raises TooManyAttemptsError for a key from a throttled address."""
    key = _presented_key(websocket)
    if key is not None:
        identity = await authenticate_key(runtime, websocket, key)
        if identity is None:
            return None
        return _Caller(Credential("api_key", identity.key_id), identity.organization_id)
    # Browsers send cookies with a socket opened by any site; only our own pages may use them.
    if not is_same_origin(websocket.headers):
        return None
    signed_in = await session_of_cookie(runtime, websocket)
    if signed_in is None:
        return None
    return _Caller(Credential("web_session", signed_in.session_id), signed_in.organization.id)


async def _stream(websocket: WebSocket, feed: ProgressFeed, ended: asyncio.Event) -> None:
    left = asyncio.create_task(_until_client_leaves(websocket))
    revoked = asyncio.create_task(ended.wait())
    version = 0
    try:
        while True:
            update = asyncio.create_task(feed.next_after(version))
            await asyncio.wait({update, left, revoked}, return_when=asyncio.FIRST_COMPLETED)
            if left.done():
                update.cancel()
                return
            if revoked.done():
                update.cancel()
                await websocket.close(CREDENTIAL_ENDED, "the API key or session is no longer valid")
                return
            version = update.result()
            if feed.text is None:
                await websocket.close(1000, "campaign deleted")
                return
            await websocket.send_text(feed.text)
    finally:
        left.cancel()
        revoked.cancel()


async def _until_client_leaves(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it disconnects."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
