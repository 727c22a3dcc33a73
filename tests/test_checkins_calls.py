"""Staff follow-up calls: API and page, staff only; the two-call schedule."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.contracts.rules import local_date
from app.db import utcnow
from app.followup.models import StaffCall
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_contract,
    make_staff,
)


def today() -> date:
    return local_date(utcnow(), "Europe/Brussels")


def calls(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(StaffCall)) or 0


def test_staff_record_calls_and_the_schedule_follows(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=100))
    staff = make_staff(db)
    db.commit()
    h = bearer(client, staff.email)
    url = f"/api/v1/contracts/{contract.id}/calls"
    before = client.get(url, headers=h).json()
    assert before["calls"] == []
    assert before["calls_missing"] == 1  # the 1/3 mark (about day 60) has passed
    assert date.fromisoformat(before["first_due_on"]) < today()
    assert date.fromisoformat(before["second_due_on"]) > today()

    r = client.post(url, json={"called_on": (today() - timedelta(days=2)).isoformat(),
                               "kind": "midterm", "note": "Both happy; meeting weekly."},
                    headers=h)  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["staff_id"] == staff.id
    after = client.get(url, headers=h).json()
    assert after["calls_missing"] == 0
    assert [c["note"] for c in after["calls"]] == ["Both happy; meeting weekly."]
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "staff_call.recorded")) == 1  # fmt: skip


def test_calls_are_staff_only(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=10))
    db.commit()
    url = f"/api/v1/contracts/{contract.id}/calls"
    body = {"called_on": today().isoformat(), "kind": "other"}
    for email in (contract.newcomer.user.email, contract.volunteer.user.email):
        h = bearer(client, email)
        assert client.get(url, headers=h).status_code == 403
        assert client.post(url, json=body, headers=h).status_code == 403
    assert client.get(url).status_code == 401
    assert calls(db) == 0


def test_call_refusals(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=10))
    pending = make_contract(db)
    staff = make_staff(db)
    db.commit()
    h = bearer(client, staff.email)
    url = f"/api/v1/contracts/{contract.id}/calls"
    future = client.post(url, json={"called_on": (today() + timedelta(days=1)).isoformat()},
                         headers=h)  # fmt: skip
    assert future.status_code == 422
    assert future.json()["field"] == "called_on"
    early = client.post(url, json={"called_on": (today() - timedelta(days=11)).isoformat()},
                        headers=h)  # fmt: skip
    assert early.status_code == 422
    bad_kind = client.post(url, json={"called_on": today().isoformat(), "kind": "final"},
                           headers=h)  # fmt: skip
    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["field"] == "kind"
    not_started = client.post(f"/api/v1/contracts/{pending.id}/calls",
                              json={"called_on": today().isoformat()}, headers=h)  # fmt: skip
    assert not_started.status_code == 409
    missing = client.post("/api/v1/contracts/999999/calls",
                          json={"called_on": today().isoformat()}, headers=h)  # fmt: skip
    assert missing.status_code == 404
    assert calls(db) == 0


def test_staff_call_page(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=100))
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get(f"/staff/contracts/{contract.id}/calls/new")
    assert page.status_code == 200
    assert "1 call overdue" in page.text
    assert f'value="{today().isoformat()}"' in page.text
    token = client.cookies["csrftoken"]
    bad = client.post(f"/staff/contracts/{contract.id}/calls/new",
                      data={"called_on": "soon", "kind": "midterm", "note": "Kept",
                            "csrftoken": token})  # fmt: skip
    assert bad.status_code == 422
    assert "Enter a valid date." in bad.text
    assert ">Kept</textarea>" in bad.text
    r = client.post(f"/staff/contracts/{contract.id}/calls/new",
                    data={"called_on": today().isoformat(), "kind": "midterm",
                          "note": "All good", "csrftoken": token},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "The call is recorded." in page.text
    assert "All good" in page.text
    assert "overdue" not in page.text
    assert calls(db) == 1


def test_call_page_is_not_for_the_pair(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=100))
    db.commit()
    browser_login(client, contract.volunteer.user.email)
    assert client.get(f"/staff/contracts/{contract.id}/calls/new").status_code == 403
