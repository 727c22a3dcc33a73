"""Event pages without JavaScript: the staff create, invite, tick attendance and print the
timetable; an invited newcomer answers on /me and sees their conversations."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.events.models import Event, Invitation
from app.people.vocabulary import Level
from tests.events_helpers import make_panel
from tests.factories import browser_login, make_newcomer, make_staff, make_volunteer


def _post(client: TestClient, url: str, data: dict[str, object]) -> object:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)


def test_staff_and_newcomer_pages(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    jan = make_volunteer(db, first_name="Jan", last_name="Peeters")
    newcomer = make_newcomer(db, first_name="Bilal", last_name="Tesfay",
                             languages={"ti": Level.native})
    make_panel(db, newcomer, [jan])
    db.commit()
    browser_login(client, staff.email)
    day = (utcnow() + timedelta(days=6)).date().isoformat()
    form = {"kind": "speed_dating", "title": "Kennismaking", "day": day, "start": "19:00",
            "end": "18:00", "place": "Stadhuis", "capacity": "", "table_count": "3",
            "slot_minutes": "10", "languages": "ti, ar"}
    bad = _post(client, "/staff/events/new", form)
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "Kennismaking" in bad.text  # type: ignore[attr-defined]  # what was typed is kept
    assert "The end must be after the start." in bad.text  # type: ignore[attr-defined]
    r = _post(client, "/staff/events/new", {**form, "end": "21:00"})
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    url = r.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    event = db.scalar(select(Event))
    assert event is not None
    assert event.languages == ["ti", "ar"]
    assert _post(client, f"{url}/invitations", {}).status_code == 303  # type: ignore[attr-defined]
    page = client.get(url)
    assert "Bilal Tesfay" in page.text
    assert "Jan Peeters" in page.text
    assert "Kennismaking" in client.get("/staff").text  # upcoming on the overview

    # The newcomer answers yes on /me, then sees their conversation.
    client.cookies.clear()
    browser_login(client, newcomer.user.email)
    me = client.get("/me")
    assert "Kennismaking" in me.text
    assert "Yes, I come" in me.text
    r = _post(client, f"/me/events/{event.id}/rsvp", {"attending": "yes"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert client.get(f"/me/events/{event.id}.ics").headers["content-type"].startswith(
        "text/calendar")
    client.cookies.clear()
    browser_login(client, jan.user.email)
    _post(client, f"/me/events/{event.id}/rsvp", {"attending": "yes"})
    assert "Your conversations" in client.get("/me").text
    client.cookies.clear()
    browser_login(client, newcomer.user.email)
    me = client.get("/me")
    assert "Your conversations" in me.text
    assert "Jan" in me.text
    assert "Peeters" not in me.text  # first names only for the other side
    assert client.get(url).status_code in (403, 404)  # not a staff page for them

    # Staff: timetable page, PDF, and the phone checklist.
    client.cookies.clear()
    browser_login(client, staff.email)
    tt = client.get(f"{url}/timetable")
    assert "Interpreter needed" in tt.text
    assert "Tigrinya" in tt.text
    pdf = client.get(f"{url}/timetable.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Bilal Tesfay" in text
    assert "Jan Peeters" in text
    assert "Round 1" in text
    check = client.get(f"{url}/attendance")
    assert 'type="checkbox"' in check.text
    r = _post(client, f"{url}/attendance", {"person_ids": [newcomer.id, jan.id]})
    assert r.status_code == 303  # type: ignore[attr-defined]
    db.expire_all()
    assert all(i.attended for i in db.scalars(select(Invitation)))
