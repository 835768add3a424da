"""`WS /ws/campaigns/{id}`: a snapshot on connect, then the campaign's changes, at most 4 a second.

The socket stays open after the campaign ends: the event with `"final": true` says it has, and
the delivery receipts that keep arriving afterwards (and a retry-failed run) are still sent.
"""

import asyncio
import contextlib
import logging
import uuid

from fastapi import APIRouter, FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

from pytake.bootstrap import Runtime
from pytake.campaigns import queries, repository
from pytake.campaigns.schemas import CampaignProgress
from pytake.core.errors import NotFoundError
from pytake.core.logging import RedactSecrets
from pytake.web.auth import authenticate_key, is_same_origin, session_of_cookie
from pytake.web.progress_feeds import ProgressFeed, ProgressHub

POLICY_VIOLATION = 1008
router = APIRouter()


def install_live_progress(app: FastAPI, runtime: Runtime) -> None:
    """Serves the socket with one hub per app; changes come from `runtime.progress`."""

    async def load(campaign_id: uuid.UUID) -> CampaignProgress | None:
        async with runtime.db.session() as session:
            return await queries.progress_snapshot(session, campaign_id)

    app.state.progress_hub = ProgressHub(runtime.progress, load)
    app.include_router(router)
    # The server logs a socket's path with its query, where `?api_key=` may be.
    for name in ("uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in server_logger.filters):
            server_logger.addFilter(RedactSecrets())


@router.websocket("/ws/campaigns/{campaign_id}")
async def campaign_progress(websocket: WebSocket, campaign_id: uuid.UUID) -> None:
    # Accepted before the checks so that a refused client reads the 1008 code and its reason
    # instead of a bare failed handshake.
    await websocket.accept()
    refusal = await _refusal(websocket, campaign_id)
    if refusal is not None:
        await websocket.close(POLICY_VIOLATION, refusal)
        return
    hub: ProgressHub = websocket.app.state.progress_hub
    async with hub.subscribe(campaign_id) as feed:
        with contextlib.suppress(WebSocketDisconnect):
            await _stream(websocket, feed)


async def _refusal(websocket: WebSocket, campaign_id: uuid.UUID) -> str | None:
    runtime: Runtime = websocket.app.state.runtime
    organization_id = await _organization_id(runtime, websocket)
    if organization_id is None:
        return "a valid api_key or dashboard session is required"
    async with runtime.db.session() as session:
        try:
            await repository.get_campaign(session, organization_id, campaign_id)
        except NotFoundError:
            return "campaign not found"
    return None


async def _organization_id(runtime: Runtime, websocket: WebSocket) -> uuid.UUID | None:
    key = websocket.query_params.get("api_key")
    scheme, _, bearer = websocket.headers.get("authorization", "").partition(" ")
    if not key and scheme.lower() == "bearer":
        key = bearer.strip()
    if key:
        identity = await authenticate_key(runtime, key)
        return identity.organization_id if identity is not None else None
    # Browsers send cookies with a socket opened by any site; only our own pages may use them.
    if not is_same_origin(websocket.headers):
        return None
    signed_in = await session_of_cookie(runtime, websocket)
    return signed_in.organization.id if signed_in is not None else None


async def _stream(websocket: WebSocket, feed: ProgressFeed) -> None:
    left = asyncio.create_task(_until_client_leaves(websocket))
    version = 0
    try:
        while True:
            update = asyncio.create_task(feed.next_after(version))
            await asyncio.wait({update, left}, return_when=asyncio.FIRST_COMPLETED)
            if left.done():
                update.cancel()
                return
            version = update.result()
            if feed.text is None:
                await websocket.close(1000, "campaign deleted")
                return
            await websocket.send_text(feed.text)
    finally:
        left.cancel()


async def _until_client_leaves(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it disconnects."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
