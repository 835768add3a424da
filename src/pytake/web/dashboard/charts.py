"""Geometry of the dashboard's inline SVG charts, computed from aggregates (no I/O)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pytake.campaigns.schemas import AttemptBucket, ErrorReason

CHART_WIDTH = 560
CHART_HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 18, 28
_MAX_COLUMNS = 11


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class ColumnChart:
    columns: list[Column]
    ticks: list[Tick]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: float = CHART_HEIGHT - _BOTTOM
    left: float = _LEFT

    @property
    def is_empty(self) -> bool:
        return not any(column.value for column in self.columns)


@dataclass(frozen=True, slots=True)
class ReasonBar:
    label: str
    detail: str
    error_class: str
    attempts: int
    share: float


def share(value: int, total: int) -> float:
    """`value` as a percentage of `total`, for a bar's width (0 when there is no total)."""
    return round(min(100.0, 100 * value / total), 2) if total > 0 else 0.0


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5 or 5 × a power of ten that is at least `value`."""
    if value <= 1:
        return 1
    power: int = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return math.ceil(step * power)
    raise AssertionError("unreachable: 10 × power is always enough")


def attempts_chart(buckets: Sequence[AttemptBucket]) -> ColumnChart:
    """Contacts by attempts made, one column per count from 0; the tail is folded into "10+"."""
    counts: dict[int, int] = {}
    for bucket in buckets:
        key = min(bucket.attempts, _MAX_COLUMNS - 1)
        counts[key] = counts.get(key, 0) + bucket.contacts
    last = max(counts, default=0)
    top = nice_ceiling(max(counts.values(), default=0))
    plot_width = CHART_WIDTH - _LEFT - _RIGHT
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    slot = plot_width / (max(last, 3) + 1)
    columns = []
    for attempts in range(last + 1):
        value = counts.get(attempts, 0)
        height = plot_height * value / top
        label = f"{attempts}+" if attempts == _MAX_COLUMNS - 1 else str(attempts)
        columns.append(
            Column(
                label=label,
                value=value,
                x=round(_LEFT + slot * attempts + slot * 0.18, 2),
                y=round(_TOP + plot_height - height, 2),
                width=round(slot * 0.64, 2),
                height=round(height, 2),
            )
        )
    marks = (0, top // 2, top) if top % 2 == 0 else (0, top)
    ticks = [Tick(value=mark, y=round(_TOP + plot_height * (1 - mark / top), 2)) for mark in marks]
    return ColumnChart(columns=columns, ticks=ticks)


def reason_bars(reasons: Sequence[ErrorReason]) -> list[ReasonBar]:
    """One bar per reason, the most frequent full width."""
    top = max((reason.attempts for reason in reasons), default=0)
    return [
        ReasonBar(
            label=f"Code {reason.code}" if reason.code is not None else "No code (network)",
            detail=reason.example,
            error_class=reason.error_class or "unknown",
            attempts=reason.attempts,
            share=share(reason.attempts, top),
        )
        for reason in reasons
    ]
