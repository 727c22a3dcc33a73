"""The dashboard's numbers against a small programme whose every number was computed by hand
(see the comments), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.models import Contract, ContractStatus, EndReason
from app.dashboard import filters, lists, service
from app.errors import Invalid
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import IntakeStatus, Newcomer, VettingStatus
from tests.factories import (
    make_active_contract,
    make_checkin,
    make_contract,
    make_newcomer,
    make_volunteer,
)

T = date(2026, 6, 15)  # a Monday; "today" of the fixture
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def days(n: int) -> date:
    return T + timedelta(days=n)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def waiting(db: Session, since: date, area: str = "binnenstad") -> Newcomer:
    return make_newcomer(db, neighbourhood=area, waiting_since=at(since, 8))


def finished(contract: Contract, status: ContractStatus, **values: object) -> Contract:
    contract.status = status
    for name, value in values.items():
        setattr(contract, name, value)
    contract.volunteer.committed_buddies = 0  # the service frees the place when it ends
    return contract


def programme(db: Session) -> dict[str, object]:
    made: dict[str, object] = {}
    # Waiting: W1 10 days, W2 30 days (Battel), W5 14 days (her first contract ended before
    # both signed), and E1's newcomer 66 days (Battel, since her contract ended early).
    waiting(db, days(-10))
    waiting(db, days(-30), "battel")
    w5 = waiting(db, days(-14))
    make_newcomer(db, intake=IntakeStatus.pending)  # not through intake: not waiting
    # W3 has an open panel: not waiting; 1 open panel. V-p1 and V-p2 exposed, V-p3 withdrawn.
    w3 = waiting(db, days(-2))
    rnd = MatchingRound(newcomers_waiting=5, volunteers_available=3, panels_made=1,
                        empty_panels=2, shortage={"missing": True, "by_language": {
                            "ti": {"newcomers": 2, "empty": 1, "missing": 2}}})  # fmt: skip
    panel = Panel(round=rnd, newcomer_id=w3.id, status=PanelStatus.open,
                  expires_at=NOW + timedelta(days=5), decline_reason="")  # fmt: skip
    vp = [make_volunteer(db) for _ in range(3)]
    panel.candidates = [
        PanelCandidate(volunteer_id=v.id, rank=i + 1, score=0.5, reasons={}, distance_km=1.0,
                       withdrawn_at=NOW if i == 2 else None)
        for i, v in enumerate(vp)
    ]  # fmt: skip
    db.add_all([rnd, panel])
    make_volunteer(db, neighbourhood="battel")  # V-free: available
    make_volunteer(db, vetting=VettingStatus.paused)  # not counted
    make_contract(db)  # P1: pending (its volunteer at capacity)

    a1 = made["A1"] = make_active_contract(db, start=days(-30))  # 3 of 4 periods: 0.75
    make_checkin(db, a1, days(-29), minutes=90, status="confirmed")
    make_checkin(db, a1, days(-22), minutes=60, status="confirmed")
    make_checkin(db, a1, days(-15), minutes=60, status="pending")
    make_checkin(db, a1, days(-8), minutes=60, status="disputed")
    # A2 (Battel): 70 days without a meeting: at risk; first staff call was due on day 61.
    made["A2"] = make_active_contract(db, make_newcomer(db, neighbourhood="battel"),
                                      start=days(-70))  # fmt: skip
    a3 = made["A3"] = make_active_contract(db, start=days(-10))  # a worry: at risk; 1 of 2
    make_checkin(db, a3, days(-3), minutes=120, status="confirmed", concern="Not well")
    c1 = make_active_contract(db, start=date(2025, 12, 1))  # 3 of 26 periods
    for d in (date(2025, 12, 2), date(2026, 1, 5), date(2026, 3, 2)):
        make_checkin(db, c1, d, minutes=60, status="confirmed")
    finished(c1, ContractStatus.completed, end_date=date(2026, 6, 1), ended_at=at(date(2026, 6, 2)))
    c2 = make_active_contract(db, start=date(2025, 6, 1))  # over before the period
    finished(
        c2, ContractStatus.completed, end_date=date(2025, 12, 1), ended_at=at(date(2025, 12, 1))
    )
    e1 = make_active_contract(db, make_newcomer(db, neighbourhood="battel",
                                                waiting_since=at(date(2026, 4, 10))),
                              start=date(2026, 2, 2))  # fmt: skip
    make_checkin(db, e1, date(2026, 2, 3), minutes=45, status="confirmed")  # 1 of 9 periods
    finished(e1, ContractStatus.ended_early, ended_at=at(date(2026, 4, 10)),
             end_reason=EndReason.moved_away)  # fmt: skip
    e2 = make_contract(db, w5)  # ended before both signed: not an early end of a pair
    finished(e2, ContractStatus.ended_early, ended_at=at(date(2026, 5, 20)),
             end_reason=EndReason.no_click)  # fmt: skip
    db.add(OutboxEmail(to_email="x@example.org", locale="en", kind="panel_ready", subject="s",
                       body_text="b", attachments=[], dedupe_key="failed",
                       status=EmailStatus.failed, attempts=6))  # fmt: skip
    db.commit()
    return made


def stats_for(db: Session, settings: Settings, area: str | None = None) -> service.Stats:
    chosen = filters.parse(settings.city, T, "2026-01-01", "2026-06-30", area)
    return service.programme_stats(db, settings.city, chosen, NOW)


def test_dashboard_numbers_match_the_hand_computed_programme(
    db: Session, settings: Settings
) -> None:
    programme(db)
    s = stats_for(db, settings)
    assert (s.newcomers_waiting, s.median_waiting_days) == (4, 22.0)  # 10, 14, 30, 66 days
    assert (s.open_panels, s.pending_contracts, s.active_pairs) == (1, 1, 3)
    assert (s.at_risk_pairs, s.calls_missing_pairs) == (2, 1)
    assert s.volunteers == service.VolunteerNumbers(available=6, exposed=2, at_capacity=4)
    assert (s.completed, s.ended_early) == (1, 1)
    assert s.ended_early_by_reason == {"moved_away": 1}
    assert s.completion_rate == 0.5
    # Adherences: 0 (A2), 1/9 (E1), 3/26 (C1), 1/2 (A3), 3/4 (A1); C2 ended before the period.
    assert s.median_adherence == pytest.approx(3 / 26)
    assert (s.meetings, s.confirmed_minutes) == (7, 435)
    assert s.total_hours == 7.2  # 7 h 15 min, rounded down to a tenth
    assert s.failed_mail == 1
    assert s.last_round is not None
    assert s.last_round.shortage["by_language"]["ti"]["missing"] == 2


def test_dashboard_numbers_for_one_neighbourhood(db: Session, settings: Settings) -> None:
    programme(db)
    s = stats_for(db, settings, "battel")
    assert (s.newcomers_waiting, s.median_waiting_days) == (2, 48.0)  # 30 and 66 days
    assert (s.open_panels, s.pending_contracts, s.active_pairs, s.at_risk_pairs) == (0, 0, 1, 1)
    assert s.volunteers == service.VolunteerNumbers(available=1, exposed=0, at_capacity=0)
    assert (s.completed, s.ended_early, s.completion_rate) == (0, 1, 0.0)
    assert (s.meetings, s.confirmed_minutes, s.total_hours) == (1, 45, 0.7)
    assert s.median_adherence == pytest.approx((0 + 1 / 9) / 2)


def test_charts_series(db: Session, settings: Settings) -> None:
    programme(db)
    s = stats_for(db, settings)
    assert len(s.weeks) == 26
    assert s.weeks[0].monday == date(2026, 1, 5)
    assert s.weeks[-1].monday == date(2026, 6, 29)  # the week of "to"
    busy = {i: (w.meetings, w.confirmed_minutes) for i, w in enumerate(s.weeks) if w.meetings}
    assert busy == {0: (1, 60), 4: (1, 45), 8: (1, 60), 18: (1, 90), 19: (1, 60), 20: (1, 0),
                    22: (1, 120)}  # fmt: skip
    assert [(c.month, c.started, c.completed, c.ended_early, c.running) for c in s.cohorts] == [
        ("2026-02", 1, 0, 1, 0), ("2026-04", 1, 0, 0, 1), ("2026-05", 1, 0, 0, 1),
        ("2026-06", 1, 0, 0, 1),
    ]  # fmt: skip


def test_at_risk_list_and_missing_calls(db: Session, settings: Settings) -> None:
    made = programme(db)
    risky = lists.at_risk_pairs(db, settings.city, T)
    assert [r.contract_id for r in risky] == [made["A2"].id, made["A3"].id]  # type: ignore[attr-defined]
    silent, worried = risky
    assert (silent.last_met_on, silent.weeks_since_meeting, silent.silent) == (None, 10, True)
    assert (worried.last_met_on, worried.weeks_since_meeting) == (days(-3), 0)
    assert (worried.open_worries, worried.silent) == (1, False)
    assert silent.neighbourhood == "battel"
    assert [r.contract_id for r in lists.at_risk_pairs(db, settings.city, T, "battel")] == [
        made["A2"].id  # type: ignore[attr-defined]
    ]
    [late] = lists.pairs_missing_calls(db, settings.city, T)
    assert (late.contract_id, late.calls_missing, late.last_call) == (made["A2"].id, 1, None)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (("2026-13-01", None, None), "from"),
        ((None, "yesterday", None), "to"),
        (("2026-06-30", "2026-06-01", None), "from"),
        ((None, None, "atlantis"), "neighbourhood"),
        (("1999-12-31", None, None), "from"),
    ],
)
def test_bad_filters_name_the_parameter(
    settings: Settings, raw: tuple[str | None, str | None, str | None], field: str
) -> None:
    with pytest.raises(Invalid) as info:
        filters.parse(settings.city, T, *raw)
    assert info.value.field == field


def test_default_period_is_the_last_twelve_months(settings: Settings) -> None:
    chosen = filters.parse(settings.city, T, None, None, "")
    assert (chosen.start, chosen.end, chosen.neighbourhood) == (date(2025, 6, 16), T, None)
    assert filters.parse(settings.city, T, None, "2026-12-31", None).as_of == T
