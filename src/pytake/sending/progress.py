"""In-process fan-out of "this campaign changed" signals to whoever watches it.

The engine and the webhook receiver publish; live views subscribe and recompute a snapshot
when signalled, so a burst of changes costs one snapshot, not one per change. In distributed
mode a Redis-backed publisher replaces this one behind the same `ProgressPublisher` port.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class LocalProgressBus:
    def __init__(self) -> None:
        self._watchers: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)

    def campaign_changed(self, campaign_id: uuid.UUID) -> None:
        for signal in self._watchers.get(campaign_id, ()):
            signal.set()

    @contextmanager
    def watch(self, campaign_id: uuid.UUID) -> Iterator[asyncio.Event]:
        """An event set on every change of the campaign until the block exits."""
        signal = asyncio.Event()
        self._watchers[campaign_id].add(signal)
        try:
            yield signal
        finally:
            watchers = self._watchers[campaign_id]
            watchers.discard(signal)
            if not watchers:
                del self._watchers[campaign_id]

    def watched(self) -> list[uuid.UUID]:
        return list(self._watchers)

    def watcher_count(self, campaign_id: uuid.UUID) -> int:
        return len(self._watchers.get(campaign_id, ()))
