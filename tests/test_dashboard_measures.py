"""The SQL measures (app/dashboard/measures.py) equal the pure meeting rules
(app/checkins/rules.py) contract by contract, on a hand-built fixture, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.config import Settings
from app.contracts.models import Contract, ContractStatus, EndReason
from app.dashboard import measures
from app.followup.models import CallKind, StaffCall
from tests.factories import make_active_contract, make_checkin, make_contract

T = date(2026, 2, 10)  # winter: Brussels is UTC+1
ZONE = "Europe/Brussels"


def days(n: int) -> date:
    return T + timedelta(days=n)


def build(db: Session) -> dict[str, Contract]:
    c: dict[str, Contract] = {}
    c["gaps"] = make_active_contract(db, start=days(-30))
    for d, status in ((-29, "confirmed"), (-15, "pending"), (-8, "disputed"), (-31, "pending")):
        make_checkin(db, c["gaps"], days(d), status=status)  # -31: before the start, ignored
    c["silent_fortnightly"] = make_active_contract(db, start=days(-45), cadence="fortnightly")
    c["worried"] = make_active_contract(db, start=days(-20))
    for d in (-19, -12, -5):
        make_checkin(db, c["worried"], days(d), status="confirmed")
    make_checkin(db, c["worried"], days(-1), concern="They seem very down lately")
    c["resolved_worry"] = make_active_contract(db, start=days(-10))
    resolved = make_checkin(db, c["resolved_worry"], days(-9), concern="Resolved already")
    resolved.concern_resolved_at = datetime(2026, 2, 5, tzinfo=UTC)
    c["future_start"] = make_active_contract(db, start=days(5))
    c["met_today_only"] = make_active_contract(db, start=days(-14))
    make_checkin(db, c["met_today_only"], T)
    c["day_one"] = make_active_contract(db, start=T)
    make_checkin(db, c["day_one"], T)
    c["future_meeting"] = make_active_contract(db, start=days(-21))
    make_checkin(db, c["future_meeting"], days(2))  # not possible through the API; ignored
    c["completed"] = make_active_contract(db, start=days(-200), cadence="fortnightly")
    for d in (-199, -170, -120, -60, -30, -19, -10):  # -10: after the end, ignored
        make_checkin(db, c["completed"], days(d), status="confirmed")
    c["completed"].status = ContractStatus.completed
    c["completed"].end_date = days(-18)
    c["completed"].ended_at = datetime(2026, 1, 24, 3, 0, tzinfo=UTC)
    # Ended at 23:30 UTC on 20 January = 00:30 on 21 January in Mechelen: the last day is the
    # 21st, so the meeting on the 21st counts and the period of the 21st is the open one.
    c["ended_early"] = make_active_contract(db, start=days(-62))
    for d in (-61, -47, -20):
        make_checkin(db, c["ended_early"], days(d))
    c["ended_early"].status = ContractStatus.ended_early
    c["ended_early"].end_reason = EndReason.moved_away
    c["ended_early"].ended_at = datetime(2026, 1, 20, 23, 30, tzinfo=UTC)
    c["pending"] = make_contract(db)
    db.add_all([
        StaffCall(contract_id=c["gaps"].id, called_on=days(-25), kind=CallKind.midterm),
        StaffCall(contract_id=c["completed"].id, called_on=days(-150), kind=CallKind.midterm),
        StaffCall(contract_id=c["completed"].id, called_on=days(-80), kind=CallKind.other),
    ])  # fmt: skip
    # Calls are due at 1/3 and 2/3 of the contract: make "gaps" a 60-day contract for that.
    c["gaps"].end_date = days(30)
    db.commit()
    return c


def pure_attendance(db: Session, contract: Contract, as_of: date) -> rules.Attendance:
    assert contract.start_date is not None
    meetings = db.scalars(
        select(Checkin.met_on).where(
            Checkin.contract_id == contract.id, Checkin.status != CheckinStatus.disputed
        )
    ).all()
    last = rules.last_day(contract.status, contract.end_date, contract.ended_at, ZONE)
    return rules.attendance(contract.start_date, contract.cadence, meetings, as_of, last)


@pytest.mark.parametrize("offset", [0, -10, -25, 3, 40])
def test_adherence_in_sql_equals_the_pure_rule(
    db: Session, settings: Settings, offset: int
) -> None:
    contracts = build(db)
    as_of = days(offset)
    sql = measures.sql_for(db, ZONE)
    att = measures.per_contract(sql, as_of)
    found = {
        row.id: row
        for row in db.execute(
            select(att.c.id, att.c.n, att.c.met, att.c.expected,
                   measures.adherence(att).label("adherence"))
        )
    }  # fmt: skip
    assert contracts["pending"].id not in found  # never started
    for name, contract in contracts.items():
        if contract.start_date is None:
            continue
        pure = pure_attendance(db, contract, as_of)
        row = found[contract.id]
        assert (row.n, row.met, row.expected) == (pure.completed, pure.met, pure.expected), name
        assert row.adherence == pytest.approx(pure.adherence) if pure.adherence is not None \
            else row.adherence is None, name  # fmt: skip


def test_the_hand_built_calendars_mean_what_they_say(db: Session, settings: Settings) -> None:
    """A few values computed by hand, so the equality above is not two wrongs agreeing."""
    contracts = build(db)
    sql = measures.sql_for(db, ZONE)
    att = measures.per_contract(sql, T)
    rows = {r.id: r for r in db.execute(select(att.c.id, att.c.met, att.c.expected))}
    gaps = rows[contracts["gaps"].id]  # 4 weeks over (0 and 2 met; 3 disputed), week 4 running
    assert (gaps.met, gaps.expected) == (2, 4)
    today = rows[contracts["met_today_only"].id]  # weeks 0, 1 missed; met in running week 2
    assert (today.met, today.expected) == (1, 3)
    # Last day 21 Jan (local, not the UTC 20th): periods 0-5 over (0, 2 met), open 6 met.
    ended = rows[contracts["ended_early"].id]
    assert (ended.met, ended.expected) == (3, 7)
    completed = rows[contracts["completed"].id]  # 13 fortnights, the meeting after the end ignored
    assert (completed.met, completed.expected) == (5, 13)


def test_at_risk_in_sql_equals_the_pure_rule(db: Session, settings: Settings) -> None:
    contracts = build(db)
    sql = measures.sql_for(db, ZONE)
    att = measures.per_contract(sql, T, Contract.status == ContractStatus.active)
    flagged = {
        row.id: bool(row.risk)
        for row in db.execute(select(att.c.id, measures.at_risk(att).label("risk")))
    }
    expected = {}
    for contract in contracts.values():
        if contract.status is not ContractStatus.active:
            continue
        concern = db.scalar(
            select(Checkin.id).where(
                Checkin.contract_id == contract.id,
                Checkin.concern_reason.is_not(None),
                Checkin.concern_resolved_at.is_(None),
            )
        )
        expected[contract.id] = rules.is_at_risk(
            contract.status, contract.start_date, contract.cadence,
            pure_meetings(db, contract), T,
            open_concern=concern is not None,
        )  # fmt: skip
    assert flagged == expected
    assert {n for n, c in contracts.items() if flagged.get(c.id)} == {
        "silent_fortnightly", "worried", "future_meeting",
    }  # fmt: skip


def pure_meetings(db: Session, contract: Contract) -> list[date]:
    return list(
        db.scalars(
            select(Checkin.met_on).where(
                Checkin.contract_id == contract.id, Checkin.status != CheckinStatus.disputed
            )
        )
    )


@pytest.mark.parametrize("offset", [0, -40, 25])
def test_calls_missing_in_sql_equals_the_pure_rule(
    db: Session, settings: Settings, offset: int
) -> None:
    contracts = build(db)
    today = days(offset)
    sql = measures.sql_for(db, ZONE)
    calls = measures.calls(sql, today)
    found = {r.id: r for r in db.execute(select(calls))}
    for name, contract in contracts.items():
        if contract.start_date is None or contract.end_date is None:
            continue
        made = db.scalars(select(StaffCall.called_on).where(StaffCall.contract_id == contract.id))
        pure = rules.calls_missing(contract.start_date, contract.end_date, list(made), today)
        assert found[contract.id].missing == pure, name
    # "gaps" runs 60 days: calls due on day 20 and day 40; one call made, before the first.
    assert found[contracts["gaps"].id].missing == (1 if offset == 25 else 0)
