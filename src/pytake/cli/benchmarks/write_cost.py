"""Per-attempt write cost: how long recording attempts took at the start and at the end of a run."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# The share of all attempts that makes "the start" and "the end" of a run.
WINDOW_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class WriteCost:
    """Mean seconds spent writing one attempt, over the first and the last attempts of a run."""

    start_seconds: float
    end_seconds: float

    @property
    def growth(self) -> float:
        """End ÷ start: 1.0 means writing an attempt costs as much at the end as at the start."""
        return self.end_seconds / self.start_seconds if self.start_seconds > 0 else 0.0


def _never() -> bool:
    return False


class WriteLog:
    """Every write of attempts in order: how many attempts it recorded and how long it took.

    Writes made while `is_draining()` (only retries left, a few per write) count as attempts
    but stay out of the windows: their fixed cost per transaction is not a cost that grows.
    """

    def __init__(self, is_draining: Callable[[], bool] = _never) -> None:
        self._is_draining = is_draining
        self._writes: list[tuple[int, float]] = []
        self.attempts = 0
        self.drain_attempts = 0

    def record(self, attempts: int, seconds: float) -> None:
        """Has the shape of the engine's flush hook, `on_flush(outcomes_written, seconds)`."""
        if attempts <= 0:
            return
        self.attempts += attempts
        if self._is_draining():
            self.drain_attempts += attempts
        else:
            self._writes.append((attempts, seconds))

    def cost(self, share: float = WINDOW_SHARE) -> WriteCost:
        """Each window is made of whole writes, from either end, until it holds `share`."""
        wanted = max(1.0, share * (self.attempts - self.drain_attempts))
        return WriteCost(
            start_seconds=_mean_cost(self._writes, wanted),
            end_seconds=_mean_cost(reversed(self._writes), wanted),
        )


def _mean_cost(writes: Iterable[tuple[int, float]], wanted: float) -> float:
    attempts, seconds = 0, 0.0
    for count, took in writes:
        if attempts >= wanted:
            break
        attempts += count
        seconds += took
    return seconds / attempts if attempts else 0.0
