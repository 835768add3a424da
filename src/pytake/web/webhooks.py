"""Meta's webhook endpoint: the GET verification handshake and signed status deliveries."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from pytake.web.api.responses import refusal
from pytake.web.deps import RuntimeDep
from pytake.whatsapp.receiver import MAX_BODY_BYTES, WebhookReceipt, WebhookTooLargeError
from pytake.whatsapp.webhook import SIGNATURE_HEADER, is_subscription_valid
from pytake.whatsapp.webhook_metrics import WEBHOOK_REQUESTS

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

_TEXT = {"text/plain": {"schema": {"type": "string"}}}
# The body is read raw (its signature covers the exact bytes), so FastAPI cannot describe it:
# this is the envelope `parse_webhook` checks; what is inside a `value` is read leniently.
_VALUE_LISTS = ("statuses", "errors", "messages")
_SIGNED_BODY = {
    "parameters": [
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "description": "`sha256=` and the hex HMAC-SHA256 of the raw body with the app secret",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["object", "entry"],
                    "properties": {
                        "object": {"type": "string", "example": "whatsapp_business_account"},
                        "entry": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "changes": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["value"],
                                            "properties": {
                                                "value": {
                                                    "type": "object",
                                                    "properties": {
                                                        name: {"type": "array"}
                                                        for name in _VALUE_LISTS
                                                    },
                                                }
                                            },
                                        },
                                    }
                                },
                            },
                        },
                    },
                }
            }
        },
    },
}


@router.get(
    "/meta",
    response_class=PlainTextResponse,
    responses={
        200: {"content": _TEXT, "description": "The verify token matches: `hub.challenge`"},
        403: {"content": _TEXT, "description": "Not a subscription with our verify token"},
    },
)
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


@router.post(
    "/meta",
    openapi_extra=_SIGNED_BODY,
    responses={
        400: refusal("Signed, but not a Cloud API webhook body"),
        401: refusal(f"{SIGNATURE_HEADER} is missing or does not match the body"),
        413: refusal(f"The body is over {MAX_BODY_BYTES} bytes"),
        503: refusal("Webhooks are off: PYTAKE_WHATSAPP_APP_SECRET is unset"),
    },
)
async def receive_webhook(request: Request, runtime: RuntimeDep) -> WebhookReceipt:
    """A signed Cloud API webhook: its statuses are applied before the 200 answer."""
    runtime.webhooks.ensure_enabled()
    body = await _read_body(request, MAX_BODY_BYTES)
    receipt = await runtime.webhooks.receive(body, request.headers.get(SIGNATURE_HEADER))
    return receipt


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
