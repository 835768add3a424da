"""The send endpoint, POST /{version}/{phone_number_id}/messages, answered like the Cloud API."""

import asyncio
import contextlib
import json
import sys
import time

from aiohttp import web

from pytake.whatsapp.simulator.error_bodies import graph_error_body, html_error_body, spec_for
from pytake.whatsapp.simulator.faults import decide_fault
from pytake.whatsapp.simulator.rules import FaultWord
from pytake.whatsapp.simulator.state import SimulatorState
from pytake.whatsapp.simulator.validation import Problem, SendInput, validate_send

_JSON = "application/json"
_HTML_FAULTS: dict[FaultWord, tuple[int, str]] = {
    "http500": (500, "Internal Server Error"),
    "garbage": (502, "Bad Gateway"),
}


class SendEndpoint:
    """The hot path: plain checks and no per-request logging, for thousands of sends a second."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state

    async def handle(self, request: web.Request) -> web.Response:
        state = self._state
        if request.headers.get("Authorization") != state.expected_authorization:
            return self._graph_error(190)
        # Interned: a 100k-message log would otherwise hold 100k copies of a few ids.
        phone_number_id = sys.intern(request.match_info["phone_number_id"])
        if not phone_number_id.isdigit():
            return self._problem(
                Problem(100, f"Object with ID '{phone_number_id}' does not exist.")
            )
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return self._problem(Problem(100, "The request body is not valid JSON."))
        send = validate_send(payload)
        if isinstance(send, Problem):
            return self._problem(send)
        now = time.monotonic()
        if not state.throughput.has_room(phone_number_id, now, state.config.throughput):
            return self._graph_error(130429)
        if not state.pairs.has_room(phone_number_id, send.wa_id, now):
            return self._graph_error(131056)
        fault = decide_fault(
            send.wa_id, rules=state.rules, rng=state.fault_rng, rates=state.fault_rates
        )
        if fault is None:
            return self._accept(send, phone_number_id, now)
        if isinstance(fault, int):
            return self._graph_error(fault)
        if fault == "timeout":
            return await self._hang(send, phone_number_id, now)
        return self._html_error(fault)

    def _accept(self, send: SendInput, phone_number_id: str, now: float) -> web.Response:
        state = self._state
        state.throughput.record(phone_number_id, now)
        state.pairs.record(phone_number_id, send.wa_id, now)
        message = state.log.accept(send, phone_number_id, time.time())
        if state.config.webhook_url is not None:
            state.webhooks.enqueue(message)
        reply: dict[str, str] = {"id": message.wamid}
        if send.template_name is not None:
            reply["message_status"] = "accepted"
        body = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": send.to, "wa_id": send.wa_id}],
            "messages": [reply],
        }
        return web.Response(body=json.dumps(body).encode(), content_type=_JSON)

    async def _hang(self, send: SendInput, phone_number_id: str, now: float) -> web.Response:
        """Answer only after the client has given up; the message may have gone out anyway."""
        state = self._state
        config = state.config
        accepted = self._accept(send, phone_number_id, now) if config.timeout_accepts else None
        if accepted is None:
            state.rejected["timeout"] += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.closing.wait(), config.timeout_seconds)
        if accepted is not None:
            return accepted
        return web.Response(
            status=504, body=html_error_body(504, "Gateway Time-out"), content_type="text/html"
        )

    def _graph_error(self, code: int) -> web.Response:
        self._state.rejected[str(code)] += 1
        return web.Response(
            status=spec_for(code).http_status, body=graph_error_body(code), content_type=_JSON
        )

    def _problem(self, problem: Problem) -> web.Response:
        self._state.rejected[str(problem.code)] += 1
        body = graph_error_body(
            problem.code, problem.details, message=f"(#{problem.code}) {problem.details}"
        )
        return web.Response(status=400, body=body, content_type=_JSON)

    def _html_error(self, fault: FaultWord) -> web.Response:
        self._state.rejected[fault] += 1
        status, reason = _HTML_FAULTS[fault]
        return web.Response(
            status=status, body=html_error_body(status, reason), content_type="text/html"
        )
