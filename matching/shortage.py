"""The shortage report: unmet panel demand by language, weekly slot and neighbourhood."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matching.model import Newcomer
from matching.results import ShortageReport, Unmet

GRID_DEG = 0.02
"""Fallback area cell: 0.02° ≈ 2.2 km north–south, 1.4 km east–west at Mechelen's latitude."""


def area_of(newcomer: Newcomer) -> str:
    """The newcomer's neighbourhood id, or a coarse grid-cell label when the app gives none.

    >>> from matching import Newcomer
    >>> area_of(Newcomer(id=1, languages={}, availability=set(), lat=51.03, lon=4.48))
    'grid:51.02,4.48'
    """
    if newcomer.area is not None:
        return newcomer.area
    # Integer cell indices first, so the label does not depend on float formatting noise.
    i, j = math.floor(newcomer.lat / GRID_DEG + 1e-9), math.floor(newcomer.lon / GRID_DEG + 1e-9)
    return f"grid:{i * GRID_DEG:.2f},{j * GRID_DEG:.2f}"


def shortage_report(
    newcomers: Sequence[Newcomer],
    panel_lengths: Sequence[int],
    panel_size: int,
    without_eligible: int,
) -> ShortageReport:
    """Aggregate unmet demand (``panel_size`` − panel length) over languages, slots, areas."""
    tallies: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    missing_total = 0
    for n, length in zip(newcomers, panel_lengths, strict=True):
        missing = panel_size - length
        if missing <= 0:
            continue
        missing_total += missing
        empty = int(length == 0)
        # Any order will do (the keys are sorted at the end); availability only holds names
        # from SLOTS (validated), so no membership test per slot.
        for tally, group in zip(tallies, (n.languages, n.availability, (area_of(n),)),
                                strict=True):
            for key in group:
                line = tally.get(key)
                if line is None:
                    tally[key] = [1, empty, missing]
                else:
                    line[0] += 1
                    line[1] += empty
                    line[2] += missing

    def ordered(tally: dict[str, list[int]]) -> dict[str, Unmet]:
        return {k: Unmet(*tally[k]) for k in sorted(tally, key=lambda k: (-tally[k][2], k))}

    return ShortageReport(
        missing=missing_total,
        newcomers_without_eligible_volunteer=without_eligible,
        by_language=ordered(tallies[0]),
        by_slot=ordered(tallies[1]),
        by_area=ordered(tallies[2]),
    )
