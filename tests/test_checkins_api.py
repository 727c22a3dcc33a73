"""Check-ins API: logging, confirming, changing, deleting, worries, progress — and every refusal
leaves the database as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.checkins import events
from app.checkins.models import Checkin, CheckinStatus, Party
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.db import utcnow
from tests.factories import (
    bearer,
    make_active_contract,
    make_checkin,
    make_contract,
    make_staff,
)

TZ = "Europe/Brussels"


def today() -> date:
    return local_date(utcnow(), TZ)


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


@pytest.fixture
def pair(db: Session) -> Contract:
    contract = make_active_contract(db, start=days_ago(20), cadence="weekly")
    db.commit()
    return contract


@pytest.fixture
def published() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def listener(_session: Session, name: str, payload: dict[str, Any]) -> None:
        seen.append((name, payload))

    events.subscribe(listener)
    yield seen
    events.unsubscribe(listener)


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "met_on": days_ago(1).isoformat(),
        "minutes": 90,
        "activities": ["shopping", "dutch"],
        "note": "Went to the market, spoke Dutch all the time.",
        "concern": None,
    }
    data.update(overrides)
    return data


def count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Checkin)) or 0


def volunteer_h(client: TestClient, c: Contract) -> dict[str, str]:
    return bearer(client, c.volunteer.user.email)


def newcomer_h(client: TestClient, c: Contract) -> dict[str, str]:
    return bearer(client, c.newcomer.user.email)


def test_volunteer_logs_and_newcomer_confirms(
    client: TestClient, db: Session, pair: Contract, published: list[Any]
) -> None:
    vol, new = volunteer_h(client, pair), newcomer_h(client, pair)
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins", json=body(), headers=vol)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "pending"
    assert created["logged_by"] == "volunteer"
    assert created["activities"] == ["dutch", "shopping"]  # in the form's order
    assert created["minutes"] == 90
    assert created["concern"] is None
    assert published == [("checkin.logged", {
        "checkin_id": created["id"], "contract_id": pair.id,
        "by_user_id": pair.volunteer.user_id, "by_side": "volunteer", "confirm_side": "newcomer",
    })]  # fmt: skip

    listed = client.get(f"/api/v1/contracts/{pair.id}/checkins", headers=new).json()
    assert [c["id"] for c in listed] == [created["id"]]
    progress = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=new).json()
    assert progress["confirmed_minutes"] == 0  # hours count only once confirmed
    assert progress["meetings"] == 1
    assert progress["waiting_for_confirmation"] == 1

    r = client.post(f"/api/v1/checkins/{created['id']}/confirm", json={"happened": True},
                    headers=new)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    progress = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=vol).json()
    assert progress["confirmed_minutes"] == 90
    assert progress["confirmed_hours"] == 1.5
    assert progress["participation_goal_hours"] == 40
    assert progress["goal_percent"] == 3
    assert progress["streak"] == 1
    assert progress["last_met_on"] == days_ago(1).isoformat()
    db.expire_all()
    row = db.get(Checkin, created["id"])
    assert row is not None
    assert row.confirmed_by_id == pair.newcomer.user_id


def test_newcomer_logs_and_volunteer_confirms(
    client: TestClient, db: Session, pair: Contract
) -> None:
    new, vol = newcomer_h(client, pair), volunteer_h(client, pair)
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins", json=body(), headers=new)
    assert r.status_code == 201
    assert r.json()["logged_by"] == "newcomer"
    mine = client.post(f"/api/v1/checkins/{r.json()['id']}/confirm", json={"happened": True},
                       headers=new)  # fmt: skip
    assert mine.status_code == 409
    assert "yourself" in mine.json()["detail"]
    theirs = client.post(f"/api/v1/checkins/{r.json()['id']}/confirm", json={"happened": True},
                         headers=vol)  # fmt: skip
    assert theirs.json()["status"] == "confirmed"


def test_did_not_happen_counts_for_nothing(client: TestClient, db: Session, pair: Contract) -> None:
    c = make_checkin(db, pair, days_ago(2), minutes=120)
    db.commit()
    new = newcomer_h(client, pair)
    r = client.post(f"/api/v1/checkins/{c.id}/confirm", json={"happened": False}, headers=new)
    assert r.json()["status"] == "disputed"
    progress = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=new).json()
    assert (progress["meetings"], progress["confirmed_minutes"], progress["streak"]) == (0, 0, 0)
    # A mis-tap can be corrected.
    r = client.post(f"/api/v1/checkins/{c.id}/confirm", json={"happened": True}, headers=new)
    assert r.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"met_on": "tomorrow"}, "met_on"),
        ({"minutes": 14}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"minutes": "an hour"}, "minutes"),
        ({"activities": []}, "activities"),
        ({"activities": ["cooking"]}, "activities"),
        ({"concern": {"reason": "   "}}, "concern"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, db: Session, pair: Contract, overrides: dict[str, Any], field: str
) -> None:
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins", json=body(**overrides),
                    headers=volunteer_h(client, pair))  # fmt: skip
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert count(db) == 0


@pytest.mark.parametrize(("offset", "message"), [(-1, "future"), (21, "before the contract")])
def test_dates_outside_the_contract_are_refused(
    client: TestClient, db: Session, pair: Contract, offset: int, message: str
) -> None:
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                    json=body(met_on=days_ago(offset).isoformat()),
                    headers=volunteer_h(client, pair))  # fmt: skip
    assert r.status_code == 422
    assert r.json()["field"] == "met_on"
    assert message in r.json()["detail"]
    assert count(db) == 0


def test_first_day_of_the_contract_and_today_are_fine(
    client: TestClient, db: Session, pair: Contract
) -> None:
    vol = volunteer_h(client, pair)
    for day in (days_ago(20), today()):
        r = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                        json=body(met_on=day.isoformat()), headers=vol)  # fmt: skip
        assert r.status_code == 201, r.text
        db.expire_all()
        row = db.get(Checkin, r.json()["id"])
        assert row is not None
        assert (row.contract_id, row.met_on, row.minutes, row.status, row.logged_by_side) == (
            pair.id, day, 90, CheckinStatus.pending, Party.volunteer)
        assert row.logged_by_id == pair.volunteer.user_id
        assert sorted(a.value for a in row.activities) == ["dutch", "shopping"]
        assert row.note == "Went to the market, spoke Dutch all the time."
    assert count(db) == 2


def test_one_meeting_per_pair_per_day(client: TestClient, db: Session, pair: Contract) -> None:
    make_checkin(db, pair, days_ago(1), by="newcomer")
    db.commit()
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins", json=body(),
                    headers=volunteer_h(client, pair))  # fmt: skip
    assert r.status_code == 409
    assert r.json()["field"] == "met_on"
    assert count(db) == 1


def test_pending_contract_cannot_have_meetings(client: TestClient, db: Session) -> None:
    contract = make_contract(db)
    db.commit()
    r = client.post(f"/api/v1/contracts/{contract.id}/checkins", json=body(),
                    headers=volunteer_h(client, contract))  # fmt: skip
    assert r.status_code == 409
    assert count(db) == 0


def test_ended_contract_accepts_late_logs_for_a_week_only(
    client: TestClient, db: Session, pair: Contract
) -> None:
    pair.status = ContractStatus.ended_early
    pair.ended_at = utcnow() - timedelta(days=3)
    db.commit()
    vol = volunteer_h(client, pair)
    late = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                       json=body(met_on=days_ago(5).isoformat()), headers=vol)  # fmt: skip
    assert late.status_code == 201, late.text
    db.expire_all()
    stored = db.get(Checkin, late.json()["id"])
    assert stored is not None
    assert (stored.contract_id, stored.met_on, stored.status) == (
        pair.id, days_ago(5), CheckinStatus.pending)
    after = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                        json=body(met_on=days_ago(1).isoformat()), headers=vol)  # fmt: skip
    assert after.status_code == 422
    assert "after the contract ended" in after.json()["detail"]
    pair.ended_at = utcnow() - timedelta(days=9)
    db.commit()
    closed = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                         json=body(met_on=days_ago(12).isoformat()), headers=vol)  # fmt: skip
    assert closed.status_code == 409
    assert count(db) == 1


def test_someone_elses_contract_is_hidden(client: TestClient, db: Session, pair: Contract) -> None:
    other = make_active_contract(db, start=days_ago(10))
    mine = make_checkin(db, pair, days_ago(3))
    db.commit()
    stranger = volunteer_h(client, other)
    for method, url, payload in (
        ("POST", f"/api/v1/contracts/{pair.id}/checkins", body()),
        ("POST", f"/api/v1/contracts/{pair.id}/checkins", {}),
        ("GET", f"/api/v1/contracts/{pair.id}/checkins", None),
        ("GET", f"/api/v1/contracts/{pair.id}/progress", None),
        ("GET", f"/api/v1/checkins/{mine.id}", None),
        ("PATCH", f"/api/v1/checkins/{mine.id}", {"minutes": 30}),
        ("DELETE", f"/api/v1/checkins/{mine.id}", None),
        ("POST", f"/api/v1/checkins/{mine.id}/confirm", {"happened": False}),
    ):
        r = client.request(method, url, json=payload, headers=stranger)
        assert r.status_code == 404, (method, url, r.text)
    db.expire_all()
    assert count(db) == 1
    assert db.get(Checkin, mine.id).status is CheckinStatus.pending  # type: ignore[union-attr]


def test_staff_see_but_do_not_log_or_confirm(
    client: TestClient, db: Session, pair: Contract
) -> None:
    staff = make_staff(db)
    c = make_checkin(db, pair, days_ago(3))
    db.commit()
    h = bearer(client, staff.email)
    assert client.get(f"/api/v1/contracts/{pair.id}/checkins", headers=h).status_code == 200
    assert client.get(f"/api/v1/contracts/{pair.id}/progress", headers=h).status_code == 200
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins", json=body(), headers=h)
    assert r.status_code == 403
    r = client.post(f"/api/v1/checkins/{c.id}/confirm", json={"happened": True}, headers=h)
    assert r.status_code == 403
    assert count(db) == 1


def test_author_edits_within_seven_days(client: TestClient, db: Session, pair: Contract) -> None:
    c = make_checkin(db, pair, days_ago(3), status="confirmed", minutes=60)
    db.commit()
    vol = volunteer_h(client, pair)
    # Only the note: the confirmation stands.
    r = client.patch(f"/api/v1/checkins/{c.id}", json={"note": "Also the library."},
                     headers=vol)  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["note"], r.json()["status"]) == ("Also the library.", "confirmed")
    # The minutes: the newcomer must confirm again.
    r = client.patch(f"/api/v1/checkins/{c.id}",
                     json={"minutes": 45, "activities": ["health"]}, headers=vol)  # fmt: skip
    assert (r.json()["minutes"], r.json()["status"]) == (45, "pending")
    assert r.json()["activities"] == ["health"]
    assert r.json()["confirmed_at"] is None


def test_edit_refusals_change_nothing(client: TestClient, db: Session, pair: Contract) -> None:
    old = make_checkin(db, pair, days_ago(15), created_at=utcnow() - timedelta(days=8))
    fresh = make_checkin(db, pair, days_ago(2))
    db.commit()
    vol, new = volunteer_h(client, pair), newcomer_h(client, pair)
    late = client.patch(f"/api/v1/checkins/{old.id}", json={"minutes": 30}, headers=vol)
    assert late.status_code == 409
    assert "7 days" in late.json()["detail"]
    theirs = client.patch(f"/api/v1/checkins/{fresh.id}", json={"minutes": 30}, headers=new)
    assert theirs.status_code == 403
    same_day = client.patch(f"/api/v1/checkins/{fresh.id}",
                            json={"met_on": old.met_on.isoformat(), "minutes": 30},
                            headers=vol)  # fmt: skip
    assert same_day.status_code == 409
    assert same_day.json()["field"] == "met_on"
    future = client.patch(f"/api/v1/checkins/{fresh.id}",
                          json={"met_on": (today() + timedelta(days=1)).isoformat()},
                          headers=vol)  # fmt: skip
    assert future.status_code == 422
    null = client.patch(f"/api/v1/checkins/{fresh.id}", json={"minutes": None}, headers=vol)
    assert null.status_code == 422
    assert null.json()["field"] == "minutes"
    db.expire_all()
    assert [(c.met_on, c.minutes) for c in db.scalars(select(Checkin).order_by(Checkin.id))] == [
        (days_ago(15), 60), (days_ago(2), 60),
    ]  # fmt: skip


def test_delete_leaves_an_audit_entry(client: TestClient, db: Session, pair: Contract) -> None:
    c = make_checkin(db, pair, days_ago(2), minutes=75)
    old = make_checkin(db, pair, days_ago(16), created_at=utcnow() - timedelta(days=10))
    staff = make_staff(db)
    db.commit()
    ids, volunteer_user = (c.id, old.id), pair.volunteer.user_id
    new, vol = newcomer_h(client, pair), volunteer_h(client, pair)
    assert client.delete(f"/api/v1/checkins/{c.id}", headers=new).status_code == 403
    assert client.delete(f"/api/v1/checkins/{old.id}", headers=vol).status_code == 409
    assert count(db) == 2
    assert client.delete(f"/api/v1/checkins/{c.id}", headers=vol).status_code == 204
    assert client.delete(f"/api/v1/checkins/{old.id}",
                         headers=bearer(client, staff.email)).status_code == 204  # fmt: skip
    assert count(db) == 0
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "checkin.deleted").order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_id, e.subject_id, e.detail["checkin_id"]) for e in entries] == [
        (volunteer_user, pair.id, ids[0]), (staff.id, pair.id, ids[1]),
    ]  # fmt: skip
    assert entries[0].detail["minutes"] == 75
    assert entries[0].detail["met_on"] == days_ago(2).isoformat()


def test_worry_flag_makes_the_pair_at_risk_until_staff_resolve_it(
    client: TestClient, db: Session, pair: Contract, published: list[Any]
) -> None:
    staff = make_staff(db)
    db.commit()
    vol = volunteer_h(client, pair)
    reason = "She seems very isolated; can staff call her?"
    r = client.post(f"/api/v1/contracts/{pair.id}/checkins",
                    json=body(concern={"reason": reason}), headers=vol)  # fmt: skip
    assert r.status_code == 201
    checkin_id = r.json()["id"]
    assert r.json()["concern"]["reason"] == reason
    assert r.json()["concern"]["resolved_at"] is None
    assert [name for name, _ in published] == ["checkin.logged", "checkin.concern_raised"]
    sh = bearer(client, staff.email)
    progress = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=sh).json()
    assert (progress["at_risk"], progress["open_concerns"]) == (True, 1)
    # The pair's own view does not show it (it is for the staff).
    mine = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=vol).json()
    assert (mine["at_risk"], mine["open_concerns"]) == (None, None)
    # Only the staff (and its author) read a worry: not the other side of the pair.
    theirs = client.get(f"/api/v1/checkins/{checkin_id}", headers=newcomer_h(client, pair))
    assert theirs.json()["concern"] is None
    assert reason not in theirs.text

    url = f"/api/v1/checkins/{checkin_id}/resolve-concern"
    assert client.post(url, json={"note": "Called"}, headers=vol).status_code == 403
    r = client.post(url, json={"note": "Called her; she joins the Tuesday walk."}, headers=sh)
    assert r.status_code == 200, r.text
    assert r.json()["concern"]["resolution"] == "Called her; she joins the Tuesday walk."
    assert client.post(url, json={}, headers=sh).status_code == 409
    progress = client.get(f"/api/v1/contracts/{pair.id}/progress", headers=sh).json()
    assert (progress["at_risk"], progress["open_concerns"]) == (False, 0)
    # The pair never sees the staff's note.
    mine = client.get(f"/api/v1/checkins/{checkin_id}", headers=vol).json()
    assert mine["concern"]["resolution"] is None
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "checkin.concern_resolved")) == 1  # fmt: skip


def test_worry_can_be_added_and_withdrawn_by_the_author(
    client: TestClient, db: Session, pair: Contract
) -> None:
    c = make_checkin(db, pair, days_ago(2))
    db.commit()
    vol = volunteer_h(client, pair)
    r = client.patch(f"/api/v1/checkins/{c.id}", json={"concern": {"reason": "No show twice"}},
                     headers=vol)  # fmt: skip
    assert r.json()["concern"]["reason"] == "No show twice"
    r = client.patch(f"/api/v1/checkins/{c.id}", json={"concern": None}, headers=vol)
    assert r.json()["concern"] is None


def test_at_risk_after_two_silent_periods(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=days_ago(21), cadence="weekly")
    make_checkin(db, contract, days_ago(21), status="confirmed")
    staff = make_staff(db)
    db.commit()
    h = bearer(client, staff.email)
    progress = client.get(f"/api/v1/contracts/{contract.id}/progress", headers=h).json()
    # Periods 0 (met), 1 and 2 completed; 3 running: the last two completed were missed.
    assert progress["periods_completed"] == 3
    assert progress["adherence"] == pytest.approx(1 / 3)
    assert progress["at_risk"] is True
    assert progress["streak"] == 0
