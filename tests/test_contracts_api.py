"""Contracts over the JSON API: access rules, signing, decline, end, PDF and ICS downloads."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from app.contracts.models import Contract
from tests.factories import bearer, make_contract, make_newcomer, make_staff, make_volunteer


def _pair(db: Session, *, signed: bool = False) -> tuple[Contract, dict[str, str], dict[str, str]]:
    contract = make_contract(
        db,
        make_newcomer(db, phone="+32 470 11 22 33"),
        make_volunteer(db, phone="+32 470 99 88 77"),
        signed=signed,
    )
    db.commit()
    return contract, contract.newcomer.user.email, contract.volunteer.user.email  # type: ignore[return-value]


def test_sign_flow_over_the_api(client: TestClient, db: Session) -> None:
    contract, newcomer_email, volunteer_email = _pair(db)
    newcomer, volunteer = bearer(client, newcomer_email), bearer(client, volunteer_email)

    got = client.get(f"/api/v1/contracts/{contract.id}", headers=newcomer).json()
    assert got["status"] == "pending"
    assert got["your_side"] == "newcomer"
    assert got["volunteer"]["first_name"] == "Jan"
    assert "last_name" not in got["volunteer"]
    assert got["volunteer"]["email"] is None  # no contact details before both signed
    assert got["volunteer"]["phone"] is None
    assert got["newcomer"]["email"] == newcomer_email  # one's own details are fine

    r = client.post(f"/api/v1/contracts/{contract.id}/sign", json={"full_name": "Amina Haddad"},
                    headers=newcomer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending"
    assert r.json()["newcomer"]["signed_name"] == "Amina Haddad"

    again = client.post(f"/api/v1/contracts/{contract.id}/sign",
                        json={"full_name": "Amina Haddad"}, headers=newcomer)
    assert again.status_code == 409
    assert again.json()["detail"] == "You have already signed this contract."

    r = client.post(f"/api/v1/contracts/{contract.id}/sign", json={"full_name": "Jan Peeters"},
                    headers=volunteer)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "active"
    start = date.fromisoformat(body["start_date"])
    assert abs((start - date.today()).days) <= 1  # today in Brussels
    assert body["end_date"] > body["start_date"]
    assert body["newcomer"]["email"] == newcomer_email  # now both can reach each other
    assert body["newcomer"]["phone"] == "+32 470 11 22 33"

    listed = client.get("/api/v1/contracts", headers=volunteer).json()
    assert [c["id"] for c in listed] == [contract.id]


def test_strangers_get_404_and_staff_cannot_sign(client: TestClient, db: Session) -> None:
    contract, _, _ = _pair(db)
    stranger = make_newcomer(db)
    staff = make_staff(db)
    db.commit()
    other = bearer(client, stranger.user.email)
    for path in ("", ".pdf", ".ics"):
        response = client.get(f"/api/v1/contracts/{contract.id}{path}", headers=other)
        assert response.status_code == 404
    r = client.post(f"/api/v1/contracts/{contract.id}/sign", json={"full_name": "X Y"},
                    headers=other)
    assert r.status_code == 404
    assert client.get("/api/v1/contracts", headers=other).json() == []
    staff_headers = bearer(client, staff.email)
    r = client.post(f"/api/v1/contracts/{contract.id}/sign", json={"full_name": "Staff Person"},
                    headers=staff_headers)
    assert r.status_code == 403
    assert client.get("/api/v1/contracts/999999", headers=staff_headers).status_code == 404
    assert client.get("/api/v1/contracts").status_code == 401
    db.expire_all()
    assert db.get(Contract, contract.id).newcomer_signed_at is None  # type: ignore[union-attr]


def test_staff_lists_all_and_filters(client: TestClient, db: Session) -> None:
    active, _, _ = _pair(db, signed=True)
    pending, _, _ = _pair(db)
    staff = make_staff(db)
    db.commit()
    headers = bearer(client, staff.email)
    assert {c["id"] for c in client.get("/api/v1/contracts", headers=headers).json()} == {
        active.id, pending.id,
    }
    only = client.get("/api/v1/contracts?state=active", headers=headers).json()
    assert [c["id"] for c in only] == [active.id]
    assert client.get("/api/v1/contracts?state=nonsense", headers=headers).status_code == 422
    newest = client.get("/api/v1/contracts?limit=1", headers=headers).json()
    assert [c["id"] for c in newest] == [pending.id]
    older = client.get("/api/v1/contracts?limit=1&offset=1", headers=headers).json()
    assert [c["id"] for c in older] == [active.id]


def test_validation_errors_name_the_field(client: TestClient, db: Session) -> None:
    contract, newcomer_email, _ = _pair(db)
    headers = bearer(client, newcomer_email)
    url = f"/api/v1/contracts/{contract.id}/sign"
    r = client.post(url, json={}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "full_name"
    r = client.post(url, json={"full_name": "Amina", "role": "staff"}, headers=headers)
    assert r.status_code == 422
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    r = client.post(url, json={"full_name": "Amina Haddad", "start_date": yesterday},
                    headers=headers)
    assert r.status_code == 422
    assert r.json()["field"] == "start_date"
    r = client.post(f"/api/v1/contracts/{contract.id}/end", json={"reason": "bored"},
                    headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"


def test_decline_and_end(client: TestClient, db: Session) -> None:
    contract, newcomer_email, volunteer_email = _pair(db)
    newcomer, volunteer = bearer(client, newcomer_email), bearer(client, volunteer_email)
    r = client.post(f"/api/v1/contracts/{contract.id}/decline", json={"reason": "No time"},
                    headers=newcomer)
    assert r.status_code == 403
    r = client.post(f"/api/v1/contracts/{contract.id}/decline", json={"reason": "No time"},
                    headers=volunteer)
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert r.json()["end_note"] is None  # private notes are for staff
    r = client.post(f"/api/v1/contracts/{contract.id}/end", json={"reason": "no_time"},
                    headers=newcomer)
    assert r.status_code == 409

    active, newcomer_email, _ = _pair(db, signed=True)
    headers = bearer(client, newcomer_email)
    r = client.post(f"/api/v1/contracts/{active.id}/end",
                    json={"reason": "other", "note": ""}, headers=headers)
    assert r.status_code == 422
    assert r.json()["field"] == "note"
    r = client.post(f"/api/v1/contracts/{active.id}/end",
                    json={"reason": "moved_away", "note": "To Antwerp"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "ended_early"
    assert r.json()["end_reason"] == "moved_away"
    assert r.json()["volunteer"]["email"] is None  # contact details hidden again
    # Signing an ended contract is refused and changes nothing.
    r = client.post(f"/api/v1/contracts/{active.id}/sign", json={"full_name": "Amina Haddad"},
                    headers=headers)
    assert r.status_code == 409


def _pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_in_the_readers_language(client: TestClient, db: Session) -> None:
    contract, newcomer_email, volunteer_email = _pair(db, signed=True)
    r = client.get(f"/api/v1/contracts/{contract.id}.pdf", headers=bearer(client, volunteer_email))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF")
    text = _pdf_text(r.content)
    assert "Buddy agreement" in text
    assert "Mechelen" in text
    assert "Amina" in text
    assert "Jan" in text
    assert "Signed by" in text
    assert "confidential" in text
    assert "once a week" in text
    # Arabic reader: shaped right-to-left text, Arabic dates; the names stay as typed.
    db.expire_all()
    user = db.get(Contract, contract.id).newcomer.user  # type: ignore[union-attr]
    user.locale = "ar"
    db.commit()
    # No Accept-Language: the API then speaks the account's language (the header would win).
    headers = {**bearer(client, newcomer_email), "Accept-Language": ""}
    r = client.get(f"/api/v1/contracts/{contract.id}.pdf", headers=headers)
    assert r.status_code == 200
    text = _pdf_text(r.content)
    assert "Amina" in text
    from babel.dates import get_month_names

    month = get_month_names("wide", locale="ar")[contract.start_date.month]  # type: ignore[union-attr]
    assert month in text


def test_ics_download(client: TestClient, db: Session) -> None:
    pending, newcomer_email, _ = _pair(db)
    r = client.get(f"/api/v1/contracts/{pending.id}.ics", headers=bearer(client, newcomer_email))
    assert r.status_code == 409
    contract = make_contract(db, make_newcomer(db), make_volunteer(db), signed=True,
                             start=date(2026, 12, 2))  # a Wednesday
    db.commit()
    headers = bearer(client, contract.newcomer.user.email)
    r = client.get(f"/api/v1/contracts/{contract.id}.ics", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    assert cal.walk("VTIMEZONE"), "the time zone must be embedded"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"contract-{contract.id}@127.0.0.1"
    start = event.decoded("dtstart")
    # The pair shares Monday evening first: the first Monday on or after 2 December, 19:00.
    assert (start.date(), start.hour, start.weekday()) == (date(2026, 12, 7), 19, 0)
    assert str(start.tzinfo) == "Europe/Brussels"
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert "INTERVAL" not in rule
    assert rule["UNTIL"][0].date() == date(2027, 6, 2)
    assert "Amina" in str(event["summary"])
    # Same UID on a second download: calendars update the event instead of doubling it.
    again = Calendar.from_ical(client.get(f"/api/v1/contracts/{contract.id}.ics",
                                          headers=headers).content)
    assert str(again.walk("VEVENT")[0]["uid"]) == str(event["uid"])
