"""Per-number send pacing: a token bucket every send passes through (ENGINE.md §4).

Each number's sends are spaced `1 / rate` apart, measured from when each send really went:
a send that wakes late (a busy event loop) pushes the next one back instead of letting two
go together, so no one-second window ever holds more than `rate` sends. A number the API
throttles is slowed down at once and recovers gradually. This implementation serves one
process; the distributed mode keeps the same state in Redis behind the same port.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# Pacing a little under the limit absorbs jitter between our send and its arrival at the API.
PACING_MARGIN = 0.95
SLOWDOWN_FACTOR = 0.5
SLOWEST_SHARE = 0.1
# After a throttling answer the share of the limit used grows back by this much per second.
RECOVERY_PER_SECOND = 0.05


@dataclass(slots=True)
class _Bucket:
    next_slot: float = 0.0
    share_when_throttled: float = 1.0
    throttled_at: float = 0.0
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    def share(self, now: float) -> float:
        """The share of the configured rate in use now, growing back after a throttle."""
        recovered = (now - self.throttled_at) * RECOVERY_PER_SECOND
        return min(1.0, self.share_when_throttled + recovered)


class LocalRateLimiter:
    """Token buckets keyed by WhatsApp number, for every campaign of this process."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, key: str, rate_per_second: float) -> None:
        """Returns when `key` may send its next message (waiters are served in turn)."""
        bucket = self._buckets.setdefault(key, _Bucket())
        async with bucket.turn:
            wait = bucket.next_slot - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            now = self._monotonic()
            bucket.next_slot = now + 1.0 / (rate_per_second * PACING_MARGIN * bucket.share(now))

    async def slow_down(self, key: str) -> None:
        """The API said we sent too fast: halve this number's pace for a while."""
        now = self._monotonic()
        bucket = self._buckets.setdefault(key, _Bucket())
        bucket.share_when_throttled = max(SLOWEST_SHARE, bucket.share(now) * SLOWDOWN_FACTOR)
        bucket.throttled_at = now
