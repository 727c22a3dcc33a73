"""The cohort view: newcomers by month of registration, each counted in one outcome, on SQLite
and PostgreSQL, through the service, the API and the dashboard page."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.models import Contract, ContractStatus
from app.dashboard import filters, service
from app.people.models import Newcomer
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_contract,
    make_newcomer,
    make_staff,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def registered(db: Session, month: int, year: int = 2026, area: str = "binnenstad") -> Newcomer:
    when = datetime(year, month, 10, 9, tzinfo=UTC)
    return make_newcomer(db, neighbourhood=area, created_at=when)


def ended(contract: Contract, status: ContractStatus) -> None:
    contract.status = status
    contract.volunteer.committed_buddies = 0


def cohort_city(db: Session) -> None:
    # January: completed; ended early then matched again (active); never matched.
    ended(make_active_contract(db, registered(db, 1), start=date(2026, 1, 20)),
          ContractStatus.completed)
    again = registered(db, 1)
    ended(make_active_contract(db, again, start=date(2026, 1, 20)), ContractStatus.ended_early)
    make_active_contract(db, again, start=date(2026, 4, 1))
    registered(db, 1)
    # February: ended early only; a pending contract only (not matched yet); active in Battel.
    ended(make_active_contract(db, registered(db, 2), start=date(2026, 2, 20)),
          ContractStatus.ended_early)
    make_contract(db, registered(db, 2))
    make_active_contract(db, registered(db, 2, area="battel"), start=date(2026, 3, 1))
    registered(db, 12, year=2025)  # before the period
    db.commit()


def rows(stats: service.Stats) -> list[tuple[object, ...]]:
    return [(e.month, e.entered, e.matched, e.completed, e.active, e.ended_early, e.not_matched)
            for e in stats.entry_cohorts]


def test_each_newcomer_counts_once_by_month_of_registration(
    db: Session, settings: Settings
) -> None:
    cohort_city(db)
    chosen = filters.parse(settings.city, NOW.date(), "2026-01-01", "2026-06-30", None)
    stats = service.programme_stats(db, settings.city, chosen, NOW)
    assert rows(stats) == [
        ("2026-01", 3, 2, 1, 1, 0, 1),
        ("2026-02", 3, 2, 0, 1, 1, 1),
    ]
    battel = filters.parse(settings.city, NOW.date(), "2026-01-01", "2026-06-30", "battel")
    assert rows(service.programme_stats(db, settings.city, battel, NOW)) == [
        ("2026-02", 1, 1, 0, 1, 0, 0)]


def test_cohorts_in_the_api_and_on_the_dashboard(client: TestClient, db: Session) -> None:
    cohort_city(db)
    staff = make_staff(db)
    db.commit()
    body = client.get("/api/v1/programme/stats", params={"from": "2026-01-01", "to": "2026-06-30"},
                      headers=bearer(client, staff.email)).json()
    assert body["entry_cohorts"][0] == {
        "month": "2026-01", "entered": 3, "matched": 2, "completed": 1, "active": 1,
        "ended_early": 0, "not_matched": 1}
    browser_login(client, staff.email)
    page = client.get("/staff/dashboard", params={"from": "2026-01-01", "to": "2026-06-30"})
    assert page.status_code == 200
    html = page.text.split('id="chart-entries"')[1].split("</figure>")[0]
    assert "<svg" in html  # the chart, server-rendered
    assert "<td>Feb 2026</td><td>3</td><td>2</td>" in html  # and its table
    empty = client.get("/staff/dashboard", params={"from": "2024-01-01", "to": "2024-02-01"})
    assert "No newcomer registered in this period." in empty.text
