"""Meta's webhook endpoint: the GET verification handshake and signed status deliveries."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from pytake.web.deps import RuntimeDep
from pytake.whatsapp.receiver import MAX_BODY_BYTES, WebhookTooLargeError
from pytake.whatsapp.webhook import SIGNATURE_HEADER, is_subscription_valid
from pytake.whatsapp.webhook_metrics import WEBHOOK_REQUESTS

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("/meta", response_class=PlainTextResponse)
async def verify_subscription(
    runtime: RuntimeDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str, Query(alias="hub.challenge")] = "",
) -> PlainTextResponse:
    """Meta's handshake: echoes `hub.challenge` when the verify token matches, else 403."""
    expected = runtime.settings.whatsapp_verify_token
    if is_subscription_valid(mode, token, expected.get_secret_value() if expected else None):
        return PlainTextResponse(challenge)
    return PlainTextResponse("Forbidden", status_code=403)


@router.post("/meta")
async def receive_webhook(request: Request, runtime: RuntimeDep) -> dict[str, int | bool]:
    """A signed Cloud API webhook: its statuses are applied before the 200 answer."""
    runtime.webhooks.ensure_enabled()
    body = await _read_body(request, MAX_BODY_BYTES)
    receipt = await runtime.webhooks.receive(body, request.headers.get(SIGNATURE_HEADER))
    return receipt.as_json()


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused past `limit` bytes whatever Content-Length claims."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        WEBHOOK_REQUESTS.labels("too_large").inc()
        raise WebhookTooLargeError(f"the body is over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            WEBHOOK_REQUESTS.labels("too_large").inc()
            raise WebhookTooLargeError(f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
