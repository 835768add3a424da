"""Circuit breaker: the share of failed attempts over a sliding window (pure).

When a template or token is broken, almost every send fails; pausing early keeps such a
campaign from burning through its whole list (ENGINE.md §2, issue "rate limits").
"""

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    window: int = 200
    threshold: float = 0.5
    min_attempts: int = 50


class FailureWindow:
    """The last `window` attempts of one campaign, failed or not."""

    def __init__(self, settings: BreakerSettings) -> None:
        self.settings = settings
        self._outcomes: deque[bool] = deque(maxlen=settings.window)
        self._failed = 0

    def record(self, *, failed: bool) -> None:
        if len(self._outcomes) == self._outcomes.maxlen and self._outcomes[0]:
            self._failed -= 1
        self._outcomes.append(failed)
        self._failed += failed

    @property
    def failure_share(self) -> float:
        return self._failed / len(self._outcomes) if self._outcomes else 0.0

    def is_tripped(self) -> bool:
        enough = len(self._outcomes) >= min(self.settings.min_attempts, self.settings.window)
        return enough and self.failure_share > self.settings.threshold

    def describe(self) -> str:
        return (
            f"{self.failure_share:.0%} of the last {len(self._outcomes)} attempts failed "
            f"(threshold {self.settings.threshold:.0%})"
        )
