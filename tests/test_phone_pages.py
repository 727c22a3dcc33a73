"""Pages read well in every language: left-to-right data and typed text isolated, lists and
dates in the reader's language, every form error at once, readable refusals."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import utcnow
from app.i18n.catalog import gettext
from app.matches.models import MatchingRound
from tests.factories import browser_login, make_active_contract, make_newcomer, make_staff

PHONE = "+32 458 52 82 36"


def _as(client: TestClient, email: str, locale: str) -> None:
    client.headers["Accept-Language"] = locale
    client.cookies.set("buddy_locale", locale)
    browser_login(client, email)


def test_contact_details_and_typed_text_are_isolated_in_arabic(
    client: TestClient, db: Session
) -> None:
    contract = make_active_contract(db)
    volunteer = contract.volunteer
    volunteer.phone = PHONE
    volunteer.bio = "أحب المشي."
    contract.newcomer.user.locale = "ar"
    db.commit()
    _as(client, contract.newcomer.user.email, "ar")
    page = client.get(f"/contracts/{contract.id}").text
    assert 'dir="rtl"' in page
    assert re.search(r'<a href="tel:\+32458528236" dir="ltr">\+32 458 52 82 36</a>', page)
    assert f'dir="ltr">{volunteer.user.email}</a>' in page
    assert '<p dir="auto">أحب المشي.</p>' in page
    assert f"<bdi>{volunteer.first_name}</bdi>" in page
    rows = client.get("/me/contracts").text
    assert f'<bdi dir="ltr">{PHONE}</bdi>' in rows
    assert f'<bdi dir="ltr">{volunteer.user.email}</bdi>' in rows


def test_own_profile_isolates_email_phone_and_note(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db, phone=PHONE, note="Ik werk 's avonds.")
    db.commit()
    _as(client, newcomer.user.email, "ar")
    page = client.get("/me").text
    assert f'<dd dir="ltr">{newcomer.user.email}</dd>' in page
    assert f'<dd dir="ltr">{PHONE}</dd>' in page
    assert '<dd dir="auto">Ik werk &#39;s avonds.</dd>' in page


def test_staff_person_page_isolates_contact_details(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, phone=PHONE)
    db.commit()
    _as(client, staff.email, "ar")
    page = client.get(f"/staff/people/{newcomer.id}").text
    assert f'<dd dir="ltr">{newcomer.user.email}</dd>' in page
    assert f'<bdi dir="ltr">{PHONE}</bdi>' in page
    assert f'<h1 dir="auto">{newcomer.display_name}</h1>' in page


@pytest.mark.parametrize(
    ("locale", "listed", "arrived"),
    [
        ("ar", "طبخ وكرة قدم ومشي", "1 سبتمبر 2026"),
        ("nl", "koken, voetbal en wandelen", "1 september 2026"),
        ("en", "koken, voetbal, and wandelen", "September 1, 2026"),
        ("fr", "koken, voetbal et wandelen", "1 septembre 2026"),
    ],
)
def test_lists_and_dates_in_the_readers_language(
    client: TestClient, db: Session, locale: str, listed: str, arrived: str
) -> None:
    words = ["طبخ", "كرة قدم", "مشي"] if locale == "ar" else ["koken", "voetbal", "wandelen"]
    newcomer = make_newcomer(db, interests=words, arrived_on=date(2026, 9, 1))
    newcomer.user.locale = locale
    db.commit()
    _as(client, newcomer.user.email, locale)
    page = client.get("/me").text
    assert f'<dd dir="auto">{listed}</dd>' in page
    assert "2026-09-01" not in page
    assert arrived in page


@pytest.mark.parametrize("typed", ["طبخ، كرة قدم، مشي", "طبخ, كرة قدم؛ مشي", "طبخ،كرة قدم ,مشي"])
def test_interests_typed_with_the_arabic_comma_are_split(typed: str) -> None:
    from app.people.forms import empty_values, schema_input

    values = {**empty_values(), "interests": typed}
    parts = schema_input(values, kind="newcomer", account=False)["interests"]
    assert [part.strip() for part in parts] == ["طبخ", "كرة قدم", "مشي"]


def test_every_meeting_form_error_is_shown_at_once(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=utcnow().date() - timedelta(days=30))
    db.commit()
    _as(client, contract.volunteer.user.email, "nl")
    client.get(f"/contracts/{contract.id}/meetings/new")
    answer = client.post(
        f"/contracts/{contract.id}/meetings/new",
        data={"met_on": utcnow().date().isoformat(), "minutes": "5", "note": "",
              "csrftoken": client.cookies["csrftoken"]},
    )  # fmt: skip
    assert answer.status_code == 422
    assert 'id="minutes-error"' in answer.text
    assert 'id="activities-error"' in answer.text
    assert gettext("nl", "Choose at least one thing you did together.") in answer.text


def test_refusal_dates_are_localised(client: TestClient, db: Session) -> None:
    start = date(2026, 3, 2)
    contract = make_active_contract(db, start=start)
    db.commit()
    _as(client, contract.volunteer.user.email, "fr")
    client.get(f"/contracts/{contract.id}/meetings/new")
    answer = client.post(
        f"/contracts/{contract.id}/meetings/new",
        data={"met_on": "2026-03-01", "minutes": "60", "activities": "dutch",
              "csrftoken": client.cookies["csrftoken"]},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "2 mars 2026" in answer.text
    assert "2026-03-02" not in answer.text.split('name="met_on"')[0].split("<main")[1]


@pytest.mark.parametrize("locale", ["nl", "en", "fr", "ar"])
def test_csrf_failure_is_a_translated_page_with_a_way_back(client: TestClient, locale: str) -> None:
    client.headers["Accept-Language"] = locale
    client.get("/login")
    answer = client.post(
        "/login",
        data={"email": "a@example.org", "password": "x", "csrftoken": "forged"},
        headers={"Referer": "http://testserver/login?next=/me"},
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "did not match cookie" not in answer.text
    assert f'<html lang="{locale}"' in answer.text
    assert gettext(locale, "Please send the form again") in answer.text
    assert 'href="/login?next=/me"' in answer.text


def test_outbox_shows_commands_as_code_not_backticks(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    _as(client, staff.email, "nl")
    page = client.get("/staff/mail").text
    assert "`" not in page
    assert '<code dir="ltr">buddy send-mail</code>' in page


@pytest.mark.parametrize("locale", ["nl", "en", "fr", "ar"])
def test_shortage_shows_translated_day_and_part(
    client: TestClient, db: Session, locale: str
) -> None:
    staff = make_staff(db)
    shortage = {"missing": 3, "by_slot": {"tue-morning": {"newcomers": 2, "empty": 1,
                                                          "missing": 3}}}  # fmt: skip
    db.add(MatchingRound(started_at=utcnow(), finished_at=utcnow(), newcomers_waiting=2,
                         panels_made=2, empty_panels=1, shortage=shortage))  # fmt: skip
    db.commit()
    _as(client, staff.email, locale)
    from app.matches.reasons import slot_label

    for path in ("/staff/dashboard", "/staff/rounds"):
        page = client.get(path).text
        assert "tue-morning" not in page, path
    assert slot_label("tue-morning", locale) in client.get("/staff/dashboard").text


def test_every_evaluation_question_left_open_is_pointed_out_at_once(
    client: TestClient, db: Session
) -> None:
    from tests.test_evaluations_pages import completed

    contract = completed(db)
    _as(client, contract.newcomer.user.email, "en")
    client.get(f"/contracts/{contract.id}/evaluation")
    answer = client.post(
        f"/contracts/{contract.id}/evaluation",
        data={"text": "Merci", "csrftoken": client.cookies["csrftoken"]},
    )
    assert answer.status_code == 422
    for message in ("Choose a number from 1 to 5.", "Choose one of the options.",
                    "Answer yes or no."):  # fmt: skip
        assert message in answer.text


def test_every_call_form_error_is_shown_at_once(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    contract = make_active_contract(db)
    db.commit()
    _as(client, staff.email, "en")
    client.get(f"/staff/contracts/{contract.id}/calls/new")
    answer = client.post(
        f"/staff/contracts/{contract.id}/calls/new",
        data={"called_on": "yesterday", "kind": "chat", "csrftoken": client.cookies["csrftoken"]},
    )
    assert answer.status_code == 422
    assert "Enter a valid date." in answer.text
    assert "Choose one of the options." in answer.text
