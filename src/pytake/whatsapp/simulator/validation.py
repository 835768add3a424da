"""Checks a send body the way the Cloud API does, by hand so the hot path stays cheap."""

import sys
from dataclasses import dataclass

from pytake.whatsapp.simulator.rules import normalize_phone

MAX_CALLBACK_DATA = 512
_RECIPIENT_TYPES = ("individual", "group")


@dataclass(frozen=True, slots=True)
class SendInput:
    """What the simulator keeps from a valid send body."""

    to: str
    wa_id: str
    message_type: str
    template_name: str | None
    biz_opaque_callback_data: str | None


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a body was refused: the Cloud API code and a sentence naming the field."""

    code: int
    details: str


def validate_send(payload: object) -> SendInput | Problem:
    if not isinstance(payload, dict):
        return Problem(100, "The request body must be a JSON object.")
    problem = _check_envelope(payload)
    if problem is not None:
        return problem
    to = payload["to"]
    wa_id = normalize_phone(to)
    if wa_id is None:
        return Problem(131009, f"The parameter to is not a valid phone number: {to!r}.")
    message_type = payload["type"]
    if message_type == "template":
        template_name, problem = _check_template(payload.get("template"))
    elif message_type == "text":
        template_name, problem = None, _check_text(payload.get("text"))
    else:
        template_name = None
        problem = Problem(
            100, f"The parameter type must be template or text, not {message_type!r}."
        )
    if problem is not None:
        return problem
    return SendInput(
        to, wa_id, message_type, template_name, payload.get("biz_opaque_callback_data")
    )


def _check_envelope(payload: dict[str, object]) -> Problem | None:
    if payload.get("messaging_product") != "whatsapp":
        return Problem(100, "The parameter messaging_product is required and must be whatsapp.")
    recipient_type = payload.get("recipient_type")
    if recipient_type is not None and recipient_type not in _RECIPIENT_TYPES:
        return Problem(100, "The parameter recipient_type must be individual or group.")
    to = payload.get("to")
    if not isinstance(to, str) or not to:
        return Problem(100, "The parameter to is required.")
    if not isinstance(payload.get("type"), str):
        return Problem(100, "The parameter type is required.")
    callback_data = payload.get("biz_opaque_callback_data")
    if callback_data is not None and (
        not isinstance(callback_data, str) or len(callback_data) > MAX_CALLBACK_DATA
    ):
        return Problem(
            100,
            "The parameter biz_opaque_callback_data must be a string of at most 512 characters.",
        )
    return None


def _check_template(template: object) -> tuple[str | None, Problem | None]:
    if not isinstance(template, dict):
        return None, Problem(100, "The parameter template is required for type template.")
    name = template.get("name")
    if not isinstance(name, str) or not name:
        return None, Problem(100, "The parameter template.name is required.")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        return None, Problem(100, "The parameter template.language.code is required.")
    components = template.get("components")
    if components is not None and not isinstance(components, list):
        return None, Problem(100, "The parameter template.components must be an array.")
    return sys.intern(name), None


def _check_text(text: object) -> Problem | None:
    body = text.get("body") if isinstance(text, dict) else None
    if not isinstance(body, str) or not body:
        return Problem(100, "The parameter text.body is required for type text.")
    return None
