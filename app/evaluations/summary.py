"""Both sides' closing evaluations, summarised for staff per period and per neighbourhood.

An evaluation belongs to the period in which it was submitted (city-local day) and to the
neighbourhood of the contract's newcomer. The numbers are the fixed questions: the overall
score (1–5), whether the goals were met, and whether they would take part again. Written
comments are listed only when asked for (``comments``): staff read them on purpose, not in
passing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.checkins.models import Party
from app.config import CityProfile
from app.contracts.models import Contract
from app.dashboard.filters import Filters
from app.evaluations.models import Evaluation, GoalsMet
from app.people.models import Person

SCORES = (1, 2, 3, 4, 5)
CSV_COLUMNS = [
    "evaluation_id", "contract_id", "side", "neighbourhood", "submitted_on", "overall",
    "goals_met", "would_again", "comment",
]  # fmt: skip


@dataclass
class SideSummary:
    """The answers of one side (newcomers or volunteers) in one group."""

    count: int = 0
    score_total: int = 0
    scores: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    goals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GoalsMet, 0))
    would_again: int = 0

    def add(self, overall: int, goals_met: GoalsMet, again: bool) -> None:
        self.count += 1
        self.score_total += overall
        self.scores[overall] += 1
        self.goals[goals_met] += 1
        self.would_again += again

    @property
    def average(self) -> float | None:
        return round(self.score_total / self.count, 2) if self.count else None

    @property
    def would_again_share(self) -> float | None:
        return self.would_again / self.count if self.count else None


@dataclass(frozen=True)
class Comment:
    contract_id: int
    side: Party
    neighbourhood: str | None
    submitted_at: datetime
    overall: int
    text: str


@dataclass
class Summary:
    sides: dict[Party, SideSummary]
    by_neighbourhood: dict[str, dict[Party, SideSummary]]
    comments: list[Comment]


def _range(filters: Filters, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(filters.start, time(), tzinfo=zone)
    return start, datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=zone)


def _query(city: CityProfile, filters: Filters) -> Select[Evaluation, str | None]:
    start, end = _range(filters, city.timezone)
    stmt = (
        select(Evaluation, Person.neighbourhood)
        .join(Contract, Contract.id == Evaluation.contract_id)
        .join(Person, Person.id == Contract.newcomer_id)
        .where(Evaluation.submitted_at >= start, Evaluation.submitted_at < end)
        .order_by(Evaluation.submitted_at, Evaluation.id)
    )
    if filters.neighbourhood:
        stmt = stmt.where(Person.neighbourhood == filters.neighbourhood)
    return stmt


def summarise(session: Session, city: CityProfile, filters: Filters, *,
              comments: bool = False) -> Summary:
    """Totals per side, the same per neighbourhood, and (only if asked) the comments."""
    sides = {side: SideSummary() for side in Party}
    areas: dict[str, dict[Party, SideSummary]] = {}
    texts: list[Comment] = []
    for ev, area in session.execute(_query(city, filters)):
        sides[ev.side].add(ev.overall, ev.goals_met, ev.would_again)
        key = area or ""
        areas.setdefault(key, {side: SideSummary() for side in Party})[ev.side].add(
            ev.overall, ev.goals_met, ev.would_again)
        if comments and ev.text.strip():
            texts.append(Comment(ev.contract_id, ev.side, area, ev.submitted_at, ev.overall,
                                 ev.text))
    return Summary(sides, dict(sorted(areas.items())), texts)


def csv_rows(session: Session, city: CityProfile, filters: Filters
             ) -> Iterator[Sequence[object]]:
    """One row per evaluation, the comment included (the CSV is a staff file)."""
    zone = ZoneInfo(city.timezone)
    for ev, area in session.execute(_query(city, filters)):
        yield [ev.id, ev.contract_id, ev.side.value, area or "",
               ev.submitted_at.astimezone(zone).date().isoformat(), ev.overall,
               ev.goals_met.value, ev.would_again, ev.text]
