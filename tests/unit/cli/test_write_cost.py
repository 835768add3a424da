"""Per-attempt write cost over the first and last tenth of a run's attempts."""

import pytest

from pytake.cli.benchmarks.write_cost import WriteLog

pytestmark = pytest.mark.unit


def _log(*writes: tuple[int, float], log: WriteLog | None = None) -> WriteLog:
    log = log or WriteLog()
    for attempts, seconds in writes:
        log.record(attempts, seconds)
    return log


def test_growth_is_one_when_every_attempt_costs_the_same_whatever_the_write_size() -> None:
    log = _log(*[(size, size * 0.001) for size in (10, 250, 40, 3, 90, 7, 250, 1)])

    cost = log.cost()

    assert cost.start_seconds == pytest.approx(0.001)
    assert cost.end_seconds == pytest.approx(0.001)
    assert cost.growth == pytest.approx(1.0)


def test_growth_is_end_over_start_when_writes_get_slower() -> None:
    log = _log(*[(10, 0.010)] * 9, (10, 0.030))

    cost = log.cost()

    assert cost.start_seconds == pytest.approx(0.001)
    assert cost.end_seconds == pytest.approx(0.003)
    assert cost.growth == pytest.approx(3.0)


def test_window_takes_the_whole_write_when_a_write_crosses_the_tenth() -> None:
    log = _log((5, 0.005), (20, 0.060), (75, 0.075))

    assert log.cost().start_seconds == pytest.approx(0.065 / 25)


def test_attempts_count_every_recorded_attempt_when_writes_were_recorded() -> None:
    assert _log((3, 0.1), (4, 0.1)).attempts == 7


def test_empty_write_is_ignored_when_it_recorded_no_attempt() -> None:
    log = _log((0, 5.0), (10, 0.01))

    assert log.cost().start_seconds == pytest.approx(0.001)


def test_cost_and_growth_are_zero_when_nothing_was_written() -> None:
    cost = WriteLog().cost()

    assert (cost.start_seconds, cost.end_seconds, cost.growth) == (0.0, 0.0, 0.0)


def test_drain_writes_count_as_attempts_but_stay_out_of_the_windows_when_draining() -> None:
    draining = False
    log = _log(*[(10, 0.010)] * 10, log=WriteLog(is_draining=lambda: draining))
    draining = True
    _log((1, 0.5), (2, 0.5), log=log)

    cost = log.cost()

    assert (log.attempts, log.drain_attempts) == (103, 3)
    assert cost.end_seconds == pytest.approx(0.001)
    assert cost.growth == pytest.approx(1.0)
