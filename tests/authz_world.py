"""The people and records the authorisation matrix (tests/test_authz_matrix.py) acts on.

Two pairs: the ACTING newcomer and volunteer (``own``), whose records the parties must reach,
and ANOTHER pair (``other``), whose records they must never reach. Each route asks for the
``state`` its success needs (a pending contract to sign, a meeting logged by the other side to
confirm, …); the state is built for both pairs, so "own" and "other" differ only in ownership.
Applicants waiting for vetting and intake are the targets of the staff screening routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.auth.models import User
from app.checkins.models import CheckinStatus
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer
from tests.factories import (
    make_active_contract,
    make_checkin,
    make_contract,
    make_newcomer,
    make_staff,
    make_volunteer,
    queue_test_email,
)

OWN, OTHER = "own", "other"
# The matrix app's secret key (tests/test_authz_matrix.py ``shared_client``): statement codes
# are signed with it.
MATRIX_SECRET_KEY = "test-secret-key-not-for-production"


@dataclass
class World:
    staff: User
    newcomer: Newcomer  # the acting newcomer …
    volunteer: Volunteer  # … and volunteer: "own" records are theirs
    other_newcomer: Newcomer
    other_volunteer: Volunteer
    applicant_newcomer: Newcomer  # intake pending
    applicant_volunteer: Volunteer  # vetting pending
    contracts: dict[str, Contract] = field(default_factory=dict)  # by OWN / OTHER
    checkins: dict[str, int] = field(default_factory=dict)  # by OWN / OTHER
    records: dict[str, Any] = field(default_factory=dict)  # round, email …

    def user(self, role: str) -> User | None:
        return {"anonymous": None, "newcomer": self.newcomer.user,
                "volunteer": self.volunteer.user, "staff": self.staff}[role]

    def pair(self, target: str) -> tuple[Newcomer, Volunteer]:
        if target == OWN:
            return self.newcomer, self.volunteer
        return self.other_newcomer, self.other_volunteer


def _panel(db: Session, world: World, role: str) -> None:
    """An open panel for each newcomer, proposing their pair's volunteer."""
    from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus

    round_ = MatchingRound()
    db.add(round_)
    for target in (OWN, OTHER):
        newcomer, volunteer = world.pair(target)
        panel = Panel(round=round_, newcomer_id=newcomer.id, status=PanelStatus.open,
                      expires_at=utcnow() + timedelta(days=14), decline_reason="")
        panel.candidates = [PanelCandidate(volunteer_id=volunteer.id, rank=1, score=0.5,
                                           reasons={}, distance_km=1.0)]
        db.add(panel)
    db.flush()
    world.records["round"] = round_


def _contracts(make: Callable[[Newcomer, Volunteer], Contract]) -> Callable[..., None]:
    def build(db: Session, world: World, role: str) -> None:
        for target in (OWN, OTHER):
            world.contracts[target] = make(*world.pair(target))

    return build


def _meetings(logged_by: Callable[[str], str], status: str = "pending",
              concern: str | None = None) -> Callable[..., None]:
    """Active contracts, each with one meeting yesterday logged by ``logged_by(role)``."""

    def build(db: Session, world: World, role: str) -> None:
        _contracts(lambda n, v: make_active_contract(db, n, v, start=utcnow().date()
                                                     - timedelta(days=20)))(db, world, role)
        for target in (OWN, OTHER):
            checkin = make_checkin(db, world.contracts[target], utcnow().date() - timedelta(1),
                                   by=logged_by(role), status=status, concern=concern)
            world.checkins[target] = checkin.id

    return build


def _completed(db: Session, world: World, role: str) -> None:
    """Completed contracts with confirmed hours (evaluations and certificates)."""
    for target in (OWN, OTHER):
        start = utcnow().date() - timedelta(days=200)
        contract = make_active_contract(db, *world.pair(target), start=start)
        make_checkin(db, contract, start + timedelta(days=3), status=CheckinStatus.confirmed.value)
        contract.status = ContractStatus.completed
        contract.end_date = utcnow().date() - timedelta(days=2)
        contract.ended_at = utcnow() - timedelta(days=2)
        world.contracts[target] = contract
    db.flush()


