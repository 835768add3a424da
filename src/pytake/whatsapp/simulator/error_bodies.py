"""Meta's Graph error bodies and HTTP statuses for each Cloud API code the simulator can return."""

import base64
import json
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GraphErrorSpec:
    """How Meta answers one error code: status, title, details and the odd extra field."""

    http_status: int
    title: str
    details: str
    subcode: int | None = None
    is_transient: bool | None = None
    message: str | None = None
    has_error_data: bool = True


_S = GraphErrorSpec
SPECS: dict[int, GraphErrorSpec] = {
    0: _S(401, "AuthException", "We were unable to authenticate the app user."),
    1: _S(500, "API Unknown", "Invalid request or possible server error."),
    2: _S(500, "API Service", "Temporary due to downtime or due to being overloaded.", None, True),
    3: _S(403, "API Method", "Capability or permissions issue."),
    # Meta's own 429 example for code 4 carries no "(#4)" prefix and no error_data.
    4: _S(429, "Too many calls", "", 2446079, True, "Application request limit reached", False),
    10: _S(403, "Permission Denied", "Permission is either not granted or has been removed."),
    33: _S(400, "Parameter value is not valid", "The business phone number has been deleted."),
    100: _S(400, "Invalid parameter", "The request included an unsupported or misspelled field."),
    # Graph auth errors read like the spec example, not "(#190) …".
    190: _S(401, "Access token has expired", "", 463, None, "Invalid OAuth access token", False),
    200: _S(403, "API Permission", "Permission is either not granted or has been removed."),
    368: _S(403, "Temporarily blocked for policies violations", "The account is restricted."),
    80007: _S(
        400, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."
    ),
    130429: _S(400, "Rate limit hit", "Cloud API message throughput has been reached.", 2494055),
    130472: _S(400, "User's number is part of an experiment", "Failed to send message."),
    130497: _S(400, "Business account is restricted from messaging users in this country", ""),
    131000: _S(500, "Something went wrong", "Message failed to send due to an unknown error."),
    131005: _S(403, "Access denied", "Permission is either not granted or has been removed."),
    131008: _S(400, "Required parameter is missing", "The request is missing a parameter."),
    131009: _S(400, "Parameter value is not valid", "One or more parameter values are invalid."),
    131016: _S(503, "Service unavailable", "A service is temporarily unavailable."),
    131021: _S(400, "Recipient cannot be sender", "Sender and recipient are the same number."),
    131026: _S(
        400,
        "Message undeliverable",
        "Unable to deliver message. Reasons can include: the recipient phone number is not a "
        "WhatsApp phone number; the recipient has not accepted the new Terms of Service; the "
        "recipient is using an old WhatsApp version.",
    ),
    131031: _S(403, "Business Account locked", "The WhatsApp Business Account is locked."),
    131042: _S(400, "Business eligibility payment issue", "There is a payment method problem."),
    131047: _S(400, "Re-engagement message", "More than 24 hours since the customer replied."),
    131048: _S(400, "Spam rate limit hit", "Too many previous messages were blocked or flagged."),
    131049: _S(
        400,
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: _S(400, "User stopped marketing messages", "The user opted out of marketing."),
    131051: _S(400, "Unsupported message type", "The message type is not supported."),
    131056: _S(
        400,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from this phone number to the same phone number in a short "
        "period of time.",
    ),
    131057: _S(503, "Account in maintenance mode", "The business account is in maintenance."),
    132000: _S(400, "Number of parameters does not match the expected number of params", ""),
    132001: _S(404, "Template name does not exist in the translation", "Template not found."),
    132015: _S(400, "Template is Paused", "The template is paused because of low quality."),
    132016: _S(400, "Template is Disabled", "The template has been permanently disabled."),
    133004: _S(503, "Server temporarily unavailable", "Server is temporarily unavailable."),
    133010: _S(400, "Phone number not registered", "The phone number is not registered."),
    135000: _S(400, "Generic user error", "Message failed to send because of an unknown error."),
}


def spec_for(code: int) -> GraphErrorSpec:
    """The table row for `code`; unknown codes get a plain 400 (200-299: 403, permissions)."""
    spec = SPECS.get(code)
    if spec is not None:
        return spec
    if 200 <= code <= 299:
        return SPECS[200]
    return GraphErrorSpec(400, "Simulated error", f"Simulated Cloud API error {code}.")


def new_fbtrace_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(18)).decode()[:23]


def graph_error_body(code: int, details: str | None = None, message: str | None = None) -> bytes:
    """The JSON body Meta sends for `code`, with optional request-specific details."""
    spec = spec_for(code)
    error: dict[str, object] = {
        "message": message or spec.message or f"(#{code}) {spec.title}",
        "type": "OAuthException",
        "code": code,
    }
    if spec.has_error_data or details:
        error["error_data"] = {
            "messaging_product": "whatsapp",
            "details": details or spec.details or spec.title,
        }
    if spec.subcode is not None:
        error["error_subcode"] = spec.subcode
    if spec.is_transient is not None:
        error["is_transient"] = spec.is_transient
    error["fbtrace_id"] = new_fbtrace_id()
    return json.dumps({"error": error}).encode()


def html_error_body(status: int, reason: str) -> bytes:
    """What a proxy in front of Graph answers when it fails: HTML, not JSON."""
    return (
        f"<html><head><title>{status} {reason}</title></head>"
        f"<body><center><h1>{status} {reason}</h1></center></body></html>"
    ).encode()
