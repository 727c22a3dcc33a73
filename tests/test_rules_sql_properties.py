"""Every rule written twice — in SQL for speed, in Python for clarity — gives the same answer
around its boundaries (hypothesis), on SQLite and PostgreSQL.

The rules and their two (or three) spellings:

* adherence and its terms ``n``, ``met``, ``expected``, the open period, the last meeting —
  ``measures.per_contract`` / ``measures.adherence`` vs ``checkins.rules.attendance`` (and
  ``per_contract`` again from the sums ``buddy tick`` keeps);
* at risk, "two expected periods without a meeting" or an open worry —
  ``measures.at_risk`` / ``measures.missed_last_two`` vs ``checkins.rules.is_at_risk``, and the
  "no meeting" reminder (``notifications.reminders._last_meetings`` + ``rules.silence``), whose
  second reminder is the same rule;
* staff calls missing — ``measures.calls`` vs ``checkins.rules.calls_missing``;
* an ended contract's last day (the city-local date of an early end) — ``measures.last_day``
  vs ``checkins.rules.last_day``;
* panel open / expired — ``participants.open_panel_filter`` and ``expire_panels``'s condition
  vs ``matches.rules``; a contract due to complete — ``complete_due``'s query vs
  ``contracts.rules.is_due_to_complete``.

Contracts start a whole number of periods (± 1 day) before "today", meetings fall on period
edges (first day, second day, last day, the day before), ended contracts end around today and
early ends around local midnight: exactly where ``>=`` vs ``>`` and ``n − 2`` vs ``n − 3``
differ. The examples are bounded so each test takes seconds per backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.config import Cadence, Settings
from app.contracts.models import Contract, ContractStatus, EndReason
from app.contracts.rules import is_due_to_complete
from app.contracts.service import complete_due
from app.dashboard import attendance, measures
from app.db import make_sessionmaker
from app.followup.models import CallKind, StaffCall
from app.matches.models import MatchingRound, Panel, PanelStatus
from app.matches.participants import open_panel_filter
from app.matches.rules import panel_is_expired, panel_is_open
from app.matches.service import expire_panels
from app.notifications import reminders
from app.notifications import rules as notification_rules
from tests.conftest import _wipe
from tests.factories import make_active_contract, make_checkin, make_newcomer

ZONE = "Europe/Brussels"
TODAYS = (date(2026, 2, 10), date(2026, 7, 14))  # winter (UTC+1) and summer (UTC+2)
# BUDDY_PROPERTY_EXAMPLES lowers the count for the mutation run (bench/RESULTS-mutation.md).
EXAMPLES = int(os.environ.get("BUDDY_PROPERTY_EXAMPLES", "30"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@dataclass(frozen=True)
class Meeting:
    period: int  # relative to the contract's start, in periods (-1: before the start)
    day: int  # day within the period: -1 = the day before it, 0 = its first day …
    status: str = "pending"
    worry: str | None = None  # None, "open" or "resolved"


@dataclass(frozen=True)
class Spec:
    cadence: str
    periods_ago: int  # the start lies this many whole periods before today …
    shift: int  # … moved by this many days (−1, 0, +1)
    status: str = "active"
    end_offset: int = 0  # completed: end date = today + this; ended early: that day …
    end_hour: int = 12  # … at this hour UTC (22, 23: the next day in Mechelen)
    meetings: tuple[Meeting, ...] = ()


def _day_in_period(length: int) -> st.SearchStrategy[int]:
    return st.sampled_from((-1, 0, 1, length - 1))


@st.composite
def meeting_st(draw: st.DrawFn, length: int, periods: int) -> Meeting:
    return Meeting(
        period=draw(st.integers(-1, periods + 1)),
        day=draw(_day_in_period(length)),
        status=draw(st.sampled_from(("pending", "confirmed", "disputed"))),
        worry=draw(st.sampled_from((None, None, None, "open", "resolved"))),
    )


@st.composite
def spec_st(draw: st.DrawFn) -> Spec:
    cadence = draw(st.sampled_from(("weekly", "fortnightly")))
    periods = draw(st.integers(0, 5))
    length = Cadence(cadence).days
    return Spec(
        cadence=cadence,
        periods_ago=periods,
        shift=draw(st.sampled_from((-1, 0, 1))),
        status=draw(st.sampled_from(("active", "active", "completed", "ended_early"))),
        end_offset=draw(st.sampled_from((-length - 1, -length, -1, 0, 1))),
        end_hour=draw(st.sampled_from((0, 12, 22, 23))),
        meetings=tuple(draw(st.lists(meeting_st(length, periods), max_size=4))),
    )


specs_st = st.lists(spec_st(), min_size=1, max_size=4)
today_st = st.sampled_from(TODAYS)


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A fresh session per example; every row is deleted afterwards."""
    try:
        with make_sessionmaker(engine)() as db:
            yield db
    finally:
        _wipe(engine)


