"""The async Cloud API client: one pooled aiohttp session, every outcome a SendResult.

It sends a number's access token only to an origin of PYTAKE_WHATSAPP_API_HOSTS, only to a
public address (see resolver.py), and reads at most MAX_RESPONSE_BYTES of any answer.
"""

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Final, Self
from urllib.parse import quote

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from pytake.core.origins import OriginAllowlist, OriginError, origin_of
from pytake.sending.ports import ErrorClass, SendError, SendRequest, SendResult
from pytake.whatsapp.payloads import build_template_body, oversized_answer, parse_send_answer
from pytake.whatsapp.resolver import PublicAddressResolver, UnsafeAddressError

_JSON_SEPARATORS = (",", ":")
# Meta's answers are a few hundred bytes; anything near this is not the Cloud API talking.
MAX_RESPONSE_BYTES: Final = 1024 * 1024
_READ_CHUNK_BYTES: Final = 64 * 1024
_MAX_REMEMBERED_BASES: Final = 1024


class CloudApiClient:
    """A MessageSender over Meta's Cloud API, shared by every concurrent send of a process."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float,
        api_hosts: OriginAllowlist,
        max_connections: int = 128,
        base_resolver: Callable[[], AbstractResolver] = DefaultResolver,
    ) -> None:
        """`base_resolver` makes the resolver whose answers are checked (tests fake DNS)."""
        self._api_hosts = api_hosts
        self._base_resolver = base_resolver
        self._timeout_seconds = timeout_seconds
        self._connect_timeout_seconds = connect_timeout_seconds
        # sock_connect, not connect: aiohttp's `connect` also counts the wait for a pooled
        # connection, which is queueing on our side, not a slow server.
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._resolver: AbstractResolver | None = None
        self._refusals: dict[str, SendError | None] = {}

    async def send(self, request: SendRequest) -> SendResult:
        """Send one template message; network and HTTP failures come back as a SendError."""
        started = time.perf_counter()
        url = _messages_url(request)
        if (refusal := self._refusal_for(request.api_base_url, url)) is not None:
            return SendResult(wamid=None, error=refusal, duration_ms=_elapsed_ms(started))
        try:
            status, body, headers = await self._post(url, request)
        except aiohttp.ConnectionTimeoutError:
            error = _transient(f"Timeout after {self._connect_timeout_seconds:g}s connecting")
        except TimeoutError:
            error = _transient(f"Timeout after {self._timeout_seconds:g}s")
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            error = SendError(ErrorClass.HALTING, f"Invalid Cloud API URL: {exc}")
        except aiohttp.ClientConnectorError as exc:
            error = _connect_error(exc)
        except (aiohttp.ClientError, OSError) as exc:
            error = _transient(f"Connection error: {str(exc) or type(exc).__name__}")
        else:
            if body is None:
                return SendResult(
                    wamid=None,
                    error=oversized_answer(status, headers, limit=MAX_RESPONSE_BYTES),
                    duration_ms=_elapsed_ms(started),
                )
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

    def _refusal_for(self, api_base_url: str, url: str) -> SendError | None:
        # Parsing an origin costs more than a send's JSON body, and a process sees few bases.
        if api_base_url not in self._refusals:
            if len(self._refusals) >= _MAX_REMEMBERED_BASES:
                self._refusals.clear()
            self._refusals[api_base_url] = self._refusal(url)
        return self._refusals[api_base_url]

    def _refusal(self, url: str) -> SendError | None:
        """Why the token may not go to `url`; None when it may."""
        try:
            origin = origin_of(url)
        except OriginError as exc:
            return SendError(ErrorClass.HALTING, f"Invalid Cloud API URL: it {exc}")
        if origin not in self._api_hosts:
            return SendError(
                ErrorClass.HALTING,
                f"Refused to send: the Cloud API origin {origin} is not in "
                "PYTAKE_WHATSAPP_API_HOSTS",
            )
        return None

    async def _post(
        self, url: str, request: SendRequest
    ) -> tuple[int, bytes | None, Mapping[str, str]]:
        """The answer's status, body (None when longer than the cap) and headers."""
        session = self._session or self._open_session()
        body = json.dumps(build_template_body(request), separators=_JSON_SEPARATORS).encode()
        headers = {
            "Authorization": f"Bearer {request.access_token}",
            "Content-Type": "application/json",
        }
        # A redirect would re-send the token elsewhere, and POST-to-GET would lose the body.
        async with session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
            content = await _read_capped(answer)
            if content is None:
                answer.close()  # the rest is never read, so the connection cannot be reused
            return (
                answer.status,
                _without_token_bytes(content, request.access_token),
                answer.headers,
            )

    def _open_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop the session is bound to.
        self._resolver = PublicAddressResolver(self._base_resolver())
        connector = aiohttp.TCPConnector(limit=self._max_connections, resolver=self._resolver)
        self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        """Close the pooled connections; a later send opens a new session."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        if self._resolver is not None:
            # A resolver handed to the connector is the caller's to close.
            resolver, self._resolver = self._resolver, None
            await resolver.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _messages_url(request: SendRequest) -> str:
    # Quoted: an id stored before ids had to be digits cannot climb out of the path.
    phone_number_id = quote(request.phone_number_id, safe="")
    return f"{request.api_base_url.rstrip('/')}/{phone_number_id}/messages"


async def _read_capped(answer: aiohttp.ClientResponse) -> bytes | None:
    """The whole body, or None as soon as it is known to pass MAX_RESPONSE_BYTES."""
    if answer.content_length is not None and answer.content_length > MAX_RESPONSE_BYTES:
        return None
    body = bytearray()
    async for chunk in answer.content.iter_chunked(_READ_CHUNK_BYTES):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            return None
    return bytes(body)


def _connect_error(exc: aiohttp.ClientConnectorError) -> SendError:
    if isinstance(exc.os_error, UnsafeAddressError):
        # The number's configuration points at this network: retrying cannot help.
        return SendError(
            ErrorClass.HALTING,
            f"Refused to connect: the Cloud API host {exc.os_error}; only public addresses "
            "are used unless PYTAKE_WHATSAPP_API_HOSTS names the address itself",
        )
    return _transient(f"Connection error: {str(exc) or type(exc).__name__}")


def _transient(message: str) -> SendError:
    return SendError(ErrorClass.TRANSIENT, message)


def _without_token_bytes(body: bytes | None, access_token: str) -> bytes | None:
    # Before the body is read: a message cut to length could keep part of an echoed token.
    if body is None or not access_token:
        return body
    return body.replace(access_token.encode(), b"[redacted]")


def _without_token(error: SendError, access_token: str) -> SendError:
    if access_token and access_token in error.message:
        return dataclasses.replace(error, message=error.message.replace(access_token, "[redacted]"))
    return error


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
