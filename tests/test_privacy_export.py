"""Export (GDPR Art. 15/20): everything about the caller, nothing private to the other side."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.checkins.models import Party
from app.evaluations.models import Evaluation, GoalsMet
from app.followup.models import CallKind, StaffCall
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_checkin,
    make_staff,
    queue_test_email,
)

MINE, THEIRS = "MARKER-MINE-7c1f", "MARKER-THEIRS-93ab"


def _pair_with_private_text(db: Session) -> tuple[object, object]:
    contract = make_active_contract(db, start=date.today() - timedelta(days=40))
    mine = make_checkin(db, contract, date.today() - timedelta(days=20), by="newcomer",
                        concern=f"worry {MINE}")  # fmt: skip
    mine.note = f"note {MINE}"
    make_checkin(db, contract, date.today() - timedelta(days=10), by="volunteer",
                 concern=f"worry {THEIRS}")  # fmt: skip
    db.add_all([
        Evaluation(contract_id=contract.id, side=Party.volunteer,
                   author_id=contract.volunteer.user_id, overall=4, goals_met=GoalsMet.yes,
                   would_again=True, text=f"eval {THEIRS}"),
        Evaluation(contract_id=contract.id, side=Party.newcomer,
                   author_id=contract.newcomer.user_id, overall=5, goals_met=GoalsMet.mostly,
                   would_again=True, text=f"eval {MINE}"),
        StaffCall(contract_id=contract.id, staff_id=make_staff(db).id,
                  called_on=date.today() - timedelta(days=5), kind=CallKind.midterm,
                  note=f"call {THEIRS}"),
    ])  # fmt: skip
    queue_test_email(db, contract.newcomer.user, key="export-test")
    db.commit()
    return contract, contract.newcomer


def test_own_export_has_everything_about_me_and_nothing_private_of_my_buddy(
    client: TestClient, db: Session
) -> None:
    contract, newcomer = _pair_with_private_text(db)
    r = client.get("/api/v1/me/export", headers=bearer(client, newcomer.user.email))  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    data = r.json()
    text = json.dumps(data)
    assert data["account"]["email"] == newcomer.user.email  # type: ignore[attr-defined]
    assert data["profile"]["first_name"] == "Amina"
    assert {lang["code"] for lang in data["profile"]["languages"]}
    assert data["profile"]["availability"] == ["mon-evening", "sat-morning"]
    assert data["consent"]["accepted_at"]
    assert [c["id"] for c in data["contracts"]] == [contract.id]  # type: ignore[attr-defined]
    assert data["contracts"][0]["buddy_first_name"] == "Jan"
    assert len(data["meetings"]) == 2
    assert [e["text"] for e in data["evaluations"]] == [f"eval {MINE}"]
    assert data["emails"][0]["kind"] == "please_sign"
    # My own worry, note and evaluation are in; my buddy's worry, evaluation and the staff's
    # call notes are not, anywhere in the file.
    assert text.count(MINE) == 3
    assert THEIRS not in text
    # The export itself is audited.
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.exported")).one()
    assert (entry.subject_type, entry.subject_id) == ("newcomer", newcomer.id)  # type: ignore[attr-defined]


def test_staff_export_on_a_persons_file_is_the_same_and_audited(
    client: TestClient, db: Session
) -> None:
    _contract, newcomer = _pair_with_private_text(db)
    staff = make_staff(db)
    db.commit()
    own = client.get("/api/v1/me/export", headers=bearer(client, newcomer.user.email)).json()  # type: ignore[attr-defined]
    r = client.get(f"/api/v1/people/{newcomer.id}/export", headers=bearer(client, staff.email))  # type: ignore[attr-defined]
    assert r.status_code == 200
    by_staff = r.json()
    for key in ("account", "profile", "consent", "contracts", "meetings", "evaluations"):
        assert by_staff[key] == own[key]
    assert THEIRS not in json.dumps(by_staff)

    browser_login(client, staff.email)
    page = client.get(f"/staff/people/{newcomer.id}/export")  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert "attachment" in page.headers["content-disposition"]
    assert page.headers["cache-control"] == "no-store"
    assert json.loads(page.text)["profile"]["id"] == newcomer.id  # type: ignore[attr-defined]
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == staff.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["privacy.exported", "privacy.exported"]
    # Opening the file (page or API) is a read of personal data: audited too.
    api = client.get(f"/api/v1/newcomers/{newcomer.id}", headers=bearer(client, staff.email))
    assert api.status_code == 200
    assert client.get(f"/staff/people/{newcomer.id}").status_code == 200  # type: ignore[attr-defined]
    db.expire_all()
    read = (AuditEntry.actor_id == staff.id) & (AuditEntry.action == "privacy.file_read")
    reads = db.scalars(select(AuditEntry.subject_id).where(read)).all()
    assert reads == [newcomer.id, newcomer.id]  # type: ignore[attr-defined]


def test_download_on_me_page(client: TestClient, db: Session) -> None:
    _contract, newcomer = _pair_with_private_text(db)
    browser_login(client, newcomer.user.email)  # type: ignore[attr-defined]
    me = client.get("/me")
    assert 'href="/me/export"' in me.text
    r = client.get("/me/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    assert THEIRS not in r.text
    assert MINE in r.text


def test_volunteer_export_does_not_name_the_newcomers_of_panels(
    client: TestClient, db: Session
) -> None:
    contract, _newcomer = _pair_with_private_text(db)
    volunteer = contract.volunteer  # type: ignore[attr-defined]
    data = client.get("/api/v1/me/export", headers=bearer(client, volunteer.user.email)).json()
    assert data["profile"]["bio"].startswith("Retired teacher")
    assert data["contracts"][0]["buddy_first_name"] == "Amina"
    text = json.dumps(data)
    assert "Haddad" not in text  # the newcomer's last name
    # The newcomer's worry and evaluation are not in; the meeting's note is shared (both sides
    # read it in the app), so it is.
    assert f"worry {MINE}" not in text
    assert f"eval {MINE}" not in text
    assert f"note {MINE}" in text
    assert text.count(THEIRS) == 2  # the volunteer's own worry and evaluation
    assert f"call {THEIRS}" not in text  # staff-call notes stay with the staff
