"""Staff monitoring pages and the programme API: staff only, the numbers shown, bad filters
answered clearly (page: beside the field; API: 422 naming the parameter)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.rules import local_date
from app.db import utcnow
from app.notifications.models import EmailStatus, OutboxEmail
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_staff,
    queue_test_email,
)


def today(settings: Settings) -> object:
    return local_date(utcnow(), settings.city.timezone)


def arrange(db: Session, settings: Settings) -> dict[str, object]:
    """Two active pairs met this period (3 h confirmed); one pair silent for three weeks."""
    now = local_date(utcnow(), settings.city.timezone)
    met = make_active_contract(db, start=now - timedelta(days=20))
    make_checkin(db, met, now - timedelta(days=19), minutes=90, status="confirmed")
    make_checkin(db, met, now - timedelta(days=2), minutes=90, status="confirmed")
    silent = make_active_contract(
        db, make_newcomer(db, neighbourhood="battel"), start=now - timedelta(days=21)
    )
    staff = make_staff(db)
    db.commit()
    return {"met": met, "silent": silent, "staff": staff}


def number(html: str, card: str) -> str:
    found = re.search(rf'id="{card}"[^>]*>\s*<strong>([^<]*)</strong>', html)
    assert found, f"card {card} not on the page"
    return found.group(1)


def test_staff_see_the_programme_numbers(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = arrange(db, settings)
    browser_login(client, data["staff"].email)  # type: ignore[attr-defined]
    page = client.get("/staff/dashboard")
    assert page.status_code == 200
    html = page.text
    assert number(html, "n-active") == "2"
    assert number(html, "n-at-risk") == "1"
    assert number(html, "n-hours") == "3"
    assert number(html, "n-meetings") == "2"
    assert number(html, "n-adherence") == "33%"  # median of 2/3 and 0/3
    assert html.count('<svg class="chart"') == 4  # + newcomer cohorts
    # The first three charts' numbers (a table instead of the chart on a phone); the cohort
    # chart's table is always shown.
    assert html.count('<div class="chart-table"><table>') == 3
    assert 'href="/staff/exports/contracts.csv?from=' in html

    battel = client.get("/staff/dashboard", params={"neighbourhood": "battel"})
    assert number(battel.text, "n-active") == "1"
    assert number(battel.text, "n-hours") == "0"


def test_the_dashboard_is_for_staff_only(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    anonymous = client.get("/staff/dashboard", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
    browser_login(client, newcomer.user.email)
    for path in ("/staff/dashboard", "/staff/dashboard/pairs", "/staff/mail",
                 "/staff/exports/contracts.csv"):  # fmt: skip
        assert client.get(path).status_code == 403, path


def test_bad_filters_are_shown_beside_the_field_and_kept(
    client: TestClient, db: Session, settings: Settings
) -> None:
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get(
        "/staff/dashboard", params={"from": "2026-07-01", "to": "2026-06-01", "neighbourhood": "x"}
    )
    assert page.status_code == 422
    assert 'id="from-error"' in page.text
    assert "must not be after its end" in page.text
    assert 'id="neighbourhood-error"' in page.text
    assert 'value="2026-07-01"' in page.text  # what was typed is kept
    assert 'id="n-active"' in page.text  # and the numbers still show (default period)


def test_pairs_page_links_to_recording_a_call(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = arrange(db, settings)
    browser_login(client, data["staff"].email)  # type: ignore[attr-defined]
    page = client.get("/staff/dashboard/pairs")
    assert page.status_code == 200
    silent = data["silent"].id  # type: ignore[attr-defined]
    row = re.search(rf'<tr id="at-risk-{silent}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert f'href="/staff/contracts/{silent}/calls/new"' in row.group(1)
    assert f'href="/contracts/{silent}#end"' in row.group(1)
    assert "<td>3</td>" in row.group(1)  # three weeks since the start, no meeting
    assert f'id="at-risk-{data["met"].id}"' not in page.text  # type: ignore[attr-defined]


def test_staff_see_failed_mail_and_send_it_again(
    client: TestClient, db: Session, settings: Settings
) -> None:
    staff = make_staff(db)
    email_id = queue_test_email(db, make_newcomer(db).user, key="failed-page")
    row = db.get(OutboxEmail, email_id)
    assert row is not None
    row.status, row.attempts, row.last_error = EmailStatus.failed, 6, "unreachable: refused"
    db.commit()
    browser_login(client, staff.email)
    dashboard = client.get("/staff/dashboard")
    assert "1 email could not be delivered" in dashboard.text
    page = client.get("/staff/mail")
    assert f'id="mail-{email_id}"' in page.text
    assert "unreachable: refused" in page.text
    retried = client.post(
        f"/staff/mail/{email_id}/retry",
        data={"csrftoken": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    db.expire_all()
    again = db.scalar(select(OutboxEmail).where(OutboxEmail.id == email_id))
    assert again is not None
    assert (again.status, again.attempts) == (EmailStatus.queued, 0)


# --- the API ------------------------------------------------------------------------------


def test_stats_api_gives_the_dashboard_numbers(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = arrange(db, settings)
    headers = bearer(client, data["staff"].email)  # type: ignore[attr-defined]
    answer = client.get("/api/v1/programme/stats", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] < body["to"] == str(today(settings))
    assert (body["active_pairs"], body["at_risk_pairs"], body["total_hours"]) == (2, 1, 3.0)
    assert len(body["meetings_per_week"]) == 26
    assert body["participation_hours_goal"] == 40
    battel = client.get("/api/v1/programme/stats", params={"neighbourhood": "battel"},
                        headers=headers).json()  # fmt: skip
    assert (battel["active_pairs"], battel["total_hours"]) == (1, 0.0)
    risky = client.get("/api/v1/programme/at-risk", headers=headers).json()
    assert [r["contract_id"] for r in risky] == [data["silent"].id]  # type: ignore[attr-defined]
    assert risky[0]["record_call_url"].endswith("/calls/new")
    assert risky[0]["weeks_since_meeting"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "soon"}, "to"),
        ({"from": "2026-06-02", "to": "2026-06-01"}, "from"),
        ({"neighbourhood": "atlantis"}, "neighbourhood"),
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/programme/stats", "/api/v1/exports/contracts.csv", "/api/v1/exports/checkins.csv"],
)
def test_bad_parameters_are_422_naming_the_parameter(
    client: TestClient, db: Session, params: dict[str, str], field: str, path: str
) -> None:
    staff = make_staff(db)
    db.commit()
    answer = client.get(path, params=params, headers=bearer(client, staff.email))
    assert answer.status_code == 422
    assert answer.json()["field"] == field
