"""Erasure (GDPR Art. 17): personal data goes, the programme's numbers stay."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditPersonal
from app.auth.models import AuthToken, User
from app.checkins.models import Checkin
from app.config import Settings
from app.contracts.models import Contract, ContractStatus, EndReason
from app.dashboard.filters import Filters
from app.dashboard.service import Stats, programme_stats
from app.db import utcnow
from app.notifications.models import OutboxEmail
from app.people.models import (
    IntakeStatus,
    Newcomer,
    Person,
    PersonLanguage,
    VettingStatus,
    Volunteer,
)
from app.people.service import decide_intake
from app.privacy.erasure import erase, erased_email, request_erasure
from tests.demo_copy import load_demo_copy
from tests.factories import (
    PASSWORD,
    bearer,
    browser_login,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_staff,
    make_volunteer,
    queue_test_email,
)


def _stats(db: Session, settings: Settings) -> Stats:
    today = date.today()
    filters = Filters(start=today - timedelta(days=3 * 365), end=today, neighbourhood=None,
                      today=today)  # fmt: skip
    return programme_stats(db, settings.city, filters, utcnow())


def _assert_no_personal_data(db: Session, person: Person, old_email: str, name: str) -> None:
    db.expire_all()
    person = db.get(Person, person.id)  # type: ignore[assignment]
    assert person.erased_at is not None
    assert (person.first_name, person.last_name, person.phone) == ("—", "—", None)
    assert (person.year_of_birth, person.availability, person.interests) == (0, [], [])
    assert db.scalar(select(func.count()).select_from(PersonLanguage)
                     .where(PersonLanguage.person_id == person.id)) == 0  # fmt: skip
    user = db.get(User, person.user_id)
    assert user is not None
    assert user.email == erased_email(user.id)
    assert not user.is_active
    assert db.scalar(select(func.count()).select_from(AuthToken)
                     .where(AuthToken.user_id == user.id)) == 0  # fmt: skip
    for mail in db.scalars(select(OutboxEmail)):
        assert old_email not in mail.to_email
        assert name not in mail.body_text


def test_erasure_keeps_the_dashboard_numbers_on_the_demo_city(
    db: Session, settings: Settings
) -> None:
    load_demo_copy(db, settings.city)
    db.commit()
    before = _stats(db, settings)
    assert before.completed
    assert before.meetings
    assert before.confirmed_minutes
    staff = make_staff(db)
    # Everyone who has left the programme: newcomers whose buddy year is completed, and
    # volunteers who are no longer proposed. None is counted among those waiting or available.
    done = select(Contract.newcomer_id).where(Contract.status == ContractStatus.completed)
    live = select(Contract.volunteer_id).where(
        Contract.status.in_((ContractStatus.pending, ContractStatus.active))
    )
    people = [
        *db.scalars(select(Newcomer).where(Newcomer.id.in_(done))),
        *db.scalars(select(Volunteer).where(
            Volunteer.vetting_status.in_((VettingStatus.paused, VettingStatus.rejected)),
            Volunteer.id.not_in(live))),
    ]  # fmt: skip
    assert len(people) >= 6
    names = [(p, p.user.email, p.display_name) for p in people]
    for person in people:
        erase(db, person, by=staff, city=settings.city)
    db.commit()
    after = _stats(db, settings)
    assert after == before  # every number, every weekly series and cohort
    for person, email, name in names:
        _assert_no_personal_data(db, person, email, name)
    assert chain.verify(db).ok


def test_erasing_one_side_of_a_live_pair(db: Session, settings: Settings) -> None:
    contract = make_active_contract(db, start=date.today() - timedelta(days=60))
    newcomer, volunteer = contract.newcomer, contract.volunteer
    mine = make_checkin(db, contract, date.today() - timedelta(days=30), by="newcomer",
                        status="confirmed", concern="my secret worry")  # fmt: skip
    mine.note = "newcomer's note"
    theirs = make_checkin(db, contract, date.today() - timedelta(days=20), by="volunteer",
                          status="confirmed", concern="volunteer's own worry")  # fmt: skip
    theirs.note = "volunteer's note"
    queue_test_email(db, volunteer.user, key="to-volunteer")  # mentions "Amina"
    queue_test_email(db, newcomer.user, key="to-newcomer")
    staff = make_staff(db)
    request_erasure(db, newcomer, by=newcomer.user)
    db.commit()
    before = _stats(db, settings)
    old_email = newcomer.user.email

    done = erase(db, newcomer, by=staff, city=settings.city)
    db.commit()
    assert done.contracts_ended == 1
    db.expire_all()
    ended = db.get(Contract, contract.id)
    assert ended is not None
    assert (ended.status, ended.end_reason) == (ContractStatus.ended_early, EndReason.erased)
    assert ended.newcomer_signed_name is None
    assert ended.volunteer_signed_name == "Jan Peeters"  # the partner's record stays intact
    meetings = {c.id: c for c in db.scalars(select(Checkin))}
    assert (meetings[mine.id].note, meetings[mine.id].concern_reason) == ("", "")
    assert (meetings[theirs.id].note, meetings[theirs.id].concern_reason) == (
        "volunteer's note", "volunteer's own worry")  # fmt: skip
    _assert_no_personal_data(db, newcomer, old_email, "Amina")
    # Only what ending a contract means changes; meetings and hours stay.
    after = _stats(db, settings)
    assert (after.active_pairs, after.ended_early) == (before.active_pairs - 1, 1)
    assert after.ended_early_by_reason == {"erased": 1}
    assert (after.meetings, after.confirmed_minutes) == (before.meetings, before.confirmed_minutes)
    assert db.get(Volunteer, volunteer.id).committed_buddies == 0  # type: ignore[union-attr]
    assert chain.verify(db).ok


def test_erasure_drops_personal_parts_of_audit_entries(db: Session, settings: Settings) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    decide_intake(db, newcomer.id, IntakeStatus.approved, "Talked about her family in Aleppo",
                  staff=staff)  # fmt: skip
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditPersonal)) == 1
    erase(db, newcomer, by=staff, city=settings.city)
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditPersonal)) == 0
    assert chain.verify(db).ok


def test_erasure_through_the_api_and_pages(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db)
    newcomer, volunteer = contract.newcomer, contract.volunteer
    staff = make_staff(db)
    db.commit()
    headers = bearer(client, newcomer.user.email)
    r = client.post("/api/v1/me/erasure", headers=headers)
    assert r.status_code == 202
    assert r.json()["erasure_requested_at"]
    assert not r.json()["erased"]
    # Staff find the request on their overview, with a link to the person's file.
    browser_login(client, staff.email)
    assert f'href="/staff/people/{newcomer.id}#privacy"' in client.get("/staff").text
    client.cookies.clear()
    staff_headers = bearer(client, staff.email)
    r = client.post(f"/api/v1/people/{newcomer.id}/erase", json={"confirm": False},
                    headers=staff_headers)  # fmt: skip
    assert r.status_code == 422
    r = client.post(f"/api/v1/people/{newcomer.id}/erase", json={"confirm": True},
                    headers=staff_headers)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["contracts_ended"] == 1
    # Sessions and tokens are gone; the old password opens nothing.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    token = client.post("/api/v1/auth/token",
                        data={"username": newcomer.user.email, "password": PASSWORD})  # fmt: skip
    assert token.status_code == 401
    again = client.post(f"/api/v1/people/{newcomer.id}/erase", json={"confirm": True},
                        headers=staff_headers)  # fmt: skip
    assert again.status_code == 409
    # The partner still has the contract, without the erased person's name.
    seen = client.get(
        f"/api/v1/contracts/{contract.id}", headers=bearer(client, volunteer.user.email)
    )
    assert seen.status_code == 200
    assert "Amina" not in json.dumps(seen.json())
    assert "Haddad" not in json.dumps(seen.json())

    # The staff form: without the box ticked, nothing happens.
    browser_login(client, staff.email)
    other = contract.volunteer
    page = client.get(f"/staff/people/{other.id}")
    assert f'action="/staff/people/{other.id}/erase"' in page.text
    token_ = client.cookies["csrftoken"]
    r = client.post(f"/staff/people/{other.id}/erase", data={"csrftoken": token_},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "erase=confirm" in r.headers["location"]
    db.expire_all()
    assert db.get(Person, other.id).erased_at is None  # type: ignore[union-attr]
    r = client.post(f"/staff/people/{other.id}/erase", data={"csrftoken": token_, "confirm": "1"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Person, other.id).erased_at is not None  # type: ignore[union-attr]
    assert "erased" in client.get(r.headers["location"]).text


def test_me_page_erasure_request(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db)
    newcomer = contract.newcomer
    db.commit()
    browser_login(client, newcomer.user.email)
    me = client.get("/me")
    assert 'action="/me/erasure"' in me.text
    r = client.post("/me/erasure", data={"csrftoken": client.cookies["csrftoken"]},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Person, newcomer.id).erasure_requested_at is not None  # type: ignore[union-attr]
    assert 'action="/me/erasure"' not in client.get("/me").text


def test_erasure_and_export_cover_intake_and_screening_records(
    db: Session, settings: Settings
) -> None:
    from app.intake import service as intake
    from app.intake import slots
    from app.intake.models import IntakeBooking, IntakeRecord, IntakeSlot, ScreeningRecord
    from app.privacy.export import export

    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    values = dict.fromkeys(intake.INTAKE_FIELDS, False) | {
        "expectations": "find work", "civic_integration_file": "INB-4711",
        "dutch_level_checked": None, "notes": "STAFFNOTE-intake",
    }
    intake.save_intake(db, newcomer.id, values, staff_id=staff.id)
    intake.save_screening(db, volunteer.id, {"references_checked": True, "talk_held": True,
                                              "good_conduct_seen_on": date(2026, 11, 2),
                                              "notes": "STAFFNOTE-screening"},
                          staff_id=staff.id)  # fmt: skip
    [slot] = slots.create_slots(db, starts_at=utcnow() + timedelta(days=5), minutes=30,
                                place="Desk", created_by_id=staff.id)  # fmt: skip
    slots.book(db, newcomer, slot.id, actor_id=staff.id, staff=True, city=settings.city)
    db.commit()

    # The person's own download has the checklist and booking, not the staff's notes; the
    # staff's export on the file has them.
    own = export(db, newcomer.user)
    records = {r.get("record", "booking"): r for r in own["programme_records"]}
    assert records["intake"]["civic_integration_file"] == "INB-4711"
    assert "STAFFNOTE" not in json.dumps(own, default=str)
    assert "STAFFNOTE-intake" in json.dumps(export(db, newcomer.user, full=True), default=str)
    assert "STAFFNOTE" not in json.dumps(export(db, volunteer.user), default=str)

    for person in (newcomer, volunteer):
        erase(db, person, by=staff, city=settings.city)
    db.commit()
    db.expire_all()
    record = db.get(IntakeRecord, newcomer.id)
    assert record is not None
    assert (record.expectations, record.civic_integration_file, record.notes) == ("", None, "")
    screening = db.get(ScreeningRecord, volunteer.id)
    assert screening is not None
    assert screening.notes == ""
    assert db.scalar(select(func.count()).select_from(IntakeBooking)) == 0
    freed = db.get(IntakeSlot, slot.id)
    assert freed is not None
    assert freed.booked == 0
