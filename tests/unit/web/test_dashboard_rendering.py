"""Template filters of the dashboard."""

import pytest

from pytake.web.dashboard.rendering import templates


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, ""),
        (0.2, "about 1 s left"),
        (42, "about 42 s left"),
        (600, "about 10 min left"),
        (24 * 3600 + 90, "about 24 h 2 min left"),
    ],
)
def test_time_left_reads_naturally_when_an_eta_is_shown(seconds: float | None, text: str) -> None:
    assert templates.env.filters["time_left"](seconds) == text
