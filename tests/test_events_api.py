"""The events API: a speed-dating session from creation to attendance, as staff and people."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.matches.models import PanelCandidate
from app.notifications.models import OutboxEmail
from app.people.vocabulary import Level
from tests.events_helpers import make_panel
from tests.factories import bearer, make_newcomer, make_staff, make_volunteer


def test_speed_dating_lifecycle(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    vols = [make_volunteer(db, first_name=f"V{i}") for i in range(3)]
    amina = make_newcomer(db, first_name="Amina")
    # Bilal speaks only Tigrinya: no shared language with the volunteers → interpreter.
    bilal = make_newcomer(db, first_name="Bilal", languages={"ti": Level.native})
    p1 = make_panel(db, amina, vols)
    make_panel(db, bilal, vols[:2])
    outsider = make_volunteer(db)
    db.commit()
    s = bearer(client, staff.email)
    start = utcnow() + timedelta(days=5)
    body = {"kind": "speed_dating", "title": "Speed dating", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "place": "Stadhuis",
            "capacity": 10, "table_count": 2, "slot_minutes": 8, "languages": ["ti"]}
    r = client.post("/api/v1/events", json=body, headers=s)
    assert r.status_code == 201, r.text
    event_id = r.json()["id"]
    assert r.json()["counts"]["invited"] == 0

    # Bad input: 422 with a message, never a 500.
    bad = client.post("/api/v1/events", json={**body, "ends_at": start.isoformat()}, headers=s)
    assert bad.status_code == 422
    assert client.post("/api/v1/events", json={**body, "kind": "party"},
                       headers=s).status_code == 422
    assert client.get("/api/v1/events/999999", headers=s).status_code == 404

    r = client.post(f"/api/v1/events/{event_id}/invitations", headers=s)
    assert r.json() == {"event_id": event_id, "new_invitations": 5, "invited": 5}
    again = client.post(f"/api/v1/events/{event_id}/invitations", headers=s)
    assert again.json()["new_invitations"] == 0  # idempotent
    db.expire_all()
    mails = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "event_invitation")).all()
    assert len(mails) == 5
    assert all(m.attachments[0]["name"].endswith(".ics") for m in mails)
    # The panel does not expire before the session.
    db.refresh(p1)
    assert p1.expires_at > start + timedelta(hours=2)

    # Everybody answers yes; the outsider was not invited.
    for person in (amina, bilal, *vols):
        r = client.post(f"/api/v1/events/{event_id}/rsvp", json={"attending": True},
                        headers=bearer(client, person.user.email))
        assert r.status_code == 200, r.text
        assert r.json()["attending"] is True
        assert r.json()["waitlisted"] is False
    stranger = bearer(client, outsider.user.email)
    assert client.post(f"/api/v1/events/{event_id}/rsvp", json={"attending": True},
                       headers=stranger).status_code == 403
    assert client.post(f"/api/v1/events/{event_id}/rsvp", json={"attending": "maybe"},
                       headers=bearer(client, amina.user.email)).status_code == 422

    tt = client.get(f"/api/v1/events/{event_id}/timetable", headers=s)
    assert tt.status_code == 200
    rounds = tt.json()["rounds"]
    held = sorted((c["newcomer_id"], c["volunteer_id"]) for r in rounds for c in r)
    assert held == sorted([(amina.id, v.id) for v in vols] + [(bilal.id, v.id) for v in vols[:2]])
    assert len(rounds) == 3  # 5 conversations, 2 tables, Amina has 3: max(3, ceil(5/2)) = 3
    assert all(len(r) <= 2 for r in rounds)
    assert all(c["interpreter"] == (c["newcomer_id"] == bilal.id) for r in rounds for c in r)

    # Attendance: Amina and two volunteers came; a stranger's id is refused.
    assert client.post(f"/api/v1/events/{event_id}/attendance",
                       json={"person_ids": [outsider.id]}, headers=s).status_code == 422
    r = client.post(f"/api/v1/events/{event_id}/attendance",
                    json={"person_ids": [amina.id, vols[0].id, vols[1].id]}, headers=s)
    assert r.json() == {"event_id": event_id, "attended": 3}
    db.expire_all()
    met = {c.volunteer_id for c in db.scalars(select(PanelCandidate).where(
        PanelCandidate.panel_id == p1.id, PanelCandidate.met_event_id == event_id))}
    assert met == {vols[0].id, vols[1].id}
    panel = client.get("/api/v1/me/panel", headers=bearer(client, amina.user.email)).json()
    assert {c["volunteer_id"]: c["met"] for c in panel["candidates"]} == {
        vols[0].id: True, vols[1].id: True, vols[2].id: False}

    detail = client.get(f"/api/v1/events/{event_id}", headers=s).json()
    assert detail["counts"] == {"invited": 5, "attending": 5, "waitlisted": 0, "declined": 0,
                                "no_answer": 0, "attended": 3}
    assert [e["id"] for e in client.get("/api/v1/events", headers=s).json()] == [event_id]


def test_timetable_only_for_speed_dating(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    s = bearer(client, staff.email)
    start = utcnow() + timedelta(days=5)
    r = client.post("/api/v1/events", headers=s, json={
        "kind": "training", "title": "Training", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "place": "Library"})
    assert r.status_code == 201, r.text
    assert r.json()["slot_minutes"] == 10
    assert r.json()["capacity"] is None
    assert client.get(f"/api/v1/events/{r.json()['id']}/timetable",
                      headers=s).status_code == 409
