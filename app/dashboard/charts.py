"""Geometry of the dashboard's server-rendered SVG charts (no JavaScript, no chart library).

Plain functions from numbers to rectangles and axis ticks; ``frontend/templates/dashboard/
_charts.html`` draws them. Every chart is followed on the page by a table with the same numbers
(for screen readers, and for anyone who wants the exact values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
LEFT = 40  # room for the y-axis labels
BOTTOM = 28  # room for the x-axis labels
TOP = 12
ROW_HEIGHT = 30
ROW_LABEL = 150


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str  # shown as the SVG <title> (tooltip)
    part: int = 0  # which series of a stacked chart (a CSS class picks the colour)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    baseline: float


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    width: float
    value: int


@dataclass(frozen=True)
class RowChart:
    width: int
    height: int
    label_width: int
    rows: list[Row]


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1): round axis ends."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _y_ticks(top: int, plot_height: float) -> list[Tick]:
    steps = 4 if top >= 4 else top
    return [
        Tick(TOP + plot_height - plot_height * i / steps, f"{round(top * i / steps):g}")
        for i in range(steps + 1)
    ]


def columns(
    values: Sequence[tuple[str, Sequence[int]]], *, label_every: int = 1, titles: Sequence[str] = ()
) -> Chart:
    """Vertical bars, one per ``(label, parts)``; several parts stack (bottom part first)."""
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max((sum(parts) for _, parts in values), default=0))
    slot = plot_width / max(len(values), 1)
    bar = max(2.0, slot * 0.7)
    rects: list[Rect] = []
    x_ticks: list[Tick] = []
    for i, (label, parts) in enumerate(values):
        x = LEFT + i * slot + (slot - bar) / 2
        bottom: float = TOP + plot_height
        for part, value in enumerate(parts):
            height = plot_height * value / top
            title = f"{label}: {value}" if not titles else f"{label}, {titles[part]}: {value}"
            rects.append(Rect(round(x, 1), round(bottom - height, 1), round(bar, 1),
                              round(height, 1), value, title, part))  # fmt: skip
            bottom -= height
        if i % label_every == 0:
            x_ticks.append(Tick(round(x + bar / 2, 1), label))
    return Chart(WIDTH, HEIGHT, rects, _y_ticks(top, plot_height), x_ticks, TOP + plot_height)


def rows(values: Sequence[tuple[str, int]]) -> RowChart:
    """Horizontal bars with their label before and their value after (the pipeline)."""
    top = nice_ceiling(max((v for _, v in values), default=0))
    room = WIDTH - ROW_LABEL - 60
    return RowChart(
        WIDTH,
        ROW_HEIGHT * len(values) + 8,
        ROW_LABEL,
        [
            Row(4 + i * ROW_HEIGHT, label, round(room * value / top, 1), value)
            for i, (label, value) in enumerate(values)
        ],
    )
