"""What one run measured, and the process's peak memory."""

import resource
import sys
from dataclasses import dataclass

from pytake.cli.benchmarks.write_cost import WriteCost


@dataclass(frozen=True, slots=True)
class RunResult:
    """One design's run over the bench contacts (all of them, or fewer when stopped early)."""

    contacts: int
    sent: int
    failed: int
    attempts: int
    seconds: float
    write_cost: WriteCost
    peak_rss_mb: float
    # Attempts left out of the write-cost windows (the engine's retry tail).
    tail_attempts: int = 0
    # CPU time of this process (every thread) over `seconds`; the simulator has its own.
    cpu_seconds: float = 0.0

    @property
    def messages_per_second(self) -> float:
        """Contacts finished (sent or failed for good) per second, end to end."""
        return self.contacts / self.seconds if self.seconds > 0 else 0.0

    @property
    def attempts_per_cpu_second(self) -> float:
        """Send attempts per second of this process's CPU: what a send costs, not how long."""
        return self.attempts / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
