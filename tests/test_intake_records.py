"""Intake and screening records: the checklists, the city's required items gating approval
(service, API and the vetting queue), event attendance counting, and the export dicts."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.config import Settings
from app.errors import Conflict
from app.events import service as events
from app.events.models import EventKind
from app.intake import service
from app.people import service as people
from app.people.models import IntakeStatus, VettingStatus
from tests.events_helpers import make_event
from tests.factories import (
    bearer,
    browser_login,
    make_newcomer,
    make_staff,
    make_volunteer,
)

CITY = Settings().city.model_copy(update={
    "intake_required": ["legal_residence", "age", "address", "commitment", "dutch_level"],
    "screening_required": ["references", "info_session"],
})


def test_intake_gate(db: Session) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    with pytest.raises(Conflict, match="legal_residence, age, address, commitment, dutch_level"):
        people.decide_intake(db, newcomer.id, IntakeStatus.approved, "", staff=staff, city=CITY)
    values = {"legal_residence_checked": True, "age_confirmed": True, "address_confirmed": True,
              "commitment_explained": True, "expectations": "Practise Dutch",
              "civic_integration_file": None, "dutch_level_checked": None, "notes": ""}
    service.save_intake(db, newcomer.id, values, staff_id=staff.id)
    assert service.missing_intake(db, newcomer.id, CITY) == ["dutch_level"]
    service.save_intake(db, newcomer.id, {**values, "dutch_level_checked": "basic",
                                          "civic_integration_file": "INB-123"},
                        staff_id=staff.id)
    people.decide_intake(db, newcomer.id, IntakeStatus.approved, "", staff=staff, city=CITY)
    assert newcomer.intake_status is IntakeStatus.approved
    exported = service.export_records(db, newcomer.id)
    assert exported[0]["record"] == "intake"
    assert exported[0]["dutch_level_checked"] == "basic"
    assert exported[0]["civic_integration_file"] == "INB-123"
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"newcomer.intake_record", "newcomer.intake"} <= actions


def test_screening_gate_uses_info_session_attendance(db: Session) -> None:
    staff = make_staff(db)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    service.save_screening(db, volunteer.id, {"references_checked": True, "talk_held": True,
                                              "good_conduct_seen_on": date(2026, 10, 1),
                                              "notes": ""}, staff_id=staff.id)
    with pytest.raises(Conflict, match="info_session"):
        people.vet_volunteer(db, volunteer.id, VettingStatus.approved, "", staff=staff,
                             city=CITY)
    session_ = make_event(db, EventKind.info_session)
    events.invite(db, session_)
    events.record_attendance(db, session_, [volunteer.id])
    people.vet_volunteer(db, volunteer.id, VettingStatus.approved, "", staff=staff, city=CITY)
    assert volunteer.vetting_status is VettingStatus.approved
    training = make_event(db, EventKind.training, title="Listening well")  # for approved ones
    events.invite(db, training)
    events.record_attendance(db, training, [volunteer.id])
    record = service.export_records(db, volunteer.id)[0]
    assert record["good_conduct_seen_on"] == "2026-10-01"
    assert record["trainings"][0]["title"] == "Listening well"
    assert len(record["info_sessions"]) == 1
    # No city given (demo data, older callers): no gate.
    other = make_volunteer(db, vetting=VettingStatus.pending)
    people.vet_volunteer(db, other.id, VettingStatus.approved, "", staff=staff)


def test_api_and_vetting_queue(app: FastAPI, client: TestClient, db: Session) -> None:
    app.state.settings = app.state.settings.model_copy(update={"city": CITY})
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    s = bearer(client, staff.email)
    r = client.get(f"/api/v1/volunteers/{volunteer.id}/screening-record", headers=s)
    assert r.status_code == 200
    assert r.json()["missing"] == ["references", "info_session"]
    r = client.post(f"/api/v1/volunteers/{volunteer.id}/vetting", headers=s,
                    json={"decision": "approved", "note": ""})
    assert r.status_code == 409
    r = client.put(f"/api/v1/volunteers/{volunteer.id}/screening-record", headers=s,
                   json={"references_checked": True, "good_conduct_seen_on": "2026-10-01"})
    assert r.status_code == 200
    assert r.json()["missing"] == ["info_session"]
    assert client.put(f"/api/v1/newcomers/{newcomer.id}/intake-record", headers=s,
                      json={"dutch_level_checked": "expert"}).status_code == 422
    assert client.get("/api/v1/newcomers/999999/intake-record", headers=s).status_code == 404

    browser_login(client, staff.email)
    queue = client.get("/staff/vetting").text
    assert "Still missing:" in queue
    assert "Information session attended" in queue
    page = client.get(f"/staff/people/{newcomer.id}").text
    assert "Legal residence checked" in page
    r = client.post(f"/staff/people/{newcomer.id}/checklist", follow_redirects=False, data={
        "legal_residence_checked": "yes", "age_confirmed": "yes", "address_confirmed": "yes",
        "commitment_explained": "yes", "dutch_level_checked": "basic", "expectations": "",
        "notes": "", "csrftoken": client.cookies["csrftoken"]})
    assert r.status_code == 303
    db.expire_all()
    assert service.missing_intake(db, newcomer.id, CITY) == []
