"""Settings read from `PYTAKE_*` variables, and their bounds."""

import pytest
from pydantic import ValidationError

from pytake.core.settings import Settings

pytestmark = pytest.mark.unit


def test_webhook_retention_is_30_days_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTAKE_WEBHOOK_RETENTION_DAYS", raising=False)
    assert Settings(_env_file=None).webhook_retention_days == 30
    monkeypatch.setenv("PYTAKE_WEBHOOK_RETENTION_DAYS", "3650")
    assert Settings(_env_file=None).webhook_retention_days == 3650


@pytest.mark.parametrize("days", ["0", "3651", "1e9"])
def test_webhook_retention_is_refused_naming_it_when_out_of_bounds(
    monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.setenv("PYTAKE_WEBHOOK_RETENTION_DAYS", days)
    with pytest.raises(ValidationError, match="webhook_retention_days"):
        Settings(_env_file=None)