def build(db: Session, spec: Spec, today: date) -> Contract:
    length = Cadence(spec.cadence).days
    start = today - timedelta(days=spec.periods_ago * length + spec.shift)
    contract = make_active_contract(db, start=start, cadence=spec.cadence)
    taken: set[date] = set()
    for m in spec.meetings:
        met_on = start + timedelta(days=m.period * length + m.day)
        if met_on in taken:  # one meeting per contract and day (a unique constraint)
            continue
        taken.add(met_on)
        checkin = make_checkin(db, contract, met_on, status=m.status,
                               concern="worried" if m.worry else None)
        if m.worry == "resolved":
            checkin.concern_resolved_at = datetime.combine(today, time(9), UTC)
    end = max(start + timedelta(days=1), today + timedelta(days=spec.end_offset))
    if spec.status == "completed":
        contract.status, contract.end_date = ContractStatus.completed, end
        contract.ended_at = datetime.combine(end, time(3), UTC)
    elif spec.status == "ended_early":
        contract.status, contract.end_reason = ContractStatus.ended_early, EndReason.moved_away
        contract.ended_at = datetime.combine(end, time(spec.end_hour, 30), UTC)
    db.flush()
    return contract


def counting_meetings(db: Session, contract: Contract) -> list[date]:
    return list(db.scalars(select(Checkin.met_on).where(
        Checkin.contract_id == contract.id, Checkin.status != CheckinStatus.disputed)))


def open_worry(db: Session, contract: Contract) -> bool:
    return db.scalar(select(Checkin.id).where(
        Checkin.contract_id == contract.id, Checkin.concern_reason.is_not(None),
        Checkin.concern_resolved_at.is_(None)).limit(1)) is not None


def pure(db: Session, contract: Contract, today: date) -> rules.Attendance:
    assert contract.start_date is not None
    last = rules.last_day(contract.status, contract.end_date, contract.ended_at, ZONE)
    return rules.attendance(contract.start_date, contract.cadence,
                            counting_meetings(db, contract), today, last)


# The at-risk boundary itself, always tried: two whole periods without a meeting (at risk), and
# the same contract one day younger (not yet).
AT_RISK_EDGE = [Spec("weekly", 2, 0), Spec("weekly", 2, -1), Spec("fortnightly", 3, 0,
                meetings=(Meeting(0, 13),)), Spec("weekly", 3, 0, meetings=(Meeting(1, 0),))]
# Meetings logged after an early end (23:30 UTC: the next day in Mechelen) and after a
# completed contract's end date, but before today: never counted.
AFTER_THE_END = [Spec("weekly", 4, 0, "ended_early", -8, 23,
                      (Meeting(1, 0), Meeting(2, 6), Meeting(3, 0), Meeting(4, 0))),
                 Spec("fortnightly", 3, 0, "completed", -8, 12,
                      (Meeting(0, 1), Meeting(2, 10), Meeting(2, 13)))]


@PROPERTY
@given(specs=specs_st, today=today_st)
@example(specs=AT_RISK_EDGE, today=TODAYS[0])
@example(specs=AFTER_THE_END, today=TODAYS[0])
def test_adherence_and_at_risk_in_sql_equal_the_pure_rules(
    clean_db: Engine, specs: list[Spec], today: date
) -> None:
    with session(clean_db) as db:
        contracts = [build(db, spec, today) for spec in specs]
        sql = measures.sql_for(db, ZONE)
        att = measures.per_contract(sql, today)
        rows = {r.id: r for r in db.execute(select(
            att, measures.adherence(att).label("adherence"),
            measures.missed_last_two(att).label("silent")))}
        active = measures.per_contract(sql, today, Contract.status == ContractStatus.active,
                                       name="active", with_adherence=False)
        risk = {r.id: bool(r.risk) for r in db.execute(
            select(active.c.id, measures.at_risk(active).label("risk")))}
        last_days = {r[0]: r[1] for r in db.execute(select(Contract.id, measures.last_day(sql)))}
        for contract in contracts:
            last = rules.last_day(contract.status, contract.end_date, contract.ended_at, ZONE)
            assert last_days[contract.id] == (None if last is None else measures.day_number(last))
            want, got = pure(db, contract, today), rows[contract.id]
            assert (got.n, got.met, got.expected, got.completed_met, bool(got.open_met)) == (
                want.completed, want.met, want.expected, want.completed_met,
                want.open_has_meeting), contract.id
            assert got.adherence == want.adherence or abs(got.adherence - want.adherence) < 1e-9
            assert bool(got.silent) == want.missed_last_two
            if contract.status is ContractStatus.active:
                assert risk[contract.id] == rules.is_at_risk(
                    contract.status, contract.start_date, contract.cadence,
                    counting_meetings(db, contract), today,
                    open_concern=open_worry(db, contract))
            else:
                assert contract.id not in risk
        # The sums buddy tick keeps (tests/test_dashboard_sums.py) give the very same rows.
        plain = {r.id: tuple(r) for r in db.execute(select(att))}
        attendance.refresh(db, ZONE, today)
        again = measures.per_contract(sql, today)
        assert {r.id: tuple(r) for r in db.execute(select(again))} == plain
        active = measures.per_contract(sql, today, Contract.status == ContractStatus.active,
                                       name="active", with_adherence=False)
        assert {r.id: bool(r.risk) for r in db.execute(
            select(active.c.id, measures.at_risk(active).label("risk")))} == risk


