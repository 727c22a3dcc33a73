"""Meeting rules as pure functions (dates in, numbers out): adherence, at risk, streak, hours,
the check-in time limits and the staff-call schedule. No database, no HTTP.

The dashboard mirrors these in SQL, so the definitions are exact.

PERIODS
    A contract's meeting periods are consecutive blocks of ``L`` days counted from its
    ``start_date`` (L = 7 for a weekly cadence, 14 for fortnightly), whatever weekday it
    started on: period ``k`` is ``[start + k·L, start + (k+1)·L − 1]``, and a meeting on day
    ``d`` falls in period ``(d − start).days // L`` (the day ``start + L`` opens period 1).

    All days are calendar days in the city (``today`` = the city-local date, see
    ``app.contracts.rules.local_date``). ``stop`` is the first day that is not over: ``today``
    for a running contract, and ``min(today, last_day + 1)`` once it ended (``last_day`` =
    ``end_date`` for a completed contract, the city-local date of ``ended_at`` for one ended
    early). Periods stop there.

    * ``n = max(0, (stop − start).days // L)`` periods are COMPLETED (entirely before stop);
    * period ``n`` is the OPEN one: the running period, or the last, cut-short period of an
      ended contract. It is never "missed"; it counts only once it has a meeting.

MEETINGS THAT COUNT
    For adherence, streak and at-risk: every logged meeting that the other side did not
    dispute (``pending`` and ``confirmed``; a meeting waiting for confirmation counts — the
    pair should not look at risk because one of them is slow to tap "confirm"). For hours:
    only ``confirmed`` meetings. Meetings before the start, in the future or after the last day
    are ignored.

ADHERENCE
    ``met`` = completed periods with at least one meeting, plus 1 if the open period has one;
    ``expected`` = ``n``, plus 1 if the open period has a meeting;
    adherence = met / expected, or ``None`` while expected = 0 (nothing to judge yet).
    In SQL: per contract, ``COUNT(DISTINCT (met_on − start) / L)`` over meetings with
    ``met_on < start + n·L`` gives the completed part.

AT RISK (only ACTIVE contracts)
    an open worry flag on any of its meetings, OR ``n ≥ 2`` and no meeting in periods
    ``n−2``, ``n−1`` and ``n``: the last two completed periods were missed and nothing has
    happened since. In SQL: ``n >= 2 AND (last_met_on IS NULL OR last_met_on <
    start + (n−2)·L)`` with ``last_met_on`` = the latest non-disputed ``met_on``.

STREAK
    The number of consecutive periods with a meeting, counted backwards from the open period
    if it has a meeting, else from the last completed period (an open period without a
    meeting does not break the streak yet). 0 if that period has none.

STAFF CALLS
    Staff should call each pair twice: the first call is due by the 1/3 mark of the
    contract (``start + total_days // 3``), the second by the 2/3 mark
    (``start + 2·total_days // 3``), ``total_days = (end_date − start).days``. On ``today``,
    ``due`` = the number of marks strictly before today and ``calls_missing = max(0, due −
    calls made on or before today)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.config import Cadence
from app.contracts.models import ContractStatus
from app.contracts.rules import local_date

EDIT_DAYS = 7  # a check-in can be changed or deleted by its author this long after logging
LATE_LOG_DAYS = 7  # after a contract ends, its last meetings can still be logged this long
MINUTES_PER_HOUR = 60


def period_days(cadence: Cadence) -> int:
    return cadence.days


def period_index(start: date, day: date, length: int) -> int:
    """The period ``day`` falls in (negative before the start)."""
    return (day - start).days // length


def period_bounds(start: date, index: int, length: int) -> tuple[date, date]:
    """First and last day of period ``index``."""
    first = start + timedelta(days=index * length)
    return first, first + timedelta(days=length - 1)


def last_day(
    status: ContractStatus, end_date: date | None, ended_at: datetime | None, timezone: str
) -> date | None:
    """The last day a meeting of this contract can be on; ``None`` while it runs openly."""
    if status is ContractStatus.ended_early and ended_at is not None:
        return local_date(ended_at, timezone)
    if status is ContractStatus.completed:
        return end_date
    return None


def stop_day(today: date, last: date | None) -> date:
    """The first day that is not over (see the module docstring)."""
    return today if last is None else min(today, last + timedelta(days=1))


@dataclass(frozen=True)
class Attendance:
    """What the periods of one contract look like on one day."""

    length: int  # days per period
    completed: int  # n: periods entirely over
    met_periods: frozenset[int]  # indices (0…n) of periods with a counting meeting
    open_has_meeting: bool

    @property
    def completed_met(self) -> int:
        return sum(1 for k in self.met_periods if k < self.completed)

    @property
    def expected(self) -> int:
        return self.completed + int(self.open_has_meeting)

    @property
    def met(self) -> int:
        return self.completed_met + int(self.open_has_meeting)

    @property
    def adherence(self) -> float | None:
        return self.met / self.expected if self.expected else None

    @property
    def missed_last_two(self) -> bool:
        n = self.completed
        return n >= 2 and not ({n - 2, n - 1, n} & self.met_periods)

    @property
    def streak(self) -> int:
        k = self.completed if self.open_has_meeting else self.completed - 1
        count = 0
        while k >= 0 and k in self.met_periods:
            count += 1
            k -= 1
        return count


def attendance(
    start: date, cadence: Cadence, meetings: Iterable[date], today: date, last: date | None = None
) -> Attendance:
    """Periods of a contract starting ``start``, given the dates of its counting meetings
    (not disputed), seen on ``today``; ``last`` is the contract's last day once it ended."""
    length = period_days(cadence)
    stop = stop_day(today, last)
    completed = max(0, (stop - start).days // length)
    horizon = today if last is None else min(today, last)
    met = frozenset(period_index(start, d, length) for d in meetings if start <= d <= horizon)
    return Attendance(length, completed, met, completed in met)


def adherence(
    start: date, cadence: Cadence, meetings: Iterable[date], today: date, last: date | None = None
) -> float | None:
    return attendance(start, cadence, meetings, today, last).adherence


def streak(
    start: date, cadence: Cadence, meetings: Iterable[date], today: date, last: date | None = None
) -> int:
    return attendance(start, cadence, meetings, today, last).streak


def is_at_risk(
    status: ContractStatus,
    start: date | None,
    cadence: Cadence,
    meetings: Iterable[date],
    today: date,
    *,
    open_concern: bool = False,
) -> bool:
    if status is not ContractStatus.active or start is None:
        return False
    return open_concern or attendance(start, cadence, meetings, today).missed_last_two


def hours(confirmed_minutes: int) -> float:
    """Confirmed hours, rounded DOWN to a tenth: a certificate must never overstate them."""
    return (confirmed_minutes * 10 // MINUTES_PER_HOUR) / 10


def goal_progress(confirmed_minutes: int, goal_hours: int) -> int:
    """Whole per cent of the participation-hours goal reached (rounded down, at most 100)."""
    if goal_hours <= 0:
        return 100
    return min(100, confirmed_minutes * 100 // (goal_hours * MINUTES_PER_HOUR))


# --- check-in limits ----------------------------------------------------------------------


def can_edit(created_at: datetime, now: datetime) -> bool:
    return now - created_at <= timedelta(days=EDIT_DAYS)


def can_log_on(
    status: ContractStatus, start: date | None, last: date | None, met_on: date, today: date
) -> str | None:
    """Why a meeting on ``met_on`` cannot be logged (a msgid key), or ``None`` if it can.

    Keys: ``not_started`` (no start date / not active yet), ``future``, ``before_start``,
    ``after_end``, ``closed`` (the contract ended more than LATE_LOG_DAYS ago)."""
    if start is None or status not in (
        ContractStatus.active, ContractStatus.completed, ContractStatus.ended_early
    ):  # fmt: skip
        return "not_started"
    if met_on > today:
        return "future"
    if met_on < start:
        return "before_start"
    if last is not None:
        if met_on > last:
            return "after_end"
        if today > last + timedelta(days=LATE_LOG_DAYS):
            return "closed"
    return None


# --- staff calls --------------------------------------------------------------------------


def call_marks(start: date, end: date) -> tuple[date, date]:
    total = (end - start).days
    return start + timedelta(days=total // 3), start + timedelta(days=2 * total // 3)


def calls_due(start: date, end: date, today: date) -> int:
    return sum(1 for mark in call_marks(start, end) if mark < today)


def calls_missing(start: date, end: date, call_dates: Iterable[date], today: date) -> int:
    """How many of the two expected staff calls are overdue on ``today``."""
    made = sum(1 for d in call_dates if d <= today)
    return max(0, calls_due(start, end, today) - made)
