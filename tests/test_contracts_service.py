"""Contract service: every transition, allowed and refused, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.audit.service import entries_for
from app.config import Settings
from app.contracts import rules, service
from app.contracts.models import ContractStatus, EndReason
from app.contracts.service import Signature
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.people.models import VettingStatus
from tests.factories import make_contract, make_newcomer, make_staff, make_volunteer


def _committed(db: Session, volunteer_id: int) -> int:
    from app.people.models import Volunteer

    db.expire_all()
    volunteer = db.get(Volunteer, volunteer_id)
    assert volunteer is not None
    return volunteer.committed_buddies


def test_pick_claims_capacity_and_freezes_city_rules(db: Session, settings: Settings) -> None:
    newcomer = make_newcomer(db, availability=["sat-morning", "mon-evening"])
    volunteer = make_volunteer(db, availability=["mon-evening", "sat-morning", "sun-evening"])
    contract = service.create_pending(
        db, newcomer=newcomer, volunteer=volunteer, panel_id=None, city=settings.city
    )
    assert contract.status is ContractStatus.pending
    assert contract.cadence is settings.city.cadence
    assert contract.months == settings.city.contract_months == 6
    assert contract.meeting_slot == "mon-evening"  # the first shared slot of the week
    assert contract.start_date is None
    assert contract.end_date is None
    assert _committed(db, volunteer.id) == 1


def test_full_volunteer_cannot_be_picked(db: Session, settings: Settings) -> None:
    volunteer = make_volunteer(db, max_buddies=1)
    make_contract(db, volunteer=volunteer)
    other = make_newcomer(db)
    with pytest.raises(Conflict) as info:
        service.create_pending(
            db, newcomer=other, volunteer=volunteer, panel_id=None, city=settings.city
        )
    assert info.value.field == "volunteer_id"
    assert "chosen by someone else" in str(info.value)


def test_capacity_two_takes_two(db: Session, settings: Settings) -> None:
    volunteer = make_volunteer(db, max_buddies=2)
    make_contract(db, volunteer=volunteer)
    make_contract(db, volunteer=volunteer)
    assert _committed(db, volunteer.id) == 2
    with pytest.raises(Conflict):
        make_contract(db, volunteer=volunteer)


def test_paused_volunteer_cannot_be_picked(db: Session, settings: Settings) -> None:
    volunteer = make_volunteer(db, vetting=VettingStatus.paused)
    with pytest.raises(Conflict):
        make_contract(db, volunteer=volunteer)


def test_newcomer_has_one_live_contract(db: Session, settings: Settings) -> None:
    newcomer = make_newcomer(db)
    make_contract(db, newcomer=newcomer)
    spare = make_volunteer(db)
    with pytest.raises(Conflict):
        make_contract(db, newcomer=newcomer, volunteer=spare)
    assert _committed(db, spare.id) == 0


def test_signing_both_sides_activates(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    newcomer_user, volunteer_user = contract.newcomer.user, contract.volunteer.user
    first = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    service.sign(db, contract, newcomer_user, Signature("  Amina   Haddad ", "10.0.0.1"),
                 city=settings.city, now=first)
    assert contract.status is ContractStatus.pending
    assert contract.newcomer_signed_name == "Amina Haddad"
    assert contract.newcomer_signed_at == first
    assert contract.newcomer_signed_ip == "10.0.0.1"
    assert contract.volunteer_signed_at is None
    # The second signature at 00:30 on 3 December in Brussels (still 2 December in UTC).
    second = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    service.sign(db, contract, volunteer_user, Signature("Jan Peeters", "10.0.0.2"),
                 city=settings.city, now=second)
    assert contract.status is ContractStatus.active
    assert contract.start_date == date(2026, 12, 3)
    assert contract.end_date == date(2027, 6, 3)
    assert contract.volunteer_signed_name == "Jan Peeters"


def test_signers_may_choose_a_later_start(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    service.sign(db, contract, contract.newcomer.user,
                 Signature("Amina Haddad", "ip", date(2026, 12, 7)), city=settings.city, now=now)
    service.sign(db, contract, contract.volunteer.user,
                 Signature("Jan Peeters", "ip", date(2026, 12, 5)), city=settings.city, now=now)
    assert contract.start_date == date(2026, 12, 7)  # the later of the two requests
    assert contract.end_date == date(2027, 6, 7)


def test_signing_refusals_change_nothing(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    user = contract.newcomer.user
    with pytest.raises(Invalid) as bad_name:
        service.sign(db, contract, user, Signature(" ", "ip"), city=settings.city)
    assert bad_name.value.field == "full_name"
    with pytest.raises(Invalid) as past:
        service.sign(db, contract, user, Signature("Amina Haddad", "ip", date(2020, 1, 1)),
                     city=settings.city)
    assert past.value.field == "start_date"
    assert contract.newcomer_signed_at is None
    service.sign(db, contract, user, Signature("Amina Haddad", "ip"), city=settings.city)
    with pytest.raises(Conflict, match="already signed"):
        service.sign(db, contract, user, Signature("Amina Haddad", "ip"), city=settings.city)
    stranger = make_newcomer(db).user
    with pytest.raises(Forbidden):
        service.sign(db, contract, stranger, Signature("Someone Else", "ip"), city=settings.city)
    staff = make_staff(db)
    with pytest.raises(Forbidden):
        service.sign(db, contract, staff, Signature("Staff Member", "ip"), city=settings.city)
    assert contract.status is ContractStatus.pending


def test_cannot_sign_an_ended_contract(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    service.end_early(db, contract, contract.newcomer.user, EndReason.no_click)
    with pytest.raises(Conflict, match="can no longer be signed"):
        service.sign(db, contract, contract.volunteer.user, Signature("Jan Peeters", "ip"),
                     city=settings.city)
    assert contract.volunteer_signed_at is None


def test_volunteer_declines_pending(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    volunteer_id = contract.volunteer_id
    with pytest.raises(Forbidden):
        service.decline(db, contract, contract.newcomer.user, "not me")
    with pytest.raises(Invalid) as empty:
        service.decline(db, contract, contract.volunteer.user, "  ")
    assert empty.value.field == "reason"
    service.decline(db, contract, contract.volunteer.user, "I am moving abroad next month.")
    assert contract.status is ContractStatus.declined
    assert contract.ended_at is not None
    assert contract.end_note == "I am moving abroad next month."
    assert _committed(db, volunteer_id) == 0
    assert [e.action for e in entries_for(db, "contract", contract.id)] == ["contract.declined"]
    with pytest.raises(Conflict):
        service.decline(db, contract, contract.volunteer.user, "again")


def test_active_contract_cannot_be_declined(db: Session, settings: Settings) -> None:
    contract = make_contract(db, signed=True)
    with pytest.raises(Conflict, match="waiting for signatures"):
        service.decline(db, contract, contract.volunteer.user, "changed my mind")
    assert contract.status is ContractStatus.active


@pytest.mark.parametrize("who", ["newcomer", "volunteer", "staff"])
def test_end_early_by_either_side_or_staff(db: Session, settings: Settings, who: str) -> None:
    contract = make_contract(db, signed=True)
    user = {
        "newcomer": contract.newcomer.user,
        "volunteer": contract.volunteer.user,
        "staff": make_staff(db),
    }[who]
    before = contract.newcomer.waiting_since
    service.end_early(db, contract, user, EndReason.moved_away, "Moved to Ghent")
    assert contract.status is ContractStatus.ended_early
    assert contract.end_reason is EndReason.moved_away
    assert contract.end_note == "Moved to Ghent"
    assert contract.ended_by_id == user.id
    assert _committed(db, contract.volunteer_id) == 0
    assert contract.newcomer.waiting_since > before  # waits again, from now
    with pytest.raises(Conflict, match="already ended"):
        service.end_early(db, contract, user, EndReason.no_time)


def test_end_early_refusals(db: Session, settings: Settings) -> None:
    contract = make_contract(db, signed=True)
    with pytest.raises(Invalid) as other:
        service.end_early(db, contract, contract.newcomer.user, EndReason.other, "  ")
    assert other.value.field == "note"
    with pytest.raises(NotFound):
        service.end_early(db, contract, make_volunteer(db).user, EndReason.no_time)
    assert contract.status is ContractStatus.active


def test_pending_can_be_ended_too(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    service.end_early(db, contract, contract.newcomer.user, EndReason.no_click)
    assert contract.status is ContractStatus.ended_early
    assert _committed(db, contract.volunteer_id) == 0


def test_complete_due_is_idempotent(db: Session, settings: Settings) -> None:
    old = make_contract(db, signed=True, start=date(2026, 1, 1))
    running = make_contract(db, signed=True)
    pending = make_contract(db)
    db.commit()
    now = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)  # old ends 1 July 2026
    assert service.complete_due(db, city=settings.city, now=now) == 1
    assert service.complete_due(db, city=settings.city, now=now) == 0
    db.commit()
    assert old.status is ContractStatus.completed
    assert old.ended_at == now
    assert _committed(db, old.volunteer_id) == 0
    assert running.status is ContractStatus.active
    assert pending.status is ContractStatus.pending
    assert rules.is_due_to_complete(running.status, running.end_date, date.today()) is False


def test_listing_and_access(db: Session, settings: Settings) -> None:
    mine = make_contract(db, signed=True)
    theirs = make_contract(db)
    newcomer_user = mine.newcomer.user
    assert [c.id for c in service.list_for_user(db, newcomer_user)] == [mine.id]
    assert [c.id for c in service.list_for_user(db, mine.volunteer.user)] == [mine.id]
    assert service.get_for_user(db, newcomer_user, mine.id) is mine
    with pytest.raises(NotFound):
        service.get_for_user(db, newcomer_user, theirs.id)
    with pytest.raises(NotFound):
        service.get_for_user(db, newcomer_user, 999_999)
    staff = make_staff(db)
    assert {c.id for c in service.list_for_user(db, staff)} == {mine.id, theirs.id}
    assert [c.id for c in service.list_for_user(db, staff, ContractStatus.pending)] == [theirs.id]
    assert service.get_for_user(db, staff, theirs.id) is theirs


def test_no_time_travel_for_activation(db: Session, settings: Settings) -> None:
    contract = make_contract(db)
    now = utcnow()
    for user in (contract.newcomer.user, contract.volunteer.user):
        service.sign(db, contract, user, Signature("Full Name", "ip"), city=settings.city, now=now)
    assert contract.start_date == rules.local_date(now, settings.city.timezone)
    assert contract.end_date is not None
    assert contract.end_date - contract.start_date > timedelta(days=180)
