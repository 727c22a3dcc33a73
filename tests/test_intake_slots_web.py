"""Intake slots through the API and the pages (no JavaScript): staff publish, a newcomer books
on /me, staff see the bookings and open the intake record, or book at the desk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.intake.models import IntakeBooking, IntakeSlot
from app.notifications.models import OutboxEmail
from app.people.models import IntakeStatus
from tests.factories import bearer, browser_login, make_newcomer, make_staff, make_volunteer


def _post(client: TestClient, url: str, data: dict[str, object]) -> Any:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)


def test_api_publish_book_move_cancel(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    amina = make_newcomer(db, intake=IntakeStatus.pending, first_name="Amina")
    bilal = make_newcomer(db, intake=IntakeStatus.pending, first_name="Bilal")
    done = make_newcomer(db, intake=IntakeStatus.approved)
    db.commit()
    s = bearer(client, staff.email)
    start = (utcnow() + timedelta(days=4)).replace(microsecond=0)
    body = {"starts_at": start.isoformat(), "minutes": 20, "place": "Balie 3", "count": 2}
    r = client.post("/api/v1/intake-slots", json=body, headers=s)
    assert r.status_code == 201, r.text
    made = r.json()
    assert [m["capacity"] for m in made] == [1, 1]
    assert made[1]["starts_at"] == made[0]["ends_at"]
    first, second = made[0]["id"], made[1]["id"]
    # Bad input: a clear 422, never a 500.
    assert client.post("/api/v1/intake-slots", json={**body, "minutes": 0},
                       headers=s).status_code == 422
    past = {**body, "starts_at": (utcnow() - timedelta(hours=1)).isoformat()}
    r = client.post("/api/v1/intake-slots", json=past, headers=s)
    assert r.status_code == 422
    assert "future" in r.text
    assert client.post("/api/v1/intake-slots", json={**body, "starts_at": "2027-01-01T10:00"},
                       headers=s).status_code == 422  # no time zone
    assert [x["id"] for x in client.get("/api/v1/intake-slots", headers=s).json()] == [
        first, second]

    a = bearer(client, amina.user.email)
    assert [x["id"] for x in client.get("/api/v1/me/intake-slots", headers=a).json()] == [
        first, second]
    assert client.get("/api/v1/me/intake-booking", headers=a).json() is None
    r = client.post("/api/v1/me/intake-booking", json={"slot_id": first}, headers=a)
    assert r.status_code == 200, r.text
    assert r.json()["slot"]["place"] == "Balie 3"
    assert r.json()["changeable"] is True
    assert client.post("/api/v1/me/intake-booking", json={"slot_id": 99999},
                       headers=a).status_code == 404
    assert client.post("/api/v1/me/intake-booking", json={}, headers=a).status_code == 422

    b = bearer(client, bilal.user.email)
    assert [x["id"] for x in client.get("/api/v1/me/intake-slots", headers=b).json()] == [second]
    r = client.post("/api/v1/me/intake-booking", json={"slot_id": first}, headers=b)
    assert r.status_code == 409
    assert "full" in r.json()["detail"]
    d = bearer(client, done.user.email)
    assert client.get("/api/v1/me/intake-slots", headers=d).json() == []
    assert client.post("/api/v1/me/intake-booking", json={"slot_id": second},
                       headers=d).status_code == 409

    # Staff see who booked; the newcomer only ever sees their own booking.
    detail = client.get(f"/api/v1/intake-slots/{first}", headers=s).json()
    assert detail["booked"] == 1
    assert [x["newcomer_id"] for x in detail["bookings"]] == [amina.id]
    assert "Amina" not in client.get("/api/v1/me/intake-slots", headers=b).text
    assert client.delete(f"/api/v1/intake-slots/{first}", headers=s).status_code == 409

    # Move, then cancel; the places follow.
    r = client.post("/api/v1/me/intake-booking", json={"slot_id": second}, headers=a)
    assert r.json()["slot"]["id"] == second
    assert client.get(f"/api/v1/intake-slots/{first}", headers=s).json()["booked"] == 0
    assert client.delete("/api/v1/me/intake-booking", headers=a).status_code == 204
    assert client.delete("/api/v1/me/intake-booking", headers=a).status_code == 404

    # At the desk: staff book Bilal.
    r = client.put(f"/api/v1/newcomers/{bilal.id}/intake-booking", json={"slot_id": first},
                   headers=s)
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/me/intake-booking", headers=b).json()["slot"]["id"] == first
    assert client.delete(f"/api/v1/newcomers/{bilal.id}/intake-booking",
                         headers=s).status_code == 204
    db.expire_all()
    assert db.scalar(select(IntakeBooking)) is None
    kinds = [m.kind for m in db.scalars(select(OutboxEmail))]
    assert kinds.count("intake_booked") == 3  # Amina twice (booked, moved), Bilal once


def test_pages_newcomer_books_staff_follow_up(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    amina = make_newcomer(db, intake=IntakeStatus.pending, first_name="Amina",
                          last_name="Haddad")
    bilal = make_newcomer(db, intake=IntakeStatus.pending, first_name="Bilal")
    volunteer = make_volunteer(db)
    db.commit()

    # Nothing published: no section on /me.
    browser_login(client, amina.user.email)
    assert 'id="intake"' not in client.get("/me").text
    client.cookies.clear()

    browser_login(client, staff.email)
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    form = {"day": day, "start": "9:99", "minutes": "30", "count": "2", "capacity": "1",
            "place": "Loket 4"}
    bad = _post(client, "/staff/intake-slots", form)
    assert bad.status_code == 422
    assert "Loket 4" in bad.text  # what was typed is kept
    assert "Give the time" in bad.text
    assert _post(client, "/staff/intake-slots", {**form, "start": "09:00"}).status_code == 303
    listing = client.get("/staff/intake-slots")
    assert listing.text.count("Loket 4") >= 2
    first, second = db.scalars(select(IntakeSlot).order_by(IntakeSlot.starts_at)).all()
    client.cookies.clear()

    # The newcomer books on /me (a form with radio buttons), sees it, moves, then cancels.
    browser_login(client, amina.user.email)
    me = client.get("/me").text
    assert "Your intake talk" in me
    assert f'value="{first.id}"' in me
    assert _post(client, "/me/intake-booking", {}).headers["location"] == \
        "/me?error=choose#intake"
    assert "Choose a time." in client.get("/me?error=choose").text
    r = _post(client, "/me/intake-booking", {"slot_id": first.id})
    assert r.headers["location"] == "/me?done=booked#intake"
    me = client.get("/me?done=booked").text
    assert "Your talk is booked" in me
    assert "Cancel my talk" in me
    assert f'value="{first.id}"' not in me  # the booked time is not offered again
    ics = client.get("/me/intake-booking.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert b"Loket 4" in ics.content
    client.cookies.clear()

    # Someone else's slot is full: Bilal gets a clear message, not a 500.
    browser_login(client, bilal.user.email)
    r = _post(client, "/me/intake-booking", {"slot_id": first.id})
    assert r.headers["location"] == "/me?error=full#intake"
    assert "This time is full" in client.get("/me?error=full").text
    assert "This time is full" not in client.get("/me?error=%3Cb%3E").text
    client.cookies.clear()
    browser_login(client, volunteer.user.email)
    assert 'id="intake"' not in client.get("/me").text
    assert _post(client, "/me/intake-booking", {"slot_id": second.id}).status_code in (403, 303)
    client.cookies.clear()

    # Staff: the bookings of a slot, and the intake record opened from the booking.
    browser_login(client, staff.email)
    page = client.get(f"/staff/intake-slots/{first.id}").text
    assert "Amina Haddad" in page
    assert f'href="/staff/people/{amina.id}#checklist"' in page
    person = client.get(f"/staff/people/{amina.id}").text
    assert "Talk booked:" in person
    assert 'id="checklist"' in person
    # At the desk: book Bilal into the second slot from his file.
    assert "Book a talk at the desk" in client.get(f"/staff/people/{bilal.id}").text
    r = _post(client, f"/staff/people/{bilal.id}/intake-booking", {"slot_id": second.id})
    assert r.status_code == 303
    assert "Talk booked:" in client.get(f"/staff/people/{bilal.id}").text
    r = _post(client, f"/staff/people/{bilal.id}/intake-booking/cancel?back={second.id}", {})
    assert r.headers["location"] == f"/staff/intake-slots/{second.id}"
    assert _post(client, f"/staff/intake-slots/{first.id}/delete", {}).status_code == 409
    assert _post(client, f"/staff/intake-slots/{second.id}/delete", {}).status_code == 303
    client.cookies.clear()

    browser_login(client, amina.user.email)
    assert _post(client, "/me/intake-booking/cancel", {}).headers["location"] == \
        "/me?done=cancelled#intake"
    db.expire_all()
    assert db.scalar(select(IntakeBooking)) is None
    assert db.get(IntakeSlot, first.id).booked == 0  # type: ignore[union-attr]
