"""Geometry of the dashboard's charts from aggregates."""

import pytest

from pytake.campaigns.schemas import AttemptBucket, ErrorReason
from pytake.web.dashboard.charts import attempts_chart, nice_ceiling, reason_bars, share

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (7, 10), (12, 20), (240, 250), (369, 500), (9001, 10000)]
)
def test_axis_top_is_a_round_number_when_rounding_up(value: int, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


def test_columns_cover_every_attempt_count_when_some_are_missing() -> None:
    chart = attempts_chart(
        [AttemptBucket(attempts=1, contacts=80), AttemptBucket(attempts=3, contacts=20)]
    )
    assert [(c.label, c.value) for c in chart.columns] == [("0", 0), ("1", 80), ("2", 0), ("3", 20)]
    assert chart.columns[1].height == pytest.approx(chart.baseline - chart.columns[1].y)
    assert chart.columns[1].height > chart.columns[3].height > 0


def test_long_tails_fold_into_the_last_column_when_attempts_exceed_ten() -> None:
    chart = attempts_chart([AttemptBucket(attempts=n, contacts=1) for n in range(14)])
    assert chart.columns[-1].label == "10+"
    assert chart.columns[-1].value == 4


def test_chart_is_empty_when_nothing_was_sent() -> None:
    assert attempts_chart([]).is_empty


def test_reasons_are_scaled_to_the_most_frequent_when_drawn() -> None:
    bars = reason_bars(
        [
            ErrorReason(
                code=131026, error_class="permanent", attempts=40, example="not on WhatsApp"
            ),
            ErrorReason(code=None, error_class="transient", attempts=10, example="timeout"),
        ]
    )
    assert [(b.label, b.share) for b in bars] == [
        ("Code 131026", 100.0),
        ("No code (network)", 25.0),
    ]


def test_share_is_zero_when_there_is_no_total() -> None:
    assert (share(5, 0), share(1, 3)) == (0.0, 33.33)
