"""Erasure (GDPR Art. 17): a person asks (or withdraws consent), staff confirm, and every
personal field is removed or irreversibly anonymised.

What is kept, in anonymous form, is what the city must still count: the person's row (so the
dashboard's contracts, meetings, hours and cohorts keep their numbers), the neighbourhood (a
coarse area the dashboard filters by; the exact point goes), the contracts' dates, statuses
and hours, the meetings' dates and minutes, the evaluations' scores. Live contracts and open
panels end with the reason ``erased``; the partner keeps their own record (their notes,
meetings and evaluation) but no longer sees the erased person's name or contact.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, OneTimeToken, RecoveryCode, User
from app.auth.passwords import hash_password
from app.checkins.models import Checkin, Party
from app.config import CityProfile
from app.contracts import service as contracts
from app.contracts.models import LIVE_STATUSES, Contract, ContractStatus, EndReason
from app.db import utcnow
from app.errors import Conflict
from app.evaluations.models import Evaluation
from app.followup.models import StaffCall
from app.i18n.catalog import N_
from app.inbox.models import InboxMessage, SmsAlert
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.vocabulary import BuddyGender, Gender

ERASED_NAME = "—"
ERASED_REASON = "erased"


def erased_email(user_id: int) -> str:
    """Unique (the column is), undeliverable (.invalid is reserved), says nothing."""
    return f"erased-{user_id}@erased.invalid"


def request_erasure(session: Session, person: Person, *, by: User, now: datetime | None = None,
                    withdrawn_consent: bool = False) -> Person:  # fmt: skip
    """The person asks to be erased (or withdrew consent); staff confirm on the person's file."""
    if person.erased_at is not None:
        raise Conflict(N_("This person's data has already been erased."))
    if person.erasure_requested_at is None:
        person.erasure_requested_at = now or utcnow()
        audit.record(session, actor_id=by.id, action="privacy.erasure_requested",
                     subject_type=person.kind.value, subject_id=person.id,
                     withdrawn_consent=withdrawn_consent)  # fmt: skip
    session.flush()
    return person


