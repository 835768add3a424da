"""The campaign state table: which lifecycle move is allowed from which status."""

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