def _ending(proposed: bool) -> Callable[..., None]:
    """Active contracts ten days before their end (the extension's window is open);
    ``proposed``: the other side (of the acting party) has proposed the extension."""

    def build(db: Session, world: World, role: str) -> None:
        for target in (OWN, OTHER):
            contract = make_active_contract(db, *world.pair(target),
                                            start=utcnow().date() - timedelta(days=170))
            contract.end_date = utcnow().date() + timedelta(days=10)
            if proposed:
                contract.extension_proposed_by = _the_other_side(role)
                contract.extension_proposed_at = utcnow()
            world.contracts[target] = contract
        db.flush()

    return build


def _hours_statement(db: Session, world: World, role: str) -> None:
    """Completed contracts with confirmed hours, and the code printed on the acting
    newcomer's statement (what a counsellor types on /verify/hours)."""
    from app.hours import service, signing

    _completed(db, world, role)
    today = utcnow().date()
    claim = signing.Claim(world.newcomer.id, today - timedelta(days=365), today, today)
    world.records["hours_code"] = service.statement(
        db, world.newcomer, claim, secret_key=MATRIX_SECRET_KEY).code


def _failed_email(db: Session, world: World, role: str) -> None:
    from app.notifications.models import EmailStatus, OutboxEmail

    email_id = queue_test_email(db, world.other_newcomer.user, key="matrix")
    email = db.get(OutboxEmail, email_id)
    assert email is not None
    email.status, email.attempts, email.last_error = EmailStatus.failed, 6, "refused"
    world.records["email"] = email_id


def _events(db: Session, world: World, role: str) -> None:
    """A speed-dating session for each pair, inviting only that pair (answers still open)."""
    from app.events.models import Event, EventKind, Invitation

    start = utcnow() + timedelta(days=10)
    for target in (OWN, OTHER):
        newcomer, volunteer = world.pair(target)
        event = Event(kind=EventKind.speed_dating, title="Speed dating", starts_at=start,
                      ends_at=start + timedelta(hours=2), place="City hall", slot_minutes=10,
                      languages=[])
        event.invitations = [Invitation(person_id=newcomer.id),
                             Invitation(person_id=volunteer.id, attending=True)]
        db.add(event)
        db.flush()
        world.records.setdefault("events", {})[target] = event.id


def _intake(db: Session, world: World, role: str) -> None:
    """The acting newcomer and the applicant wait for their intake, each with a talk booked;
    a second time is still free (to book, or as the empty slot staff may delete)."""
    from app.intake.models import IntakeBooking, IntakeSlot

    world.newcomer.intake_status = IntakeStatus.pending
    booked = IntakeSlot(starts_at=utcnow() + timedelta(days=5), minutes=30, place="Desk 2",
                        capacity=3, booked=2)
    free = IntakeSlot(starts_at=utcnow() + timedelta(days=6), minutes=30, place="Desk 2",
                      capacity=3, booked=0)
    db.add_all([booked, free])
    db.flush()
    db.add_all([IntakeBooking(slot_id=booked.id, newcomer_id=world.newcomer.id),
                IntakeBooking(slot_id=booked.id, newcomer_id=world.applicant_newcomer.id)])
    db.flush()
    world.records["free_slot"] = free.id


def _consent_due(db: Session, world: World, role: str) -> None:
    """The acting parties accepted an older privacy notice: asked again."""
    world.newcomer.consent_version = world.volunteer.consent_version = "2000-01"


def _one_time_codes(db: Session, world: World, role: str) -> None:
    """A desk's setup code for the applicant, a reset token for the other newcomer."""
    from app.auth import onetime

    world.records["setup_code"] = onetime.issue_setup_code(
        db, world.applicant_newcomer.user, timedelta(days=7))
    found = onetime.request_reset(db, world.other_newcomer.user.email, timedelta(hours=1))
    assert found is not None
    world.records["reset_token"] = found[1]


