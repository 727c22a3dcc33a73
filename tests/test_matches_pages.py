"""Matching pages without JavaScript: the newcomer's candidates, confirm, pick, decline; the
staff's rounds page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.config import Settings
from app.contracts.models import Contract
from app.matches import service
from app.matches.models import MatchingRound, PanelStatus
from app.people.models import Newcomer, Volunteer
from app.people.vocabulary import Level
from tests.factories import (
    bearer,
    browser_login,
    make_contract,
    make_newcomer,
    make_staff,
    make_user,
    make_volunteer,
)


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)


def _newcomer_with_panel(db: Session, settings: Settings) -> Newcomer:
    newcomer = make_newcomer(db)
    for _ in range(5):
        make_volunteer(db)
    db.commit()
    service.run_round(db, city=settings.city, started_by=None)
    db.commit()
    return newcomer


def test_candidates_confirm_and_pick(client: TestClient, db: Session, settings: Settings) -> None:
    newcomer = _newcomer_with_panel(db, settings)
    browser_login(client, newcomer.user.email)
    me = client.get("/me").text
    assert "Your buddy candidates are ready" in me
    assert 'href="/me/panel"' in me

    page = client.get("/me/panel")
    assert page.status_code == 200
    assert page.text.count('class="card candidate"') == 5
    assert "Why we propose <bdi>Jan</bdi>" in page.text
    assert "You are both free on Monday evening and Saturday morning." in page.text
    assert "Dutch" in page.text
    assert "less than 1 km" in page.text
    assert "Peeters" not in page.text
    assert "@example.org" not in page.text.replace(newcomer.user.email, "")

    volunteer_id = int(page.text.split('name="volunteer_id" value="')[1].split('"')[0])
    confirm = client.get(f"/me/panel/confirm?volunteer_id={volunteer_id}")
    assert confirm.status_code == 200
    assert "Choose <bdi>Jan</bdi> as your buddy?" in confirm.text
    assert 'action="/me/panel/choice"' in confirm.text
    assert client.get("/me/panel/confirm?volunteer_id=999999").status_code == 404

    r = _post(client, "/me/panel/choice", {"volunteer_id": volunteer_id})
    assert r.status_code == 303
    contract = db.scalar(select(Contract))
    assert contract is not None
    assert r.headers["location"] == f"/contracts/{contract.id}"
    assert "You have chosen your buddy." in client.get("/me/panel").text


def test_race_loser_sees_a_message_and_keeps_the_panel(
    client: TestClient, db: Session, settings: Settings
) -> None:
    newcomer = _newcomer_with_panel(db, settings)
    panel_candidates = service.exposure(db, service.utcnow())
    taken = sorted(panel_candidates)[0]
    make_contract(db, make_newcomer(db), db.get(Volunteer, taken))
    db.commit()
    browser_login(client, newcomer.user.email)
    r = _post(client, "/me/panel/choice", {"volunteer_id": taken})
    assert r.status_code == 409
    assert "has just been chosen by someone else" in r.text
    assert r.text.count('class="card candidate"') == 5
    assert "No longer available" in r.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Contract)) == 1  # only the other's


def test_decline_form(client: TestClient, db: Session, settings: Settings) -> None:
    newcomer = _newcomer_with_panel(db, settings)
    browser_login(client, newcomer.user.email)
    r = _post(client, "/me/panel/decline", {"reason": "  "})
    assert r.status_code == 422
    assert 'id="reason-error"' in r.text
    r = _post(client, "/me/panel/decline", {"reason": "I travel all month"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "You declined these candidates." in page
    assert "You have no candidates at the moment." in page
    from app.matches.models import Panel

    db.expire_all()
    assert db.scalar(select(Panel.status)) is PanelStatus.declined


def test_staff_rounds_page(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    make_newcomer(db, languages={"ti": Level.native, "nl": Level.basic})
    make_volunteer(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get("/staff/rounds")
    assert page.status_code == 200
    assert "1 newcomer is waiting for a panel." in page.text
    assert "No matching round yet." in page.text
    r = _post(client, "/staff/rounds", {})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "The matching round is done." in page
    record = db.scalar(select(MatchingRound))
    assert record is not None
    assert f'id="round-{record.id}"' in page
    # One volunteer for a panel of five: the shortage report says what to recruit.
    assert "4 places on panels stayed empty." in page
    assert "Tigrinya" in page
    assert "Monday evening" in page
    assert "Binnenstad" in page


def test_newcomer_only_pages(client: TestClient, db: Session) -> None:
    volunteer = make_volunteer(db)
    db.commit()
    browser_login(client, volunteer.user.email)
    assert client.get("/staff/rounds").status_code == 403
    assert client.get("/me/panel").status_code == 403
    assert client.get("/staff/contracts").status_code == 403


def test_panel_page_for_an_account_without_profile(client: TestClient, db: Session) -> None:
    """A newcomer account whose profile is missing gets a page saying so, not a crash."""
    user = make_user(db, Role.newcomer, "bare@example.org")
    db.commit()
    browser_login(client, user.email)
    response = client.get("/me/panel")
    assert response.status_code == 404
    assert "Your profile is missing" in response.text
    assert "<html" in response.text
    api = client.get("/api/v1/me/panel", headers=bearer(client, user.email))
    assert api.status_code in (403, 404)
