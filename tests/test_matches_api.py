"""Matching over the JSON API: rounds (staff), the newcomer's panel, choice and decline."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.contracts.models import Contract
from app.db import make_sessionmaker
from app.matches import service
from app.matches.models import MatchingLock, MatchingRound, Panel, PanelCandidate
from tests.factories import bearer, make_contract, make_newcomer, make_staff, make_volunteer


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _setup(db: Session, volunteers: int = 5) -> tuple[str, str]:
    staff = make_staff(db)
    newcomer = make_newcomer(db)
    for _ in range(volunteers):
        make_volunteer(db)
    db.commit()
    return staff.email, newcomer.user.email


def test_round_panel_and_choice(client: TestClient, db: Session) -> None:
    staff_email, newcomer_email = _setup(db)
    staff, newcomer = bearer(client, staff_email), bearer(client, newcomer_email)

    assert client.get("/api/v1/me/panel", headers=newcomer).status_code == 404
    r = client.post("/api/v1/matching/rounds", headers=staff)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["newcomers_waiting"] == 1
    assert body["panels_made"] == body["full_panels"] == 1
    assert body["shortage"]["missing"] == 0
    assert [x["id"] for x in client.get("/api/v1/matching/rounds", headers=staff).json()] == [
        body["id"]
    ]
    assert client.get(f"/api/v1/matching/rounds/{body['id']}", headers=staff).status_code == 200
    assert client.get("/api/v1/matching/rounds/999999", headers=staff).status_code == 404
    assert _count(db, AuditEntry) == 1

    panel = client.get("/api/v1/me/panel", headers=newcomer)
    assert panel.status_code == 200
    data = panel.json()
    assert set(data) == {"panel_id", "expires_at", "candidates"}
    assert [c["rank"] for c in data["candidates"]] == [1, 2, 3, 4, 5]
    first = data["candidates"][0]
    assert set(first) == {"volunteer_id", "rank", "score", "first_name", "bio",
                          "shared_languages", "shared_slots", "distance_km", "reasons",
                          "available", "met"}
    assert first["first_name"] == "Jan"
    assert first["shared_languages"] == ["nl"]
    assert first["shared_slots"] == ["mon-evening", "sat-morning"]
    assert "You are both free on Monday evening and Saturday morning." in first["reasons"]
    assert "You both like cooking." in first["reasons"]  # both listed it (tests/factories.py)
    levels = [line for line in first["reasons"] if "Dutch" in line]
    assert len(levels) == 1
    # The typed name is bidi-isolated (FSI … PDI) inside the sentence, for right-to-left readers.
    assert levels[0].startswith("\u2068Jan\u2069 speaks Dutch")
    assert "You speak a little of it." in levels[0]
    assert "Peeters" not in panel.text
    assert "@" not in panel.text

    # In the reader's language: the Dutch day names come from CLDR.
    nl = client.get("/api/v1/me/panel", headers={**newcomer, "Accept-Language": "nl"})
    assert nl.status_code == 200

    r = client.post("/api/v1/me/panel/choice", json={"volunteer_id": 999999}, headers=newcomer)
    assert r.status_code == 422
    assert r.json()["field"] == "volunteer_id"
    r = client.post("/api/v1/me/panel/choice", json={"volunteer_id": first["volunteer_id"]},
                    headers=newcomer)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    assert r.json()["volunteer"]["first_name"] == "Jan"
    r = client.post("/api/v1/me/panel/choice", json={"volunteer_id": first["volunteer_id"]},
                    headers=newcomer)
    assert r.status_code == 409
    assert r.json()["detail"] == "You have no open panel to choose from."
    assert _count(db, Contract) == 1


def test_roles(client: TestClient, db: Session) -> None:
    _, newcomer_email = _setup(db)
    volunteer = make_volunteer(db)
    db.commit()
    as_volunteer = bearer(client, volunteer.user.email)
    as_newcomer = bearer(client, newcomer_email)
    assert client.post("/api/v1/matching/rounds", headers=as_newcomer).status_code == 403
    assert client.post("/api/v1/matching/rounds", headers=as_volunteer).status_code == 403
    assert client.post("/api/v1/matching/rounds").status_code == 401
    assert client.get("/api/v1/matching/rounds", headers=as_volunteer).status_code == 403
    assert client.get("/api/v1/me/panel", headers=as_volunteer).status_code == 403
    r = client.post("/api/v1/me/panel/choice", json={"volunteer_id": 1}, headers=as_volunteer)
    assert r.status_code == 403
    assert _count(db, MatchingRound) == 0


def test_decline_panel(client: TestClient, db: Session) -> None:
    staff_email, newcomer_email = _setup(db)
    client.post("/api/v1/matching/rounds", headers=bearer(client, staff_email))
    headers = bearer(client, newcomer_email)
    r = client.post("/api/v1/me/panel/decline", json={"reason": ""}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    r = client.post("/api/v1/me/panel/decline", json={"reason": "Away in July"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert client.get("/api/v1/me/panel", headers=headers).status_code == 404
    r = client.post("/api/v1/me/panel/decline", json={"reason": "again"}, headers=headers)
    assert r.status_code == 409


def test_taken_volunteer_gives_a_clear_409_and_keeps_the_panel(
    client: TestClient, db: Session
) -> None:
    staff_email, newcomer_email = _setup(db)
    client.post("/api/v1/matching/rounds", headers=bearer(client, staff_email))
    headers = bearer(client, newcomer_email)
    first = client.get("/api/v1/me/panel", headers=headers).json()["candidates"][0]
    # Someone else's pick takes the volunteer's only place meanwhile.
    from app.people.models import Volunteer

    make_contract(db, make_newcomer(db), db.get(Volunteer, first["volunteer_id"]))
    db.commit()
    r = client.post("/api/v1/me/panel/choice", json={"volunteer_id": first["volunteer_id"]},
                    headers=headers)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail == "Jan has just been chosen by someone else. Please pick another buddy."
    again = client.get("/api/v1/me/panel", headers=headers).json()["candidates"]
    assert len(again) == 5
    assert again[0]["available"] is False


def test_second_round_while_one_runs_is_409(
    client: TestClient, db: Session, clean_db: Engine
) -> None:
    staff_email, _ = _setup(db)
    headers = bearer(client, staff_email)
    holder = make_sessionmaker(clean_db)()
    try:
        service.acquire_round_lock(holder)  # a round "running" in another process
        r = client.post("/api/v1/matching/rounds", headers=headers)
        assert r.status_code == 409
        assert r.json()["detail"] == "A matching round is already running. Try again in a minute."
    finally:
        holder.rollback()
        holder.close()
    assert _count(db, MatchingRound) == 0
    assert client.post("/api/v1/matching/rounds", headers=headers).status_code == 201


def test_failed_round_over_the_api_writes_nothing(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff_email, _ = _setup(db)
    make_newcomer(db)
    db.commit()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver crashed while storing")

    monkeypatch.setattr(service, "_summary", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/v1/matching/rounds", headers=bearer(client, staff_email))
    assert r.status_code == 500
    for model in (MatchingRound, Panel, PanelCandidate, MatchingLock, AuditEntry):
        assert _count(db, model) == 0
