"""Refuses a request body over its route's size limit with 413, without reading the rest."""

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """At most `max_bytes` of body; `setting` is the variable that sets it, named in the 413."""

    max_bytes: int
    setting: str

    def response(self) -> JSONResponse:
        detail = f"request body is larger than {self.max_bytes} bytes ({self.setting})"
        return JSONResponse({"detail": detail}, status_code=413)


class _BodyTooLargeError(Exception):
    """Raised from `receive` to stop the app reading a body once it is over the limit."""


class BodyLimitMiddleware:
    """Content-Length over the limit is refused before the app runs; a body sent without one
    (chunked) is counted as it streams in, and the app's answer is replaced by the 413 once
    it passes the limit.

    `by_path` gives some paths their own limit; None leaves the limit to the route itself.
    """

    def __init__(
        self, app: ASGIApp, *, default: BodyLimit, by_path: Mapping[str, BodyLimit | None]
    ) -> None:
        self.app = app
        self.default = default
        self.by_path = dict(by_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"], self.default)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await limit.response()(scope, receive, send)
            return
        await _LimitedRequest(self.app, limit)(scope, receive, send)


class _LimitedRequest:
    def __init__(self, app: ASGIApp, limit: BodyLimit) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit.max_bytes:
                    self.exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers to a body it could not read (FastAPI makes it a 400)
            # gives way to the 413.
            if self.exceeded and not self.started:
                return
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not self.exceeded or self.started:
                raise
        if self.exceeded and not self.started:
            await self.limit.response()(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
