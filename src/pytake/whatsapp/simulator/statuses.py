"""Status webhook content: which statuses a message gets and when, the envelope, the signature."""

import hashlib
import hmac
import json
import random
from dataclasses import dataclass

from pytake.whatsapp.simulator.error_bodies import spec_for
from pytake.whatsapp.simulator.store import AcceptedMessage

FAILED_STATUS_CODES = (131026, 131049)
_ERRORS_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"
_CONVERSATION_SECONDS = 24 * 3600

Status = dict[str, object]


@dataclass(frozen=True, slots=True)
class StatusPlan:
    """The webhook knobs that shape one message's statuses."""

    delay_seconds: float
    read_rate: float
    failed_rate: float
    duplicate_rate: float
    reorder_rate: float


def sign_body(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value: HMAC-SHA256 of the exact body bytes, keyed by the secret."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def encode_envelope(
    statuses: list[Status], *, waba_id: str, display_phone_number: str, phone_number_id: str
) -> bytes:
    """Meta's webhook envelope around statuses of one phone number, as compact ASCII JSON."""
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            "statuses": statuses,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def plan_statuses(
    message: AcceptedMessage, rng: random.Random, plan: StatusPlan
) -> list[tuple[float, Status]]:
    """(due time, status) pairs for one message: sent, then delivered/read or failed."""
    step = plan.delay_seconds
    sent_at = message.accepted_at + step
    conversation_id = f"{rng.getrandbits(128):032x}"
    events = [(sent_at, _sent(message, sent_at, conversation_id))]
    if rng.random() < plan.failed_rate:
        code = rng.choice(FAILED_STATUS_CODES)
        events.append((sent_at + step, _failed(message, sent_at + step, code)))
    else:
        delivered_at, read_at = sent_at + step, sent_at + 2 * step
        delivered = _base(message, "delivered", delivered_at)
        delivered["conversation"] = {"id": conversation_id, "origin": _origin(message)}
        delivered["pricing"] = _pricing(message)
        is_read = rng.random() < plan.read_rate
        # The event timestamps stay in order; only the arrival order is swapped.
        if is_read and rng.random() < plan.reorder_rate:
            delivered_at, read_at = read_at, delivered_at
        events.append((delivered_at, delivered))
        if is_read:
            events.append((read_at, _base(message, "read", sent_at + 2 * step)))
    duplicates = [
        (due + step / 2, status) for due, status in events if rng.random() < plan.duplicate_rate
    ]
    return events + duplicates


def _base(message: AcceptedMessage, status: str, at: float) -> Status:
    fields: Status = {
        "id": message.wamid,
        "status": status,
        "timestamp": str(int(at)),
        "recipient_id": message.wa_id,
    }
    if message.biz_opaque_callback_data is not None and status != "failed":
        fields["biz_opaque_callback_data"] = message.biz_opaque_callback_data
    return fields


def _origin(message: AcceptedMessage) -> dict[str, str]:
    return {"type": "marketing" if message.template_name is not None else "service"}


def _pricing(message: AcceptedMessage) -> dict[str, object]:
    return {"billable": True, "pricing_model": "PMP", "category": _origin(message)["type"]}


def _sent(message: AcceptedMessage, at: float, conversation_id: str) -> Status:
    status = _base(message, "sent", at)
    status["conversation"] = {
        "id": conversation_id,
        "expiration_timestamp": str(int(at) + _CONVERSATION_SECONDS),
        "origin": _origin(message),
    }
    status["pricing"] = _pricing(message)
    return status


def _failed(message: AcceptedMessage, at: float, code: int) -> Status:
    spec = spec_for(code)
    status = _base(message, "failed", at)
    status["errors"] = [
        {
            "code": code,
            "title": spec.title,
            "message": spec.title,
            "error_data": {"details": spec.details},
            "href": _ERRORS_HREF,
        }
    ]
    return status
