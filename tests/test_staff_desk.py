"""The welcome desk: staff register a newcomer on their behalf."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import User
from app.people.models import IntakeStatus, Newcomer
from tests.factories import browser_login, make_staff


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": "hodan.farah@example.org",
        "locale": "ar",
        "first_name": "Hodan",
        "last_name": "Farah",
        "year_of_birth": "1994",
        "gender": "female",
        "buddy_gender": "same",
        "phone": "+32 470 11 22 33",
        "lang_code_0": "so",
        "lang_level_0": "native",
        "lang_code_1": "nl",
        "lang_level_1": "basic",
        "availability": ["tue-afternoon", "thu-afternoon"],
        "neighbourhood": "nekkerspoel",
        "goals": ["dutch", "paperwork"],
        "interests": "sewing, cooking",
        "arrived_on": "2026-03-01",
        "civic_integration": "1",
        "note": "Prefers meeting near the library.",
        "consent": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _staff(client: TestClient, db: Session) -> User:
    staff = make_staff(db, "desk@city.example")
    db.commit()
    browser_login(client, staff.email)
    return staff


def _post(client: TestClient, data: dict[str, Any]) -> Any:
    return client.post(
        "/staff/newcomers/new", data={**data, "csrftoken": client.cookies["csrftoken"]}
    )


def test_form_offers_the_registration_fields(client: TestClient, db: Session) -> None:
    _staff(client, db)
    page = client.get("/staff/newcomers/new")
    assert page.status_code == 200
    assert 'name="password"' not in page.text  # staff never choose nor see a password
    for name in ("email", "locale", "first_name", "lang_code_0", "neighbourhood",
                 "availability", "consent", "arrived_on", "civic_integration"):  # fmt: skip
        assert f'name="{name}"' in page.text, name


def test_desk_and_registration_share_one_form(client: TestClient, db: Session) -> None:
    own = client.get("/register/newcomer").text
    _staff(client, db)
    desk = client.get("/staff/newcomers/new").text
    assert '<form method="post" action="/register/newcomer"' in own
    assert '<form method="post" action="/staff/newcomers/new"' in desk
    assert desk.count('<form method="post" action="/staff/newcomers/new"') == 1
    # The same privacy notice, once; desk wording for the account and the consent.
    notice = "We keep your details only to run the buddy programme of Mechelen."
    assert own.count(notice) == desk.count(notice) == 1
    assert "Their account" in desk
    assert "Your account" not in desk
    assert "The newcomer has read the privacy notice and agrees." in desk
    assert "I have read the privacy notice and agree." not in desk
    assert "Already registered?" in own
    assert "Already registered?" not in desk
    assert 'class="staff-page"' in desk
    # Every profile field of the newcomer's own form is on the desk form, in the same order.
    fields = re.compile(r'name="((?:lang_code|lang_level)_\d+|[a-z_]+)"')
    shared = [n for n in fields.findall(own) if n not in ("password", "csrftoken", "locale")]
    at_desk = [n for n in fields.findall(desk) if n in set(shared)]
    assert at_desk == shared


def test_register_prints_a_one_time_code_not_a_password(client: TestClient, db: Session) -> None:
    staff = _staff(client, db)
    response = _post(client, _form(password="sunflower-bridge-7"))  # a typed one is ignored
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    match = re.search(r'id="setup-code"[^>]*>([^<]+)</code>', response.text)
    assert match, response.text
    code = match.group(1)
    assert re.fullmatch(r"[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}", code)
    assert "/set-password" in response.text
    assert 'id="new-password"' not in response.text

    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    # The welcome-desk talk is the intake.
    assert newcomer.intake_status is IntakeStatus.approved
    assert newcomer.user.locale == "ar"
    assert newcomer.neighbourhood == "nekkerspoel"
    assert newcomer.availability == ["tue-afternoon", "thu-afternoon"]
    assert newcomer.language_levels == {"nl": "basic", "so": "native"}
    assert newcomer.civic_integration is True
    entry = db.scalar(select(AuditEntry).where(AuditEntry.subject_id == newcomer.id))
    assert entry is not None
    assert entry.action == "newcomer.registered_by_staff"
    assert entry.actor_id == staff.id

    with TestClient(client.app, headers={"Accept-Language": "en"}) as own:
        # No password anyone at the desk has seen works.
        own.get("/login")
        for guess in ("sunflower-bridge-7", code):
            r = own.post("/login", data={"email": "hodan.farah@example.org", "password": guess,
                                         "csrftoken": own.cookies["csrftoken"]})  # fmt: skip
            assert r.status_code == 401
        # The newcomer types the code (any case, spaces) and chooses a password.
        r = own.post("/set-password", data={
            "code": code.upper().replace("-", " "), "new_password": "my own river song",
            "csrftoken": own.cookies["csrftoken"]}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text
        assert "Hodan" in own.get("/me").text
    with TestClient(client.app, headers={"Accept-Language": "en"}) as again:
        browser_login(again, "hodan.farah@example.org", "my own river song")
        # The code worked once.
        r = again.post("/set-password", data={
            "code": code, "new_password": "another river song",
            "csrftoken": again.cookies["csrftoken"]})  # fmt: skip
        assert r.status_code == 422
        assert 'id="code-error"' in r.text
    # The staff member's file on them shows the desk registration.
    page = client.get(f"/staff/people/{newcomer.id}")
    assert "Registered at the welcome desk" in page.text


def test_errors_keep_what_was_typed(client: TestClient, db: Session) -> None:
    _staff(client, db)
    response = _post(client, _form(consent=None, year_of_birth="2015"))
    assert response.status_code == 422
    html = response.text
    assert 'id="consent-error"' in html
    assert "You need to agree to the privacy notice" in html
    assert "The programme is for adults" in html
    # Everything else is still there.
    assert 'value="Hodan"' in html
    assert 'value="hodan.farah@example.org"' in html
    assert re.search(r'<option value="nekkerspoel"\s+selected', html)
    assert re.search(r'id="slot-thu-afternoon"[^>]*checked', html)
    assert re.search(r'<option value="so" selected', html)
    assert re.search(r'<option value="ar" lang="ar" selected', html)
    assert "Prefers meeting near the library.</textarea>" in html
    assert db.scalar(select(func.count()).select_from(Newcomer)) == 0


def test_existing_email_is_reported_beside_the_field(client: TestClient, db: Session) -> None:
    _staff(client, db)
    assert _post(client, _form()).status_code == 200
    again = _post(client, _form(first_name="Other"))
    assert again.status_code == 422
    assert 'id="email-error"' in again.text
    assert "already exists" in again.text
    assert 'value="Other"' in again.text
    assert db.scalar(select(func.count()).select_from(Newcomer)) == 1


def test_staff_print_a_new_code_that_replaces_the_old_one(client: TestClient, db: Session) -> None:
    _staff(client, db)
    first = re.search(r'id="setup-code"[^>]*>([^<]+)<', _post(client, _form()).text)
    assert first
    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    page = client.get(f"/staff/people/{newcomer.id}")
    assert f'action="/staff/people/{newcomer.id}/setup-code"' in page.text
    again = client.post(f"/staff/people/{newcomer.id}/setup-code",
                        data={"csrftoken": client.cookies["csrftoken"]})  # fmt: skip
    assert again.status_code == 200
    assert again.headers["cache-control"] == "no-store"
    second = re.search(r'id="setup-code"[^>]*>([^<]+)<', again.text)
    assert second
    assert second.group(1) != first.group(1)
    assert client.post("/staff/people/999999/setup-code",
                       data={"csrftoken": client.cookies["csrftoken"]}).status_code == 404
    with TestClient(client.app, headers={"Accept-Language": "en"}) as own:
        own.get("/set-password")
        for code, expected in ((first.group(1), 422), (second.group(1), 303)):
            data = {"code": code, "new_password": "my own river song",
                    "csrftoken": own.cookies["csrftoken"]}  # fmt: skip
            r = own.post("/set-password", data=data, follow_redirects=False)
            assert r.status_code == expected
    assert "New code to choose a password printed" in client.get(
        f"/staff/people/{newcomer.id}").text
