"""Evaluations summarised for staff: per period and neighbourhood, the chart, comments only on
demand, the CSV, and staff only (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.checkins.models import Party
from app.config import Settings
from app.contracts.models import ContractStatus
from app.dashboard import filters
from app.evaluations import summary
from app.evaluations.models import Evaluation, GoalsMet
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_newcomer,
    make_staff,
)

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


def evaluated(db: Session, area: str, when: datetime,
              answers: list[tuple[Party, int, GoalsMet, bool, str]]) -> None:
    contract = make_active_contract(db, make_newcomer(db, neighbourhood=area),
                                    start=date(2025, 6, 1))
    contract.status = ContractStatus.completed
    contract.volunteer.committed_buddies = 0
    for side, overall, goals, again, text in answers:
        db.add(Evaluation(contract_id=contract.id, side=side, overall=overall, goals_met=goals,
                          would_again=again, text=text, submitted_at=when))


def programme(db: Session) -> None:
    may = datetime(2026, 5, 10, 12, tzinfo=UTC)
    evaluated(db, "binnenstad", may, [
        (Party.newcomer, 5, GoalsMet.yes, True, "Ze hielp me met de bank. شكرا"),
        (Party.volunteer, 4, GoalsMet.mostly, True, ""),
    ])
    evaluated(db, "battel", may, [(Party.newcomer, 3, GoalsMet.partly, False, "=cmd|' /C calc'")])
    evaluated(db, "binnenstad", datetime(2025, 11, 1, tzinfo=UTC), [  # before the period
        (Party.newcomer, 1, GoalsMet.no, False, "old")])
    db.commit()


def test_summary_per_side_and_neighbourhood(db: Session, settings: Settings) -> None:
    programme(db)
    chosen = filters.parse(settings.city, date(2026, 6, 15), PERIOD["from"], PERIOD["to"], None)
    found = summary.summarise(db, settings.city, chosen)
    newcomers, volunteers = found.sides[Party.newcomer], found.sides[Party.volunteer]
    assert (newcomers.count, newcomers.average, newcomers.would_again) == (2, 4.0, 1)
    assert newcomers.scores == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert newcomers.goals[GoalsMet.yes] == newcomers.goals[GoalsMet.partly] == 1
    assert (volunteers.count, volunteers.average) == (1, 4.0)
    assert list(found.by_neighbourhood) == ["battel", "binnenstad"]
    assert found.by_neighbourhood["battel"][Party.newcomer].count == 1
    assert found.comments == []  # not asked for
    asked = summary.summarise(db, settings.city, chosen, comments=True)
    assert [c.text for c in asked.comments] == ["Ze hielp me met de bank. شكرا",
                                                "=cmd|' /C calc'"]
    battel = filters.parse(settings.city, date(2026, 6, 15), PERIOD["from"], PERIOD["to"],
                           "battel")
    assert summary.summarise(db, settings.city, battel).sides[Party.newcomer].count == 1


def test_page_chart_comments_on_demand_and_csv(client: TestClient, db: Session) -> None:
    programme(db)
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get("/staff/evaluations", params=PERIOD)
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text
    assert "Ze hielp me" not in page.text  # comments only on demand
    assert 'id="show-comments"' in page.text
    shown = client.get("/staff/evaluations", params={**PERIOD, "comments": "1"})
    assert "<bdi>Ze hielp me met de bank. شكرا</bdi>" in shown.text
    bad = client.get("/staff/evaluations", params={"from": "2026-02-30"})
    assert bad.status_code == 422
    assert 'id="from-error"' in bad.text
    export = client.get("/staff/exports/evaluations.csv", params=PERIOD)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0] == summary.CSV_COLUMNS
    assert len(rows) == 4  # header + three evaluations in the period
    assert rows[3][-1] == "'=cmd|' /C calc'"  # a formula stays text in a spreadsheet


def test_api_summary_and_csv(client: TestClient, db: Session) -> None:
    programme(db)
    staff = make_staff(db)
    newcomer = make_newcomer(db)
    db.commit()
    headers = bearer(client, staff.email)
    body = client.get("/api/v1/programme/evaluations", params=PERIOD, headers=headers).json()
    assert body["newcomers"]["count"] == 2
    assert body["newcomers"]["overall"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert body["volunteers"]["goals_met"]["mostly"] == 1
    assert body["comments"] is None
    with_text = client.get("/api/v1/programme/evaluations",
                           params={**PERIOD, "comments": "true"}, headers=headers).json()
    assert len(with_text["comments"]) == 2
    csv_answer = client.get("/api/v1/exports/evaluations.csv", params=PERIOD, headers=headers)
    assert csv_answer.status_code == 200
    refused = client.get("/api/v1/programme/evaluations",
                         headers=bearer(client, newcomer.user.email))
    assert refused.status_code == 403
