"""The campaign state table: which lifecycle move is allowed from which status."""

from datetime import datetime

from pytake.campaigns.models import CampaignStatus as S

ENDED = frozenset({S.COMPLETED, S.CANCELLED})

TRANSITIONS: dict[str, frozenset[S]] = {
    "start": frozenset({S.DRAFT}),
    "pause": frozenset({S.RUNNING, S.SCHEDULED}),
    "resume": frozenset({S.PAUSED}),
    "cancel": frozenset({S.DRAFT, S.SCHEDULED, S.RUNNING, S.PAUSED}),
    "retry-failed": frozenset({S.RUNNING, S.PAUSED, S.COMPLETED}),
    "edit": frozenset({S.DRAFT}),
    "delete": frozenset({S.DRAFT, S.COMPLETED, S.CANCELLED}),
}


def can_transition(action: str, status: str) -> bool:
    return status in TRANSITIONS[action]


def transition_error(action: str, status: str) -> str:
    return f"cannot {action} a campaign in status {status}"


def status_to_run(scheduled_at: datetime | None, now: datetime) -> S:
    """Where start and resume take a campaign: it waits, scheduled, until its time has come."""
    return S.SCHEDULED if scheduled_at is not None and scheduled_at > now else S.RUNNING
