"""The throughput and pair-rate windows, with time passed in by hand."""

from pytake.whatsapp.simulator.limits import PairRateWindow, ThroughputWindow

NUMBER = "106540352242922"


def _accept_while_room(window: ThroughputWindow, times: list[float], limit: int) -> int:
    accepted = 0
    for now in times:
        if window.has_room(NUMBER, now, limit):
            window.record(NUMBER, now)
            accepted += 1
    return accepted


def test_throughput_stops_at_the_limit_when_sends_come_within_one_second() -> None:
    window = ThroughputWindow()
    assert _accept_while_room(window, [100.0 + i * 0.01 for i in range(20)], limit=5) == 5


def test_throughput_has_room_again_when_the_oldest_send_is_one_second_old() -> None:
    window = ThroughputWindow()
    _accept_while_room(window, [100.0, 100.1, 100.2], limit=3)
    assert not window.has_room(NUMBER, 100.99, 3)
    assert window.has_room(NUMBER, 101.0, 3)


def test_throughput_window_slides_when_sends_straddle_a_second_boundary() -> None:
    window = ThroughputWindow()
    _accept_while_room(window, [100.6, 100.7, 100.8], limit=3)
    assert not window.has_room(NUMBER, 101.1, 3)


def test_throughput_is_unlimited_when_limit_is_none() -> None:
    window = ThroughputWindow()
    for i in range(1000):
        assert window.has_room(NUMBER, 100.0 + i / 10_000, None)
        window.record(NUMBER, 100.0 + i / 10_000)


def test_max_per_second_is_the_busiest_second_when_rate_varies() -> None:
    window = ThroughputWindow()
    for now in [1.0, 1.5, 2.2, 2.3, 2.4, 2.45, 5.0]:
        window.record(NUMBER, now)
    assert window.max_per_second == {NUMBER: 5}


def test_throughput_counts_each_number_apart_when_two_numbers_send() -> None:
    window = ThroughputWindow()
    window.record("1", 100.0)
    assert window.has_room("2", 100.0, 1)
    assert not window.has_room("1", 100.5, 1)


def test_pair_rate_refuses_the_46th_send_when_within_six_seconds() -> None:
    pairs = PairRateWindow()
    for i in range(45):
        assert pairs.has_room(NUMBER, "5511999990001", 100.0 + i * 0.1)
        pairs.record(NUMBER, "5511999990001", 100.0 + i * 0.1)
    assert not pairs.has_room(NUMBER, "5511999990001", 104.6)
    assert pairs.has_room(NUMBER, "5511999990002", 104.6)


def test_pair_rate_has_room_again_when_six_seconds_have_passed() -> None:
    pairs = PairRateWindow(limit=2, window_seconds=6.0)
    pairs.record(NUMBER, "5511999990001", 100.0)
    pairs.record(NUMBER, "5511999990001", 101.0)
    assert not pairs.has_room(NUMBER, "5511999990001", 105.9)
    assert pairs.has_room(NUMBER, "5511999990001", 106.0)


def test_pair_rate_forgets_old_pairs_when_their_window_has_passed() -> None:
    pairs = PairRateWindow(limit=1, window_seconds=6.0)
    pairs.record(NUMBER, "5511999990001", 100.0)
    pairs.record(NUMBER, "5511999990002", 107.0)
    assert pairs.has_room(NUMBER, "5511999990001", 107.0)
    assert not pairs.has_room(NUMBER, "5511999990002", 107.5)
