"""The campaign state table: every lifecycle move from every status."""

from datetime import UTC, datetime, timedelta

import pytest

from pytake.campaigns.models import CampaignStatus as S
from pytake.campaigns.states import can_transition, status_to_run, transition_error

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

ALLOWED = {
    "start": {S.DRAFT},
    "pause": {S.RUNNING, S.SCHEDULED},
    "resume": {S.PAUSED},
    "cancel": {S.DRAFT, S.SCHEDULED, S.RUNNING, S.PAUSED},
    "retry-failed": {S.RUNNING, S.PAUSED, S.COMPLETED},
    "edit": {S.DRAFT},
    "delete": {S.DRAFT, S.COMPLETED, S.CANCELLED},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(S))
def test_move_is_allowed_only_from_its_statuses_when_attempted(action: str, status: S) -> None:
    assert can_transition(action, status) is (status in ALLOWED[action])


def test_nothing_but_deletion_leaves_an_ended_campaign_when_it_is_completed() -> None:
    moves = {action for action in ALLOWED if can_transition(action, S.CANCELLED)}
    assert moves == {"delete"}


def test_refusal_names_the_move_and_the_status_when_not_allowed() -> None:
    assert transition_error("pause", "completed") == "cannot pause a campaign in status completed"


@pytest.mark.parametrize(
    ("scheduled_at", "status"),
    [
        (None, S.RUNNING),
        (NOW - timedelta(seconds=1), S.RUNNING),
        (NOW, S.RUNNING),
        (NOW + timedelta(seconds=1), S.SCHEDULED),
    ],
)
def test_campaign_waits_for_its_time_only_when_it_has_not_come_when_started_or_resumed(
    scheduled_at: datetime | None, status: S
) -> None:
    assert status_to_run(scheduled_at, NOW) == status