def _half_login(enrolled: bool) -> Callable[..., None]:
    """Staff past the password but not yet the second step (their session says so)."""

    def build(db: Session, world: World, role: str) -> None:
        import pyotp

        world.staff.totp_secret = pyotp.random_base32()
        if enrolled:
            world.staff.totp_enabled_at = utcnow()
        world.records["half_login"] = True

    return build


def _inbox(db: Session, world: World, role: str) -> None:
    """One unread message for each person. "Own" is the acting party's (the newcomer's for
    staff and visitors); "another" is the other pair's person on the same side for a party,
    and the applicant's (the staff pages' ``person_id``) for staff and visitors."""
    from app.inbox.models import InboxMessage

    def message(user_id: int, key: str) -> int:
        found = InboxMessage(user_id=user_id, dedupe_key=f"matrix:{key}", kind="panel_ready",
                             locale="en", subject="Your buddies", body_text="Hello.",
                             body_html="<p>Hello.</p>")
        db.add(found)
        db.flush()
        return found.id

    mine = world.volunteer if role == "volunteer" else world.newcomer
    theirs = {"newcomer": world.other_newcomer, "volunteer": world.other_volunteer}.get(
        role, world.applicant_newcomer)
    world.records["messages"] = {OWN: message(mine.user_id, "own"),
                                 OTHER: message(theirs.user_id, "other")}


def _you(role: str) -> str:
    return role if role in ("newcomer", "volunteer") else "volunteer"


def _the_other_side(role: str) -> str:
    return "newcomer" if role == "volunteer" else "volunteer"


STATES: dict[str, Callable[[Session, World, str], None]] = {
    "people": lambda db, world, role: None,
    "panel": _panel,
    "pending": lambda db, w, r: _contracts(lambda n, v: make_contract(db, n, v))(db, w, r),
    "active": lambda db, w, r: _contracts(
        lambda n, v: make_active_contract(db, n, v, start=utcnow().date() - timedelta(days=20))
    )(db, w, r),
    # a meeting the acting party logged (they may change it) / the other side logged (to confirm)
    "my_meeting": _meetings(_you),
    "their_meeting": _meetings(_the_other_side),
    "worry": _meetings(_you, concern="She seems very isolated."),
    "completed": _completed,
    "ending": _ending(proposed=False),
    "extension_proposed": _ending(proposed=True),
    "hours_statement": _hours_statement,
    "failed_email": _failed_email,
    "events": _events,
    "intake": _intake,
    "consent_due": _consent_due,
    "inbox": _inbox,
    "one_time_codes": _one_time_codes,
    "half_login": _half_login(enrolled=True),
    "half_login_new": _half_login(enrolled=False),
}


def build_world(db: Session, state: str, role: str) -> World:
    world = World(
        staff=make_staff(db),
        newcomer=make_newcomer(db, intake=IntakeStatus.approved),
        volunteer=make_volunteer(db, vetting=VettingStatus.approved),
        other_newcomer=make_newcomer(db, intake=IntakeStatus.approved),
        other_volunteer=make_volunteer(db, vetting=VettingStatus.approved),
        applicant_newcomer=make_newcomer(db, intake=IntakeStatus.pending),
        applicant_volunteer=make_volunteer(db, vetting=VettingStatus.pending),
    )
    STATES[state](db, world, role)
    db.commit()
    return world


# Values for path parameters: ``(world, target)`` → value. Add one for a new parameter name.
PATH_VALUES: dict[str, Callable[[World, str], object]] = {
    "contract_id": lambda w, t: w.contracts[t].id,
    "checkin_id": lambda w, t: w.checkins[t],
    "volunteer_id": lambda w, t: w.applicant_volunteer.id,
    "newcomer_id": lambda w, t: w.applicant_newcomer.id,
    "person_id": lambda w, t: w.applicant_newcomer.id,
    "round_id": lambda w, t: w.records["round"].id,
    "email_id": lambda w, t: w.records["email"],
    "kind": lambda w, t: "contracts",
    "event_id": lambda w, t: w.records["events"][t],
    "slot_id": lambda w, t: w.records["free_slot"],
    "message_id": lambda w, t: w.records["messages"][t],
}
