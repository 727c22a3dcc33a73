"""Registration and profile pages, as a browser without JavaScript uses them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.people import pages
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.web.templating import templates
from tests.factories import browser_login, make_newcomer, make_staff, make_user, make_volunteer


class Form(HTMLParser):
    """The fields of a page as a browser would submit them (plus what is shown in errors)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.inputs: list[dict[str, str | None]] = []
        self.errors: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._error: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input":
            self.inputs.append(a)
            name = a.get("name")
            if name and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values.setdefault(self._textarea or "", []).append("")
        elif tag == "p" and "error" in (a.get("class") or "") and a.get("id"):
            self._error = (a.get("id") or "").removesuffix("-error")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "p":
            self._error = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data
        if self._error:
            self.errors[self._error] = self.errors.get(self._error, "") + data.strip()

    def value(self, name: str) -> str:
        return (self.values.get(name) or [""])[0]


def count(db: Session, model: type[Any]) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def newcomer_form(client: TestClient, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrftoken": client.cookies.get("csrftoken"),
        "email": "Yonas@Example.org",
        "password": "long walk by the dijle",
        "first_name": "Yonas",
        "last_name": "Tesfay",
        "year_of_birth": "1995",
        "gender": "male",
        "buddy_gender": "same",
        "phone": "+32 470 00 00 00",
        "lang_code_0": "ti",
        "lang_level_0": "native",
        "lang_code_1": "nl",
        "lang_level_1": "basic",
        "lang_code_2": "",
        "lang_level_2": "",
        "availability": ["mon-evening", "sat-morning", "sun-afternoon"],
        "neighbourhood": "stationswijk",
        "interests": "football, cooking",
        "goals": ["dutch", "work"],
        "arrived_on": "2025-11-03",
        "civic_integration": "1",
        "note": "Works nights on Fridays.",
        "consent": "1",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def anon(client: TestClient) -> TestClient:
    """A visitor who has opened the form (and so holds a CSRF cookie)."""
    assert client.get("/register/newcomer").status_code == 200
    return client


# --- the blank forms -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["newcomer", "volunteer"])
def test_registration_form_is_complete_and_accessible(client: TestClient, kind: str) -> None:
    response = client.get(f"/register/{kind}")
    assert response.status_code == 200
    html = response.text
    form = Form(html)
    assert form.value("csrftoken") == client.cookies.get("csrftoken")
    assert 'method="post"' in html
    assert f'action="/register/{kind}"' in html
    slots = [i for i in form.inputs if i.get("name") == "availability"]
    assert len(slots) == 21
    assert all(i.get("type") == "checkbox" and i.get("id") == f"slot-{i['value']}" for i in slots)
    assert '<label for="slot-mon-morning">' in html
    assert "Monday morning" in html
    assert "Sunday evening" in html
    assert html.count('name="lang_code_') == 4
    assert html.count('name="lang_level_') == 4
    assert 'name="neighbourhood"' in html
    assert 'name="lat"' in html
    assert 'name="consent"' in html
    assert "privacy" in html.lower()
    assert ('name="civic_integration"' in html) is (kind == "newcomer")
    assert ('name="max_buddies"' in html) is (kind == "volunteer")


def test_logged_in_users_are_sent_home_from_registration(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    browser_login(client, newcomer.user.email)
    response = client.get("/register/volunteer", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/me")


# --- registering ---------------------------------------------------------------------------


def test_successful_registration_logs_in_and_redirects(anon: TestClient, db: Session) -> None:
    response = anon.post("/register/newcomer", data=newcomer_form(anon), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/me"
    assert anon.cookies.get("buddy_session")
    db.expire_all()
    newcomer = db.scalar(select(Newcomer))
    assert newcomer is not None
    assert newcomer.user.email == "yonas@example.org"
    assert newcomer.intake_status is IntakeStatus.pending
    assert newcomer.availability == ["mon-evening", "sat-morning", "sun-afternoon"]
    assert newcomer.interests == ["football", "cooking"]
    assert newcomer.civic_integration is True
    assert newcomer.language_levels == {"ti": "native", "nl": "basic"}
    assert newcomer.neighbourhood == "stationswijk"
    page = anon.get("/me")
    assert page.status_code == 200
    assert "Yonas" in page.text
    assert "Waiting for intake" in page.text


def test_interests_from_the_list_and_free_text_are_stored_as_keys(
    anon: TestClient, db: Session
) -> None:
    form = newcomer_form(anon, interest_keys=["music", "cooking", "no-such-key"],
                         interests="Koken، bird watching ; الطبخ")
    response = anon.post("/register/newcomer", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    newcomer = db.scalar(select(Newcomer))
    assert newcomer is not None
    # the Dutch and Arabic names of "cooking" are the listed key; a forged key is dropped
    assert newcomer.interests == ["music", "cooking", "bird watching"]
    edit = Form(anon.get("/me/edit").text)
    assert sorted(edit.values["interest_keys"]) == ["cooking", "music"]
    assert edit.value("interests") == "bird watching"
    me = anon.get("/me").text
    assert "Music, Cooking, and bird watching" in me  # the locale's list pattern


def test_volunteer_registration(anon: TestClient, db: Session) -> None:
    anon.get("/register/volunteer")
    data = newcomer_form(
        anon,
        email="lies@example.org",
        lang_code_0="nl",
        lang_level_0="native",
        lang_code_1="en",
        lang_level_1="fluent",
        bio="I like long walks.",
        max_buddies="2",
        civic_integration=None,
        arrived_on=None,
        note=None,
    )
    response = anon.post("/register/volunteer", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    volunteer = db.scalar(select(Volunteer))
    assert volunteer is not None
    assert (volunteer.vetting_status, volunteer.max_buddies) == (VettingStatus.pending, 2)
    page = anon.get("/me").text
    assert "Waiting for screening" in page
    assert 'action="/me/pause"' not in page  # nothing to pause before approval


def test_errors_keep_everything_typed_except_the_password(anon: TestClient, db: Session) -> None:
    data = newcomer_form(
        anon,
        password="short",
        year_of_birth="2016",
        lang_level_1="",  # Dutch without a level
        lang_code_4="fr",  # a fifth row, more than the four shown at first
        lang_level_4="basic",
        consent=None,
    )
    response = anon.post("/register/newcomer", data=data)
    assert response.status_code == 422
    form = Form(response.text)
    assert set(form.errors) >= {"password", "year_of_birth", "lang_1", "consent"}
    assert form.value("password") == ""
    assert "short" not in response.text.split('name="password"')[1].split(">")[0]
    assert form.value("email") == "Yonas@Example.org"
    assert form.value("first_name") == "Yonas"
    assert form.value("year_of_birth") == "2016"
    assert form.value("gender") == "male"
    assert form.value("buddy_gender") == "same"
    assert form.value("neighbourhood") == "stationswijk"
    assert sorted(form.values["availability"]) == ["mon-evening", "sat-morning", "sun-afternoon"]
    assert sorted(form.values["goals"]) == ["dutch", "work"]
    assert form.value("civic_integration") == "1"
    assert "consent" not in form.values
    assert form.value("note") == "Works nights on Fridays."
    assert form.value("interests") == "football, cooking"
    assert form.value("arrived_on") == "2025-11-03"
    assert (form.value("lang_code_0"), form.value("lang_level_0")) == ("ti", "native")
    assert (form.value("lang_code_1"), form.value("lang_level_1")) == ("nl", "")
    # The rows that had something in them come back in order, plus a blank one.
    assert (form.value("lang_code_2"), form.value("lang_level_2")) == ("fr", "basic")
    assert 'name="lang_code_3"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert count(db, User) == 0


def test_location_errors_and_point_location(anon: TestClient, db: Session) -> None:
    data = newcomer_form(anon, neighbourhood="", lat="", lon="")
    form = Form(anon.post("/register/newcomer", data=data).text)
    assert "location" in form.errors
    data = newcomer_form(anon, neighbourhood="", lat="50.85", lon="4.35")  # Brussels
    response = anon.post("/register/newcomer", data=data)
    assert response.status_code == 422
    form = Form(response.text)
    assert "Mechelen" in form.errors["location"]
    assert (form.value("lat"), form.value("lon")) == ("50.85", "4.35")
    assert count(db, Person) == 0
    data = newcomer_form(anon, neighbourhood="", lat="51.0455", lon="4.4772")
    response = anon.post("/register/newcomer", data=data, follow_redirects=False)
    assert response.status_code == 303
    newcomer = db.scalar(select(Newcomer))
    assert newcomer is not None
    assert (newcomer.neighbourhood, newcomer.lat) == ("mechelen-noord", 51.0455)


def test_duplicate_email_on_the_form(anon: TestClient, db: Session) -> None:
    make_volunteer(db, email="yonas@example.org")
    db.commit()
    response = anon.post("/register/newcomer", data=newcomer_form(anon))
    assert response.status_code == 422
    form = Form(response.text)
    assert "already exists" in form.errors["email"]
    assert form.value("first_name") == "Yonas"
    assert count(db, Newcomer) == 0
    assert not anon.cookies.get("buddy_session")


def test_registration_needs_the_csrf_token(client: TestClient, db: Session) -> None:
    data = newcomer_form(client)
    data.pop("csrftoken", None)
    assert client.post("/register/newcomer", data=data).status_code == 403
    client.get("/register/newcomer")
    forged = {**data, "csrftoken": "forged"}
    assert client.post("/register/newcomer", data=forged).status_code == 403
    assert count(db, User) == 0


# --- /me -----------------------------------------------------------------------------------


def test_me_needs_login_and_sends_staff_to_their_pages(client: TestClient, db: Session) -> None:
    response = client.get("/me", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    response = client.get("/me", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/staff")


def test_edit_profile_round_trip(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db, lat=51.0302, lon=4.4811, neighbourhood="binnenstad")
    db.commit()
    browser_login(client, newcomer.user.email)
    page = client.get("/me/edit")
    assert page.status_code == 200
    form = Form(page.text)
    assert form.value("first_name") == "Amina"
    assert sorted(form.values["availability"]) == ["mon-evening", "sat-morning"]
    # A point of one's own stays a point, not the neighbourhood's centre.
    assert (form.value("neighbourhood"), form.value("lat")) == ("", "51.0302")
    submitted = {k: v if len(v) > 1 else v[0] for k, v in form.values.items()}
    submitted.update(first_name="", availability=["fri-evening"], note="Changed")
    response = client.post("/me/edit", data=submitted)
    assert response.status_code == 422
    again = Form(response.text)
    assert again.errors["first_name"] == "This field is required."
    assert again.values["availability"] == ["fri-evening"]
    assert again.value("note") == "Changed"
    db.expire_all()
    assert db.get(Newcomer, newcomer.id).note == ""  # type: ignore[union-attr]
    submitted["first_name"] = "Ami"
    response = client.post("/me/edit", data=submitted, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/me?done=saved")
    db.expire_all()
    stored = db.get(Newcomer, newcomer.id)
    assert stored is not None
    assert (stored.first_name, stored.note) == ("Ami", "Changed")
    assert stored.availability == ["fri-evening"]
    assert (stored.lat, stored.lon) == (51.0302, 4.4811)
    assert stored.language_levels == {"ar": "native", "nl": "basic"}
    assert "Your profile has been saved." in client.get("/me?done=saved").text


def test_volunteer_pauses_and_resumes_on_the_page(client: TestClient, db: Session) -> None:
    volunteer = make_volunteer(db, vetting=VettingStatus.approved)
    db.commit()
    browser_login(client, volunteer.user.email)
    page = client.get("/me").text
    assert "Approved" in page
    assert 'action="/me/pause"' in page
    token = client.cookies["csrftoken"]
    response = client.post("/me/pause", data={"csrftoken": token}, follow_redirects=False)
    assert response.headers["location"] == "/me?done=paused"
    db.expire_all()
    assert db.get(Volunteer, volunteer.id).vetting_status is VettingStatus.paused  # type: ignore[union-attr]
    assert 'action="/me/resume"' in client.get("/me").text
    client.post("/me/resume", data={"csrftoken": token})
    db.expire_all()
    assert db.get(Volunteer, volunteer.id).vetting_status is VettingStatus.approved  # type: ignore[union-attr]


def test_pause_is_for_approved_volunteers_only(client: TestClient, db: Session) -> None:
    pending = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    browser_login(client, pending.user.email)
    response = client.post("/me/pause", data={"csrftoken": client.cookies["csrftoken"]})
    assert response.status_code == 409
    assert "Only an approved volunteer" in response.text


def test_pause_page_is_for_volunteers_only(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    browser_login(client, newcomer.user.email)
    response = client.post("/me/pause", data={"csrftoken": client.cookies["csrftoken"]})
    assert response.status_code == 403
    assert "This page is not for your account." in response.text
    assert "Log out" in response.text  # the layout still knows who is logged in


@pytest.fixture
def extra_section() -> Iterator[None]:
    def provider(request: Request, session: Session, user: User, person: Person) -> dict[str, Any]:
        return {"greeting": f"Panel for {person.first_name}"}

    section = templates.env.from_string('<p id="extra">{{ section.greeting }}</p>')
    pages.add_me_section(section, provider)
    try:
        yield
    finally:
        pages._ME_SECTIONS.pop()


def test_other_domains_can_add_sections_to_me(
    client: TestClient, db: Session, extra_section: None
) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    browser_login(client, newcomer.user.email)
    page = client.get("/me").text
    assert '<p id="extra">Panel for Amina</p>' in page


# --- accounts without a profile ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.newcomer, Role.volunteer])
def test_account_without_profile_gets_an_explanation_not_a_redirect_loop(
    client: TestClient, db: Session, role: Role
) -> None:
    user = make_user(db, role)
    db.commit()
    browser_login(client, user.email)
    # Logging in sends such an account home (/me): it must stop there, not bounce back.
    for path in ("/", "/me", "/me/edit"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert len(response.history) <= 1, [r.headers.get("location") for r in response.history]
        assert "Your profile is missing" in response.text
        assert user.email in response.text
        assert 'href="mailto:buddy@localhost"' in response.text  # the programme's address
        assert "Log out" in response.text
    token = client.cookies["csrftoken"]
    response = client.post("/me/edit", data={"csrftoken": token, "first_name": "X"})
    assert response.status_code == 404
    assert "Your profile is missing" in response.text
    if role is Role.volunteer:
        response = client.post("/me/pause", data={"csrftoken": token})
        assert response.status_code == 404
        assert "Your profile is missing" in response.text
    assert count(db, Person) == 0  # nothing was created on the way


def test_me_shows_ones_own_profile(client: TestClient, db: Session) -> None:
    # Also the factories' promise: any field can be overridden, first_name and bio included.
    volunteer = make_volunteer(db, first_name="Griet", bio="Loves the Saturday market.")
    newcomer = make_newcomer(db, first_name="Olena", arrived_on=date(2026, 2, 14), note="Hi")
    db.commit()
    browser_login(client, volunteer.user.email)
    page = client.get("/me").text
    assert "Hello <bdi>Griet</bdi>" in page  # a typed name is bidi-isolated
    assert "Loves the Saturday market." in page
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, newcomer.user.email)
    page = client.get("/me").text
    assert "Hello <bdi>Olena</bdi>" in page
    assert "February 14, 2026" in page  # the arrival date in the reader's language
    assert "2026-02-14" not in page
    assert "Retired teacher" not in page
