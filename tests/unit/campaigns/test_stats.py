"""Retry-statistics formulas over per-status aggregates (API.md's fixed meanings)."""

from pytake.campaigns.stats import SendPace, StatusAggregate, estimate_eta, summarize


def test_figures_follow_api_meanings_when_statuses_are_mixed() -> None:
    figures = summarize(
        [
            StatusAggregate("pending", 3),
            StatusAggregate("sending", 2, attempts=1, retried=1),
            StatusAggregate("sent", 40, attempts=45, retried=5, first_attempt_succeeded=35),
            StatusAggregate("delivered", 30, attempts=30, first_attempt_succeeded=30),
            StatusAggregate("read", 20, attempts=22, retried=2, first_attempt_succeeded=18),
            StatusAggregate("retrying", 2, attempts=2, retried=2),
            StatusAggregate("failed", 3, attempts=9, retried=2),
        ]
    )
    s = figures.statuses
    assert (s.pending, s.sent, s.delivered, s.read, s.retrying, s.failed) == (5, 90, 50, 20, 2, 3)
    assert s.pending + s.sent + s.retrying + s.failed == figures.total_contacts == 100
    assert figures.total_attempts == 109
    assert figures.avg_attempts_per_contact == 1.09
    assert figures.successful_on_first_attempt == 83
    assert figures.required_retries == 12
    assert figures.retry_rate == 12.0
    assert figures.progress == 93.0


def test_figures_are_zero_when_campaign_is_empty() -> None:
    figures = summarize([])
    assert (figures.avg_attempts_per_contact, figures.retry_rate, figures.progress) == (0, 0, 0)


def test_rates_are_rounded_when_fractions_repeat() -> None:
    figures = summarize([StatusAggregate("sent", 3, attempts=4, retried=1)])
    assert figures.avg_attempts_per_contact == 1.333
    assert figures.retry_rate == 33.33


def test_skipped_and_cancelled_count_toward_total_and_progress_when_present() -> None:
    figures = summarize(
        [
            StatusAggregate("skipped", 1),
            StatusAggregate("cancelled", 1),
            StatusAggregate("pending", 2),
        ]
    )
    assert (figures.total_contacts, figures.progress) == (4, 50.0)


def test_eta_follows_the_observed_pace_when_sends_have_been_seen() -> None:
    assert estimate_eta(600, SendPace(successes=600, window_seconds=60, throughput_mps=80)) == 60


def test_eta_uses_the_number_throughput_when_nothing_was_sent_yet() -> None:
    assert estimate_eta(800, SendPace(successes=0, window_seconds=0, throughput_mps=80)) == 10


def test_eta_is_never_faster_than_the_number_allows_when_a_burst_was_observed() -> None:
    assert estimate_eta(200, SendPace(successes=6000, window_seconds=60, throughput_mps=20)) == 10


def test_eta_adds_the_wait_for_a_limit_when_the_campaign_waits_for_one() -> None:
    pace = SendPace(successes=0, window_seconds=0, throughput_mps=10)
    assert estimate_eta(50, pace, waiting_seconds=3600) == 3605


def test_eta_is_none_when_nothing_is_left_to_send() -> None:
    assert estimate_eta(0, SendPace(successes=5, window_seconds=60, throughput_mps=80)) is None
