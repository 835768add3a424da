"""Sliding windows for the per-number throughput limit and the per-recipient pair rate."""

from collections import deque

PAIR_LIMIT = 45
PAIR_WINDOW_SECONDS = 6.0


def _expire(window: deque[float], cutoff: float) -> None:
    while window and window[0] <= cutoff:
        window.popleft()


class ThroughputWindow:
    """Accepted sends per phone number over the last second, and the most ever seen at once."""

    def __init__(self) -> None:
        self._windows: dict[str, deque[float]] = {}
        self.max_per_second: dict[str, int] = {}

    def has_room(self, phone_number_id: str, now: float, limit: int | None) -> bool:
        """Whether one more send now keeps this number within `limit` per second (None: any)."""
        if limit is None:
            return True
        window = self._windows.get(phone_number_id)
        if window is None:
            return limit > 0
        _expire(window, now - 1.0)
        return len(window) < limit

    def record(self, phone_number_id: str, now: float) -> None:
        window = self._windows.get(phone_number_id)
        if window is None:
            window = self._windows[phone_number_id] = deque()
        _expire(window, now - 1.0)
        window.append(now)
        if len(window) > self.max_per_second.get(phone_number_id, 0):
            self.max_per_second[phone_number_id] = len(window)

    def clear(self) -> None:
        self._windows.clear()
        self.max_per_second.clear()


class PairRateWindow:
    """Accepted sends per (number, recipient) over the last six seconds; at most 45 of them."""

    def __init__(
        self, limit: int = PAIR_LIMIT, window_seconds: float = PAIR_WINDOW_SECONDS
    ) -> None:
        self._limit = limit
        self._window_seconds = window_seconds
        self._pairs: dict[tuple[str, str], list[float]] = {}
        self._swept_at = 0.0

    def has_room(self, phone_number_id: str, wa_id: str, now: float) -> bool:
        sends = self._pairs.get((phone_number_id, wa_id))
        if sends is None:
            return True
        cutoff = now - self._window_seconds
        recent = sum(1 for sent_at in sends if sent_at > cutoff)
        return recent < self._limit

    def record(self, phone_number_id: str, wa_id: str, now: float) -> None:
        cutoff = now - self._window_seconds
        key = (phone_number_id, wa_id)
        sends = self._pairs.get(key)
        if sends is None:
            self._pairs[key] = [now]
        else:
            sends[:] = [sent_at for sent_at in sends if sent_at > cutoff]
            sends.append(now)
        if now - self._swept_at >= self._window_seconds:
            self._sweep(cutoff)
            self._swept_at = now

    def _sweep(self, cutoff: float) -> None:
        # A campaign touches each pair once; without this the dict would keep every recipient.
        stale = [key for key, sends in self._pairs.items() if sends[-1] <= cutoff]
        for key in stale:
            del self._pairs[key]

    def clear(self) -> None:
        self._pairs.clear()
