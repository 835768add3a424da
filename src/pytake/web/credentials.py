"""Open sockets' credentials, re-checked together every `CHECK_SECONDS`.

A socket is opened with an API key or a dashboard session; when the key is revoked, or the
session signed out or expired, the socket must not keep streaming. The check reads the
shared database, so a key revoked by another process (another API server, `pytake apikey
revoke`) is noticed too; a revocation made in this process asks for a check at once. One
query a round covers every socket of the process, however many there are.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import HTTPConnection

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Credential:
    """What a socket was opened with: an API key or a dashboard session, by id."""

    kind: Literal["api_key", "web_session"]
    id: uuid.UUID


CredentialCheck = Callable[[frozenset[Credential]], Awaitable[set[Credential]]]


class CredentialWatch:
    """Sets a watcher's event once its credential no longer holds."""

    def __init__(self, check: CredentialCheck, *, interval: float = CHECK_SECONDS) -> None:
        """`check` returns those of the credentials given that still hold."""
        self._check, self._interval = check, interval
        self._watchers: dict[Credential, list[asyncio.Event]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def watching(self, credential: Credential) -> AsyncIterator[asyncio.Event]:
        ended = asyncio.Event()
        self._watchers.setdefault(credential, []).append(ended)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="pytake-credential-watch")
        try:
            yield ended
        finally:
            events = self._watchers.get(credential, [])
            if ended in events:
                events.remove(ended)
            if not events:
                self._watchers.pop(credential, None)

    def check_soon(self) -> None:
        """Checks now rather than at the next round (a credential was just revoked here)."""
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            credentials = frozenset(self._watchers)
            if not credentials:
                continue
            try:
                holding = await self._check(credentials)
            except Exception:
                # A database hiccup ends no socket: the next round checks again.
                logger.exception("could not check the credentials of open sockets")
                continue
            for credential in credentials - holding:
                for ended in self._watchers.pop(credential, []):
                    ended.set()


def credential_watch_of(connection: HTTPConnection) -> CredentialWatch:
    watch: CredentialWatch = connection.app.state.credential_watch
    return watch
