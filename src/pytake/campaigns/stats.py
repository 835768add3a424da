"""Campaign statistics from per-status aggregates of the message rows (pure formulas)."""

from dataclasses import dataclass

from pytake.campaigns.models import MessageStatus as M
from pytake.campaigns.schemas import StatusCounts

ENDED_STATUSES = frozenset({M.SENT, M.DELIVERED, M.READ, M.FAILED, M.SKIPPED, M.CANCELLED})


@dataclass(frozen=True, slots=True)
class StatusAggregate:
    """What one status's message rows add up to."""

    status: str
    messages: int
    attempts: int = 0
    # Contacts tried more than once (throttled or halted sends are no try), whatever came of it.
    retried: int = 0
    first_attempt_succeeded: int = 0


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    total_contacts: int
    statuses: StatusCounts
    total_attempts: int
    successful_on_first_attempt: int
    required_retries: int
    ended: int

    @property
    def progress(self) -> float:
        return round(100 * self.ended / self.total_contacts, 1) if self.total_contacts else 0.0

    @property
    def avg_attempts_per_contact(self) -> float:
        if not self.total_contacts:
            return 0.0
        return round(self.total_attempts / self.total_contacts, 3)

    @property
    def retry_rate(self) -> float:
        if not self.total_contacts:
            return 0.0
        return round(100 * self.required_retries / self.total_contacts, 2)


def summarize(aggregates: list[StatusAggregate]) -> CampaignFigures:
    """Folds per-status rows into the figures of API.md's retry-stats (its meanings, fixed)."""
    by_status = {row.status: row.messages for row in aggregates}

    def count(*statuses: str) -> int:
        return sum(by_status.get(status, 0) for status in statuses)

    statuses = StatusCounts(
        pending=count(M.PENDING, M.SENDING),
        sent=count(M.SENT, M.DELIVERED, M.READ),
        delivered=count(M.DELIVERED, M.READ),
        read=count(M.READ),
        retrying=count(M.RETRYING),
        failed=count(M.FAILED),
        skipped=count(M.SKIPPED),
        cancelled=count(M.CANCELLED),
    )
    return CampaignFigures(
        total_contacts=sum(by_status.values()),
        statuses=statuses,
        total_attempts=sum(row.attempts for row in aggregates),
        successful_on_first_attempt=sum(row.first_attempt_succeeded for row in aggregates),
        required_retries=sum(row.retried for row in aggregates),
        ended=count(*ENDED_STATUSES),
    )


RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SendPace:
    """Sends accepted by the API in the last window of a campaign's activity."""

    successes: int
    window_seconds: float
    throughput_mps: int


def estimate_eta(remaining: int, pace: SendPace, *, waiting_seconds: float = 0.0) -> float | None:
    """Seconds until the campaign's open messages are sent: at the observed pace (or the
    number's throughput before any is observed), never faster than the throughput, plus any
    wait for a limit to lapse."""
    if remaining <= 0:
        return None
    observed = pace.successes / pace.window_seconds if pace.window_seconds > 0 else 0.0
    rate = min(observed or float(pace.throughput_mps), float(pace.throughput_mps))
    return round(max(0.0, waiting_seconds) + remaining / rate, 1)
