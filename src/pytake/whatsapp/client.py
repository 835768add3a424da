"""The async Cloud API client: one pooled aiohttp session, every outcome a SendResult."""

import dataclasses
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import aiohttp

from pytake.sending.ports import ErrorClass, SendError, SendRequest, SendResult
from pytake.whatsapp.payloads import build_template_body, parse_send_answer

_JSON_SEPARATORS = (",", ":")


class CloudApiClient:
    """A MessageSender over Meta's Cloud API, shared by every concurrent send of a process."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float,
        max_connections: int = 128,
    ) -> None:
        self._timeout_seconds = timeout_seconds
        self._connect_timeout_seconds = connect_timeout_seconds
        # sock_connect, not connect: aiohttp's `connect` also counts the wait for a pooled
        # connection, which is queueing on our side, not a slow server.
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def send(self, request: SendRequest) -> SendResult:
        """Send one template message; network and HTTP failures come back as a SendError."""
        started = time.perf_counter()
        try:
            status, body, headers = await self._post(request)
        except aiohttp.ConnectionTimeoutError:
            error = _transient(f"Timeout after {self._connect_timeout_seconds:g}s connecting")
        except TimeoutError:
            error = _transient(f"Timeout after {self._timeout_seconds:g}s")
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            error = SendError(ErrorClass.HALTING, f"Invalid Cloud API URL: {exc}")
        except (aiohttp.ClientError, OSError) as exc:
            error = _transient(f"Connection error: {str(exc) or type(exc).__name__}")
        else:
            result = parse_send_answer(
                status,
                body,
                headers,
                attempt_count=request.attempt_count,
                duration_ms=_elapsed_ms(started),
            )
            if result.error is None:
                return result
            error = result.error
        return SendResult(
            wamid=None,
            error=_without_token(error, request.access_token),
            duration_ms=_elapsed_ms(started),
        )

    async def _post(self, request: SendRequest) -> tuple[int, bytes, Mapping[str, str]]:
        session = self._session or self._open_session()
        url = f"{request.api_base_url.rstrip('/')}/{request.phone_number_id}/messages"
        body = json.dumps(build_template_body(request), separators=_JSON_SEPARATORS).encode()
        headers = {
            "Authorization": f"Bearer {request.access_token}",
            "Content-Type": "application/json",
        }
        # A redirect would re-send the token elsewhere, and POST-to-GET would lose the body.
        async with session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
            return answer.status, await answer.read(), answer.headers

    def _open_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop the session is bound to.
        connector = aiohttp.TCPConnector(limit=self._max_connections)
        self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        """Close the pooled connections; a later send opens a new session."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _transient(message: str) -> SendError:
    return SendError(ErrorClass.TRANSIENT, message)


def _without_token(error: SendError, access_token: str) -> SendError:
    if access_token and access_token in error.message:
        return dataclasses.replace(error, message=error.message.replace(access_token, "[redacted]"))
    return error


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
