"""The circuit breaker's sliding window of failed attempts."""

from pytake.sending.breaker import BreakerSettings, FailureWindow


def _window(failures: list[bool], **settings: float) -> FailureWindow:
    window = FailureWindow(BreakerSettings(**settings))  # type: ignore[arg-type]
    for failed in failures:
        window.record(failed=failed)
    return window


def test_breaker_trips_when_more_than_the_threshold_fails() -> None:
    assert _window([True] * 31 + [False] * 29, window=200, min_attempts=50).is_tripped()


def test_breaker_holds_when_exactly_the_threshold_fails() -> None:
    assert not _window([True, False] * 50, window=200, min_attempts=50).is_tripped()


def test_breaker_waits_for_enough_attempts_when_the_campaign_has_just_started() -> None:
    assert not _window([True] * 49, window=200, min_attempts=50).is_tripped()


def test_old_failures_leave_the_window_when_newer_attempts_succeed() -> None:
    window = _window([True] * 10 + [False] * 10, window=10, min_attempts=5)
    assert window.failure_share == 0
    assert not window.is_tripped()


def test_description_names_the_share_and_threshold_when_tripped() -> None:
    window = _window([True] * 6 + [False] * 4, window=10, min_attempts=5, threshold=0.5)
    assert window.describe() == "60% of the last 10 attempts failed (threshold 50%)"