def waiting_erasure(session: Session) -> list[Person]:
    """People who asked for erasure (or withdrew consent) and are not erased yet: staff's queue."""
    stmt = (
        select(Person)
        .where(Person.erasure_requested_at.is_not(None), Person.erased_at.is_(None))
        .order_by(Person.erasure_requested_at)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Erased:
    person_id: int
    contracts_ended: int
    panels_closed: int


def _end_live(session: Session, person: Person, by: User | None, now: datetime) -> int:
    column = Contract.newcomer_id if isinstance(person, Newcomer) else Contract.volunteer_id
    live = session.scalars(
        select(Contract).where(column == person.id, Contract.status.in_(LIVE_STATUSES))
    ).all()
    for contract in live:
        contracts.end_early(session, contract, by, EndReason.erased, now=now, erasure=True)
    return len(live)


def _close_panels(session: Session, person: Person, now: datetime) -> int:
    if isinstance(person, Newcomer):
        panels = session.scalars(
            select(Panel).where(Panel.newcomer_id == person.id, Panel.status == PanelStatus.open)
        ).all()
        for panel in panels:
            panel.status, panel.closed_at, panel.decline_reason = (
                PanelStatus.declined, now, ERASED_REASON,
            )  # fmt: skip
        session.execute(
            update(Panel).where(Panel.newcomer_id == person.id, Panel.decline_reason != "")
            .values(decline_reason=ERASED_REASON).execution_options(synchronize_session="fetch")
        )  # fmt: skip
        return len(panels)
    # A volunteer leaves the panels that show them; the newcomers keep the others.
    session.execute(
        update(PanelCandidate)
        .where(PanelCandidate.volunteer_id == person.id, PanelCandidate.withdrawn_at.is_(None),
               PanelCandidate.panel_id.in_(
                   select(Panel.id).where(Panel.status == PanelStatus.open)))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return 0


def _scrub_shared_records(session: Session, person: Person, user: User) -> None:
    """Free text this person wrote or that is about them, on records shared with a partner."""
    side = Party.newcomer if isinstance(person, Newcomer) else Party.volunteer
    column = Contract.newcomer_id if side is Party.newcomer else Contract.volunteer_id
    contract_ids = select(Contract.id).where(column == person.id)
    signed = {
        Party.newcomer: {"newcomer_signed_name": None, "newcomer_signed_ip": None},
        Party.volunteer: {"volunteer_signed_name": None, "volunteer_signed_ip": None},
    }[side]
    for statement in (
        update(Contract).where(Contract.id.in_(contract_ids)).values(**signed, end_note=""),
        update(Checkin).where(Checkin.contract_id.in_(contract_ids),
                              Checkin.logged_by_side == side).values(note=""),
        # A worry keeps its flag (the at-risk numbers) but not its words, nor staff's answer.
        update(Checkin).where(Checkin.contract_id.in_(contract_ids),
                              Checkin.logged_by_side == side,
                              Checkin.concern_reason.is_not(None))
        .values(concern_reason="", concern_resolution=""),
        update(Evaluation).where(Evaluation.contract_id.in_(contract_ids),
                                 Evaluation.side == side).values(text=""),
        # Staff-call notes describe the pair, this person included: the call's date stays.
        update(StaffCall).where(StaffCall.contract_id.in_(contract_ids)).values(note=""),
    ):  # fmt: skip
        session.execute(statement.execution_options(synchronize_session=False))


def _scrub_inbox(session: Session, person: Person, user: User) -> None:
    """The person's own inbox and SMS alerts go; their name goes from their partners' inbox
    messages, as from their emails."""
    own = select(InboxMessage.id).where(InboxMessage.user_id == user.id)
    session.execute(delete(SmsAlert).where(SmsAlert.message_id.in_(own)))
    session.execute(delete(InboxMessage).where(InboxMessage.user_id == user.id))
    names = [n for n in {person.display_name, person.first_name} if len(n.strip()) >= 2]
    partner_ids = _partner_user_ids(session, person)
    if not names or not partner_ids:
        return
    messages = session.scalars(
        select(InboxMessage).where(InboxMessage.user_id.in_(partner_ids),
                                   or_(*[InboxMessage.body_text.contains(n) for n in names]))
    ).all()  # fmt: skip
    for message in messages:
        for name in sorted(names, key=len, reverse=True):
            message.subject = message.subject.replace(name, ERASED_NAME)
            message.body_text = message.body_text.replace(name, ERASED_NAME)
            message.body_html = message.body_html.replace(name, ERASED_NAME)


def _scrub_mail(session: Session, person: Person, user: User, old_email: str | None) -> None:
    if old_email is not None:  # None: registered without an address, no mail of theirs
        session.execute(
            delete(OutboxEmail).where(OutboxEmail.to_email == old_email,
                                      OutboxEmail.status == EmailStatus.queued)
        )  # fmt: skip
        session.execute(
            update(OutboxEmail).where(OutboxEmail.to_email == old_email)
            .values(to_email=user.email, subject=ERASED_NAME, body_text="", body_html=None,
                    attachments=[])
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    # Messages to partners name this person: the names go from them too.
    names = [n for n in {person.display_name, person.first_name} if len(n.strip()) >= 2]
    partner_ids = _partner_user_ids(session, person)
    if not names or not partner_ids:
        return
    partner_emails = select(User.email).where(User.id.in_(partner_ids))
    mails = session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_email.in_(partner_emails),
                                  or_(*[OutboxEmail.body_text.contains(n) for n in names]))
    ).all()  # fmt: skip
    for mail in mails:
        for name in sorted(names, key=len, reverse=True):
            mail.subject = mail.subject.replace(name, ERASED_NAME)
            mail.body_text = mail.body_text.replace(name, ERASED_NAME)
            if mail.body_html:
                mail.body_html = mail.body_html.replace(name, ERASED_NAME)


def _partner_user_ids(session: Session, person: Person) -> list[int]:
    if isinstance(person, Newcomer):
        stmt = select(Volunteer.user_id).join(Contract, Contract.volunteer_id == Volunteer.id)
        stmt = stmt.where(Contract.newcomer_id == person.id)
    else:
        stmt = select(Newcomer.user_id).join(Contract, Contract.newcomer_id == Newcomer.id)
        stmt = stmt.where(Contract.volunteer_id == person.id)
    return list(session.scalars(stmt))


def _scrub_programme_records(session: Session, person: Person, user: User, now: datetime) -> None:
    """Checklists' free text and the intake-talk booking still ahead; one-time codes and
    recovery codes of the account. Invitations to events stay (counted, and anonymous once the
    person row is)."""
    from app.intake.models import IntakeBooking, IntakeRecord, IntakeSlot, ScreeningRecord

    session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    session.execute(
        update(IntakeRecord).where(IntakeRecord.newcomer_id == person.id)
        .values(expectations="", civic_integration_file=None, notes="")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(ScreeningRecord).where(ScreeningRecord.volunteer_id == person.id)
        .values(notes="").execution_options(synchronize_session=False)
    )  # fmt: skip
    ahead = session.scalars(
        select(IntakeBooking).join(IntakeSlot, IntakeSlot.id == IntakeBooking.slot_id)
        .where(IntakeBooking.newcomer_id == person.id, IntakeSlot.starts_at > now)
    ).all()  # fmt: skip
    for booking in ahead:  # the place goes back to others
        booking.slot.booked = max(0, booking.slot.booked - 1)
        session.delete(booking)


def _anonymise(person: Person, city: CityProfile, *, has_completed: bool) -> None:
    area = city.neighbourhood(person.neighbourhood) if person.neighbourhood else None
    point = area or city.center
    person.first_name = person.last_name = ERASED_NAME
    person.year_of_birth = 0
    person.gender, person.buddy_gender = Gender.other, BuddyGender.any
    person.phone = None
    person.neighbourhood = area.id if area else None
    person.lat, person.lon = point.lat, point.lon
    person.availability, person.interests, person.goals = [], [], []
    person.note = ""
    person.languages.clear()
    # Someone still taking part is taken out (never proposed, never waiting again); someone who
    # has left keeps the programme state the dashboard counts them in (completed, paused…).
    if isinstance(person, Volunteer):
        person.bio = person.vetting_note = ""
        if person.vetting_status is VettingStatus.approved:
            person.vetting_status = VettingStatus.paused
    elif isinstance(person, Newcomer):
        person.arrived_on = None
        if not has_completed and person.intake_status is not IntakeStatus.rejected:
            person.intake_status = IntakeStatus.rejected


def erase(session: Session, person: Person, *, by: User | None, city: CityProfile,
          now: datetime | None = None) -> Erased:  # fmt: skip
    """Erase one person (``by``: the confirming staff member, or None for the retention job)."""
    if person.erased_at is not None:
        raise Conflict(N_("This person's data has already been erased."))
    now = now or utcnow()
    user = person.user
    old_email = user.email
    ended = _end_live(session, person, by, now)
    closed = _close_panels(session, person, now)
    _scrub_shared_records(session, person, user)
    _scrub_programme_records(session, person, user, now)
    own = (AuditEntry.subject_type == person.kind.value) & (AuditEntry.subject_id == person.id)
    account = (AuditEntry.subject_type == "user") & (AuditEntry.subject_id == user.id)
    about = session.scalars(
        select(AuditEntry.id).where(or_(own, account, AuditEntry.actor_id == user.id))
    ).all()
    audit.drop_personal(session, list(about))
    user.email = erased_email(user.id)
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # nobody knows it
    user.is_active = False
    session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    old_logins = [name for name in (old_email, user.phone) if name]
    user.phone, user.sms_alerts = None, False
    session.execute(delete(LoginAttempt).where(LoginAttempt.email.in_(old_logins)))
    session.flush()
    _scrub_mail(session, person, user, old_email)
    _scrub_inbox(session, person, user)
    completed = select(Contract.id).where(
        Contract.newcomer_id == person.id, Contract.status == ContractStatus.completed
    )
    _anonymise(person, city, has_completed=session.scalar(completed.limit(1)) is not None)
    person.erased_at = now
    session.flush()
    audit.record(session, actor_id=by.id if by else None, action="privacy.erased",
                 subject_type=person.kind.value, subject_id=person.id,
                 contracts_ended=ended, panels_closed=closed)  # fmt: skip
    return Erased(person.id, ended, closed)
