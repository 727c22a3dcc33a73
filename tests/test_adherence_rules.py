"""Adherence, at-risk, streak, hours and staff-call rules on hand-built calendars.

Calendars used (2026):
  weekly, starting Wednesday 7 January: P0 = 7–13 Jan, P1 = 14–20, P2 = 21–27, P3 = 28 Jan–3 Feb,
  P4 = 4–10 Feb.
  fortnightly, starting Thursday 5 March: P0 = 5–18 Mar, P1 = 19 Mar–1 Apr, P2 = 2–15 Apr,
  P3 = 16–29 Apr.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.checkins import rules
from app.config import Cadence
from app.contracts.models import ContractStatus

W = Cadence.weekly
F = Cadence.fortnightly
WED = date(2026, 1, 7)
THU = date(2026, 3, 5)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


# --- periods --------------------------------------------------------------------------------


def test_periods_are_counted_from_the_start_day_not_from_monday() -> None:
    assert WED.weekday() == 2
    assert rules.period_index(WED, d(1, 13), 7) == 0  # Tuesday: still the first week
    assert rules.period_index(WED, d(1, 14), 7) == 1  # Wednesday opens the second
    assert rules.period_bounds(WED, 3, 7) == (d(1, 28), d(2, 3))
    assert rules.period_bounds(THU, 1, 14) == (d(3, 19), d(4, 1))
    assert rules.period_index(WED, d(1, 6), 7) == -1


def test_first_day_nothing_to_judge_yet() -> None:
    a = rules.attendance(WED, W, [], today=WED)
    assert (a.completed, a.expected, a.adherence, a.streak) == (0, 0, None, 0)
    assert not a.missed_last_two


def test_a_meeting_in_the_running_period_counts_at_once() -> None:
    a = rules.attendance(WED, W, [WED], today=WED)
    assert (a.completed, a.expected, a.met, a.adherence, a.streak) == (0, 1, 1, 1.0, 1)


def test_running_period_without_meeting_is_not_missed() -> None:
    # Day 13 (Tuesday 20 Jan): P0 done and met, P1 running and empty.
    a = rules.attendance(WED, W, [d(1, 8)], today=d(1, 20))
    assert (a.completed, a.expected, a.adherence, a.streak) == (1, 1, 1.0, 1)


def test_meetings_on_period_boundaries() -> None:
    # Last day of P0 and first day of P1: two periods, two meetings.
    a = rules.attendance(WED, W, [d(1, 13), d(1, 14)], today=d(1, 21))
    assert a.completed == 2
    assert a.met_periods == {0, 1}
    assert a.adherence == 1.0
    assert a.streak == 2
    # Two meetings in the same period count once.
    b = rules.attendance(WED, W, [d(1, 7), d(1, 13)], today=d(1, 21))
    assert b.met_periods == {0}
    assert b.adherence == 0.5


def test_weekly_with_gaps() -> None:
    # Met in P0 and P2; P1 and P3 missed; P4 running (today 4 Feb), empty.
    a = rules.attendance(WED, W, [d(1, 8), d(1, 22)], today=d(2, 4))
    assert a.completed == 4
    assert (a.met, a.expected, a.adherence) == (2, 4, 0.5)
    assert a.streak == 0  # P3 was missed
    assert not a.missed_last_two  # P2 had a meeting
    # A meeting today (in P4) restarts the streak and counts toward adherence.
    b = rules.attendance(WED, W, [d(1, 8), d(1, 22), d(2, 4)], today=d(2, 4))
    assert (b.met, b.expected, b.streak) == (3, 5, 1)


def test_streak_counts_back_from_the_last_completed_period() -> None:
    meetings = [d(1, 7), d(1, 15), d(1, 27), d(2, 1)]  # P0, P1, P2, P3
    assert rules.streak(WED, W, meetings, today=d(2, 5)) == 4  # P4 running, empty
    assert rules.streak(WED, W, [*meetings, d(2, 5)], today=d(2, 5)) == 5
    assert rules.streak(WED, W, [d(1, 7), d(1, 27), d(2, 1)], today=d(2, 5)) == 2


@pytest.mark.parametrize(
    ("meetings", "today", "at_risk"),
    [
        ([d(1, 8)], d(1, 27), False),  # n=2: P0 (met), P1, P2 → P0 is within the last three
        ([d(1, 8)], d(1, 28), True),  # n=3: P1 and P2 missed, P3 running and empty
        ([d(1, 8), d(1, 28)], d(1, 28), False),  # …but they met today
        ([], d(1, 20), False),  # only one completed period: too early to say
        ([], d(1, 21), True),  # two completed periods, never met
        ([d(1, 20)], d(2, 3), False),  # last day of P1; n=3 → P1 within the window
        ([d(1, 20)], d(2, 4), True),  # n=4: P2, P3 missed
    ],
)
def test_weekly_at_risk(meetings: list[date], today: date, at_risk: bool) -> None:
    assert rules.is_at_risk(ContractStatus.active, WED, W, meetings, today) is at_risk


def test_fortnightly_cadence() -> None:
    # Met in P0 (on its last day) and P2; P1 missed; P3 running (today 16 Apr), empty.
    a = rules.attendance(THU, F, [d(3, 18), d(4, 2)], today=d(4, 16))
    assert a.length == 14
    assert a.completed == 3
    assert a.met_periods == {0, 2}
    assert a.adherence == pytest.approx(2 / 3)
    assert a.streak == 1
    # A weekly contract would have seven periods by then.
    assert rules.attendance(THU, W, [d(3, 18), d(4, 2)], today=d(4, 16)).completed == 6


@pytest.mark.parametrize(
    ("today", "at_risk"),
    [
        (d(4, 15), False),  # n=2: P0 (met on 6 Mar) still among the last three periods
        (d(4, 16), True),  # n=3: P1 and P2 (four weeks) without a meeting
    ],
)
def test_fortnightly_at_risk(today: date, at_risk: bool) -> None:
    assert rules.is_at_risk(ContractStatus.active, THU, F, [d(3, 6)], today) is at_risk


def test_open_worry_flag_makes_an_active_pair_at_risk() -> None:
    met_every_week = [d(1, 7), d(1, 14)]
    assert rules.is_at_risk(ContractStatus.active, WED, W, met_every_week, d(1, 15),
                            open_concern=True)  # fmt: skip
    assert not rules.is_at_risk(ContractStatus.active, WED, W, met_every_week, d(1, 15))


@pytest.mark.parametrize(
    "status", [ContractStatus.completed, ContractStatus.ended_early, ContractStatus.pending]
)
def test_only_active_contracts_are_at_risk(status: ContractStatus) -> None:
    assert not rules.is_at_risk(status, WED, W, [], d(6, 1), open_concern=True)


def test_periods_stop_at_the_end_of_a_finished_contract() -> None:
    last = d(1, 30)  # Friday in P3 (28 Jan–3 Feb): P3 is cut short
    meetings = [d(1, 8), d(1, 15), d(1, 22)]
    a = rules.attendance(WED, W, meetings, today=d(3, 1), last=last)
    assert a.completed == 3  # months later, still three periods: no "missed" weeks after the end
    assert (a.adherence, a.streak) == (1.0, 3)
    # A meeting in the cut-short last period counts; one after the end does not.
    b = rules.attendance(WED, W, [*meetings, d(1, 29), d(2, 2)], today=d(3, 1), last=last)
    assert (b.completed, b.expected, b.met, b.streak) == (3, 4, 4, 4)
    # The shortcuts take the same last day (months later, still judged up to the end).
    assert rules.adherence(WED, W, meetings, d(3, 1), last) == 1.0
    assert rules.streak(WED, W, meetings, d(3, 1), last) == 3
    assert rules.streak(WED, W, meetings, d(3, 1)) == 0  # without it: weeks of silence since
    assert rules.adherence(WED, W, meetings, d(3, 1)) == pytest.approx(3 / 7)


def test_end_exactly_on_a_period_boundary() -> None:
    last = d(1, 27)  # last day of P2: the contract had exactly three full periods
    a = rules.attendance(WED, W, [d(1, 8)], today=d(2, 20), last=last)
    assert (a.completed, a.expected, a.met) == (3, 3, 1)
    assert a.adherence == pytest.approx(1 / 3)
    # One day earlier, P2 is cut short: it is the open period, not a completed one.
    b = rules.attendance(WED, W, [d(1, 8)], today=d(2, 20), last=d(1, 26))
    assert (b.completed, b.expected, b.met) == (2, 2, 1)


def test_future_meetings_and_meetings_before_the_start_are_ignored() -> None:
    a = rules.attendance(WED, W, [d(1, 6), d(1, 25)], today=d(1, 15))
    assert a.met_periods == frozenset()


def test_last_day_of_a_contract() -> None:
    ended = datetime(2026, 1, 20, 23, 30, tzinfo=UTC)  # already 21 January in Brussels
    tz = "Europe/Brussels"
    assert rules.last_day(ContractStatus.ended_early, d(7, 7), ended, tz) == d(1, 21)
    assert rules.last_day(ContractStatus.completed, d(7, 7), ended, tz) == d(7, 7)
    assert rules.last_day(ContractStatus.active, d(7, 7), None, tz) is None


# --- hours ----------------------------------------------------------------------------------


def test_hours_are_rounded_down_to_a_tenth() -> None:
    assert rules.hours(0) == 0
    assert rules.hours(135) == 2.2  # 2 h 15 min
    assert rules.hours(59) == 0.9
    assert rules.hours(2400) == 40.0


def test_goal_progress() -> None:
    assert rules.goal_progress(1200, 40) == 50
    assert rules.goal_progress(2399, 40) == 99  # not "100 %" a minute short of the goal
    assert rules.goal_progress(6000, 40) == 100
    assert rules.goal_progress(10, 0) == 100
    assert rules.goal_progress(30, 1) == 50  # a one-hour goal is a goal like any other


# --- logging limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "last", "met_on", "today", "refusal"),
    [
        (ContractStatus.active, None, d(1, 10), d(1, 10), None),
        (ContractStatus.active, None, d(1, 11), d(1, 10), "future"),
        (ContractStatus.active, None, d(1, 6), d(1, 10), "before_start"),
        (ContractStatus.active, None, WED, d(1, 10), None),
        (ContractStatus.pending, None, d(1, 10), d(1, 10), "not_started"),
        (ContractStatus.declined, None, d(1, 10), d(1, 10), "not_started"),
        (ContractStatus.completed, d(7, 7), d(7, 7), d(7, 14), None),  # late log, last day
        (ContractStatus.completed, d(7, 7), d(7, 8), d(7, 9), "after_end"),
        (ContractStatus.completed, d(7, 7), d(7, 6), d(7, 15), "closed"),
        (ContractStatus.ended_early, d(3, 1), d(2, 27), d(3, 2), None),
    ],
)
def test_can_log_on(
    status: ContractStatus, last: date | None, met_on: date, today: date, refusal: str | None
) -> None:
    assert rules.can_log_on(status, WED, last, met_on, today) == refusal


def test_edit_window_is_seven_days() -> None:
    logged = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert rules.can_edit(logged, datetime(2026, 1, 17, 12, 0, tzinfo=UTC))
    assert not rules.can_edit(logged, datetime(2026, 1, 17, 12, 1, tzinfo=UTC))


# --- staff calls ----------------------------------------------------------------------------


def test_staff_call_marks_and_missing_calls() -> None:
    start, end = d(1, 1), d(7, 1)  # 181 days: marks on day 60 and day 120
    assert rules.call_marks(start, end) == (d(3, 2), d(5, 1))
    assert rules.calls_missing(start, end, [], d(3, 2)) == 0  # due by the mark, not yet late
    assert rules.calls_missing(start, end, [], d(3, 3)) == 1
    assert rules.calls_missing(start, end, [d(2, 10)], d(3, 3)) == 0
    assert rules.calls_missing(start, end, [d(2, 10)], d(5, 2)) == 1
    assert rules.calls_missing(start, end, [d(2, 10), d(4, 20)], d(5, 2)) == 0
    assert rules.calls_missing(start, end, [], d(5, 2)) == 2
    assert rules.calls_missing(start, end, [d(6, 1)], d(5, 2)) == 2  # a later call is not yet made
