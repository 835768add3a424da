"""The body-size middleware on its own: when it answers 413 and how much it lets the app read."""

import json
from collections.abc import Callable

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pytake.web.body_limit import BodyLimit, BodyLimitMiddleware

LIMIT = BodyLimit(100, "PYTAKE_MAX_BODY_BYTES")
BIG = BodyLimit(1000, "PYTAKE_MAX_IMPORT_BYTES")


class Client:
    """Sends one request in `chunks` and keeps what was read and answered."""

    def __init__(self, chunks: list[bytes], *, content_length: int | None = None) -> None:
        self.chunks = chunks
        self.content_length = content_length
        self.reads = 0
        self.answer: list[Message] = []

    def scope(self, path: str) -> Scope:
        headers = (
            []
            if self.content_length is None
            else [(b"content-length", b"%d" % self.content_length)]
        )
        return {"type": "http", "method": "POST", "path": path, "headers": headers}

    async def receive(self) -> Message:
        self.reads += 1
        if self.reads > len(self.chunks):
            return {"type": "http.disconnect"}
        more = self.reads < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.reads - 1], "more_body": more}

    async def send(self, message: Message) -> None:
        self.answer.append(message)

    @property
    def status(self) -> int:
        return int(self.answer[0]["status"])

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"") for m in self.answer if m["type"] == "http.response.body"
        )


def reading_app(on_body: Callable[[bytes], Response]) -> ASGIApp:
    """An app that reads the whole body, then answers what `on_body` makes of it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        try:
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        except Exception:
            # As FastAPI does with a body it could not read.
            await Response("There was an error parsing the body", status_code=400)(
                scope, receive, send
            )
            return
        await on_body(body)(scope, receive, send)

    return app


def echo(body: bytes) -> Response:
    return JSONResponse({"size": len(body)})


async def call(client: Client, path: str = "/api/v1/contacts") -> None:
    middleware = BodyLimitMiddleware(
        reading_app(echo),
        default=LIMIT,
        by_path={"/contacts/import": BIG, "/webhooks/meta": None},
    )
    await middleware(client.scope(path), client.receive, client.send)


async def test_413_without_reading_anything_when_content_length_is_over_the_limit() -> None:
    client = Client([b"x" * 101], content_length=101)
    await call(client)
    assert client.status == 413
    assert json.loads(client.body) == {
        "detail": "request body is larger than 100 bytes (PYTAKE_MAX_BODY_BYTES)"
    }
    assert client.reads == 0


async def test_413_replaces_the_apps_answer_when_a_chunked_body_passes_the_limit() -> None:
    client = Client([b"x" * 60, b"x" * 60, b"x" * 60])
    await call(client)
    assert client.status == 413
    assert b"PYTAKE_MAX_BODY_BYTES" in client.body
    assert client.reads == 2
    assert [m["type"] for m in client.answer] == ["http.response.start", "http.response.body"]


async def test_the_app_reads_the_whole_body_when_it_is_at_the_limit() -> None:
    client = Client([b"x" * 50, b"x" * 50])
    await call(client)
    assert client.status == 200
    assert json.loads(client.body) == {"size": 100}


async def test_a_path_with_its_own_limit_takes_more_when_configured() -> None:
    client = Client([b"x" * 600, b"x" * 400], content_length=1000)
    await call(client, "/contacts/import")
    assert client.status == 200
    over = Client([b"x" * 1001])
    await call(over, "/contacts/import")
    assert over.status == 413
    assert b"larger than 1000 bytes (PYTAKE_MAX_IMPORT_BYTES)" in over.body


async def test_the_route_sets_the_limit_when_its_path_has_none() -> None:
    client = Client([b"x" * 5000], content_length=5000)
    await call(client, "/webhooks/meta")
    assert client.status == 200
    assert json.loads(client.body) == {"size": 5000}