@PROPERTY
@given(specs=specs_st, today=today_st)
@example(specs=AT_RISK_EDGE, today=TODAYS[0])
def test_the_second_no_meeting_reminder_is_the_at_risk_rule(
    clean_db: Engine, specs: list[Spec], today: date
) -> None:
    """reminders' SQL (last meeting per active contract) + rules.silence: "nomeet2" exactly
    when checkins.rules says the last two periods were missed."""
    with session(clean_db) as db:
        contracts = {c.id: c for c in (build(db, s, today) for s in specs)}
        found = {cid: (start, cadence, last)
                 for cid, start, cadence, last in reminders._last_meetings(db, today)}
        for cid, contract in contracts.items():
            if contract.status is not ContractStatus.active or contract.start_date > today:
                assert cid not in found
                continue
            start, cadence, last = found[cid]
            gap = notification_rules.silence(start, cadence, last, today)
            due = notification_rules.reminder_due(gap.missed)
            assert (due == "nomeet2") == pure(db, contract, today).missed_last_two, cid


@st.composite
def calls_case(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    """(contract days, start offset from today, call offsets from today) around a call mark."""
    total = draw(st.integers(2, 40))
    mark = draw(st.sampled_from((total // 3, 2 * total // 3)))
    before = mark + draw(st.sampled_from((-1, 0, 1)))  # today is this many days after start
    calls = draw(st.lists(st.sampled_from((-1, 0, 1, -before)), max_size=3))
    return total, before, calls


@PROPERTY
@given(cases=st.lists(calls_case(), min_size=1, max_size=4), today=today_st)
def test_calls_missing_in_sql_equals_the_pure_rule(
    clean_db: Engine, cases: list[tuple[int, int, list[int]]], today: date
) -> None:
    with session(clean_db) as db:
        built = []
        for total, before, offsets in cases:
            start = today - timedelta(days=before)
            contract = make_active_contract(db, start=start)
            contract.end_date = start + timedelta(days=total)
            made = [today + timedelta(days=d) for d in offsets]
            db.add_all([StaffCall(contract_id=contract.id, called_on=d, kind=CallKind.other)
                        for d in made])
            built.append((contract, made))
        db.flush()
        calls = measures.calls(measures.sql_for(db, ZONE), today)
        found = {r.id: r.missing for r in db.execute(select(calls))}
        for contract, made in built:
            assert contract.start_date is not None
            assert contract.end_date is not None
            assert found[contract.id] == rules.calls_missing(
                contract.start_date, contract.end_date, made, today)


NOW = datetime(2026, 2, 10, 11, 0, tzinfo=UTC)
EDGES = (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1), timedelta(days=-1))


@settings(PROPERTY, max_examples=max(1, EXAMPLES // 2))  # few edges: fewer examples cover them
@given(panels=st.lists(st.tuples(st.sampled_from(list(PanelStatus)), st.sampled_from(EDGES)),
                       min_size=1, max_size=4),
       ends=st.lists(st.sampled_from((-1, 0, 1)), min_size=1, max_size=3))
def test_panel_expiry_and_contract_completion_in_sql_equal_the_pure_rules(
    clean_db: Engine, panels: list[tuple[PanelStatus, timedelta]], ends: list[int]
) -> None:
    """An open panel is open while ``expires_at > now`` and expired from ``expires_at``
    itself; an active contract is due to complete on its end date (not the day before)."""
    today = NOW.date()
    with session(clean_db) as db:
        round_ = MatchingRound()
        made = [Panel(round=round_, newcomer_id=make_newcomer(db).id, status=status,
                      expires_at=NOW + edge, decline_reason="") for status, edge in panels]
        contracts = []
        for offset in ends:
            contract = make_active_contract(db, start=today - timedelta(days=30))
            contract.end_date = today + timedelta(days=offset)
            contracts.append(contract)
        db.add_all([round_, *made])
        db.flush()
        open_ids = set(db.scalars(select(Panel.id).where(open_panel_filter(NOW))))
        expiring = set(db.scalars(select(Panel.id).where(
            Panel.status == PanelStatus.open, Panel.expires_at <= NOW)))  # expire_panels'
        pure_expired = {p.id for p in made if panel_is_expired(p.status, p.expires_at, NOW)}
        for panel in made:
            assert (panel.id in open_ids) == panel_is_open(panel.status, panel.expires_at, NOW)
        assert expiring | {p.id for p in made if p.status is PanelStatus.expired} == pure_expired
        expire_panels(db, NOW)  # the real command marks exactly the pure rule's expired panels
        db.expire_all()
        assert {p.id for p in made if p.status is PanelStatus.expired} == pure_expired
        due = [c for c in contracts
               if is_due_to_complete(c.status, c.end_date, today)]
        completed = complete_due(db, city=Settings().city, now=NOW)
        assert completed == len(due)
        db.expire_all()
        assert {c.id for c in contracts if c.status is ContractStatus.completed} == {
            c.id for c in due}
