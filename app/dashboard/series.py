"""The dashboard's two time series, each one GROUP BY in SQL: meetings per week over the last
26 weeks (up to the period's end), and completion by cohort (month of start)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.dashboard.filters import Filters

WEEKS = 26  # "the last six months"


@dataclass(frozen=True)
class Week:
    monday: date
    meetings: int  # meetings that count (not disputed) met that week
    confirmed_minutes: int

    @property
    def hours(self) -> float:
        return rules.hours(self.confirmed_minutes)


@dataclass(frozen=True)
class Cohort:
    month: str  # YYYY-MM of the start date
    started: int
    completed: int
    ended_early: int
    running: int  # still active

    @property
    def completion_rate(self) -> float | None:
        finished = self.completed + self.ended_early
        return self.completed / finished if finished else None


def first_monday(end: date) -> date:
    """The Monday opening the first of the ``WEEKS`` weeks that end with ``end``'s week."""
    return end - timedelta(days=end.weekday()) - timedelta(weeks=WEEKS - 1)


def meetings_per_week(session: Session, sql: measures.Sql, filters: Filters) -> list[Week]:
    """Monday-to-Sunday weeks, the last one holding the period's end day."""
    monday = first_monday(filters.end)
    bucket = (sql.day(Checkin.met_on) - measures.day_number(monday)) // 7
    stmt = (
        select(
            bucket.label("week"),
            func.sum(case((Checkin.status != CheckinStatus.disputed, 1), else_=0)),
            func.sum(case((Checkin.status == CheckinStatus.confirmed, Checkin.minutes), else_=0)),
        )
        .where(Checkin.met_on.between(monday, filters.end))
        .group_by(bucket)
    )
    if filters.neighbourhood:
        stmt = stmt.where(
            Checkin.contract_id.in_(
                select(Contract.id).where(*measures.in_area(filters.neighbourhood))
            )
        )
    found = {int(week): (int(n or 0), int(m or 0)) for week, n, m in session.execute(stmt)}
    return [Week(monday + timedelta(weeks=i), *found.get(i, (0, 0))) for i in range(WEEKS)]


def cohorts(session: Session, sql: measures.Sql, filters: Filters) -> list[Cohort]:
    """Contracts that started (both signed) with a start date in the period, by month."""
    month = sql.month(Contract.start_date)

    def count(status: ContractStatus) -> ColumnElement[int]:
        return func.sum(case((Contract.status == status, 1), else_=0))

    stmt = (
        select(
            month.label("month"),
            func.count(),
            count(ContractStatus.completed),
            count(ContractStatus.ended_early),
            count(ContractStatus.active),
        )
        .where(
            Contract.status.in_((ContractStatus.active, ContractStatus.completed,
                                 ContractStatus.ended_early)),
            Contract.start_date.between(filters.start, filters.end),
            *measures.in_area(filters.neighbourhood),
        )
        .group_by(month)
        .order_by(month)
    )  # fmt: skip
    return [
        Cohort(str(m), int(n), int(done or 0), int(early or 0), int(running or 0))
        for m, n, done, early, running in session.execute(stmt)
    ]
