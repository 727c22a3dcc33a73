"""Export (GDPR Art. 15 and 20): everything stored about one person, as JSON-ready data.

Built for the data subject (the same file staff hand over from the person's file). What is
private to the OTHER side of a pair is left out: their worries, their evaluation, their notes
on why a contract ended, their contact details, and the staff's call notes (staff-internal
notes about the pair, which also describe the partner; see docs/privacy.md). The person's own
worries, evaluations and notes are in.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import User
from app.checkins.models import Checkin, Party
from app.contracts.models import Contract
from app.evaluations.models import Evaluation
from app.inbox.models import InboxMessage
from app.matches.models import Panel, PanelCandidate
from app.notifications.models import OutboxEmail
from app.people.models import Newcomer, Person, Volunteer

FORMAT = "welcome-buddy-export/1"


def to_json(data: dict[str, Any]) -> str:
    def encode(value: object) -> str:
        if isinstance(value, datetime | date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(data, default=encode, ensure_ascii=False, indent=2)


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email, "phone": user.phone, "sms_alerts": user.sms_alerts,
        "role": user.role.value, "locale": user.locale,
        "created_at": user.created_at, "last_login_at": user.last_login_at,
    }  # fmt: skip


def _profile(person: Person, full: bool) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": person.id, "kind": person.kind.value, "first_name": person.first_name,
        "last_name": person.last_name, "year_of_birth": person.year_of_birth,
        "gender": person.gender.value, "buddy_gender": person.buddy_gender.value,
        "phone": person.phone, "neighbourhood": person.neighbourhood,
        "location": {"lat": person.lat, "lon": person.lon},
        "languages": [{"code": lang.code, "level": lang.level.value} for lang in person.languages],
        "availability": list(person.availability), "interests": list(person.interests),
        "goals": list(person.goals), "note": person.note,
        "created_at": person.created_at, "updated_at": person.updated_at,
    }  # fmt: skip
    if isinstance(person, Newcomer):
        profile |= {"arrived_on": person.arrived_on, "civic_integration": person.civic_integration,
                    "intake_status": person.intake_status.value,
                    "waiting_since": person.waiting_since}  # fmt: skip
    if isinstance(person, Volunteer):
        profile |= {"bio": person.bio, "max_buddies": person.max_buddies,
                    "vetting_status": person.vetting_status.value,
                    "vetted_at": person.vetted_at}  # fmt: skip
        if full:  # the staff's screening note: staff-internal, in the staff's export only
            profile["vetting_note"] = person.vetting_note
    return profile


def _consent(person: Person) -> dict[str, Any]:
    return {
        "privacy_notice_version": person.consent_version, "accepted_at": person.consent_at,
        "erasure_requested_at": person.erasure_requested_at,
    }  # fmt: skip


def _panels(session: Session, person: Person) -> list[dict[str, Any]]:
    if isinstance(person, Newcomer):
        panels = session.scalars(
            select(Panel).where(Panel.newcomer_id == person.id).order_by(Panel.id)
        ).all()
        return [
            {"id": p.id, "status": p.status.value, "created_at": p.created_at,
             "expires_at": p.expires_at, "closed_at": p.closed_at,
             "decline_reason": p.decline_reason, "candidates": len(p.candidates)}
            for p in panels
        ]  # fmt: skip
    rows = session.execute(
        select(PanelCandidate, Panel)
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(PanelCandidate.volunteer_id == person.id)
        .order_by(Panel.id)
    ).all()
    # Which newcomer a panel was for is the newcomer's data, not the volunteer's.
    return [
        {"panel_id": panel.id, "rank": c.rank, "score": c.score, "proposed_at": panel.created_at,
         "panel_status": panel.status.value, "withdrawn_at": c.withdrawn_at}
        for c, panel in rows
    ]  # fmt: skip


def _contract(c: Contract, side: Party, user: User) -> dict[str, Any]:
    mine, other = (c.newcomer, c.volunteer) if side is Party.newcomer else (c.volunteer, c.newcomer)
    return {
        "id": c.id, "my_side": side.value, "status": c.status.value, "cadence": c.cadence.value,
        "months": c.months, "meeting_slot": c.meeting_slot,
        "requested_start_date": c.requested_start_date, "start_date": c.start_date,
        "end_date": c.end_date, "created_at": c.created_at,
        "buddy_first_name": other.first_name,
        "extension": {"months": c.extended_months, "extended_from": c.extended_from,
                      "proposed_by": c.extension_proposed_by,
                      "proposed_at": c.extension_proposed_at,
                      "accepted_at": c.extension_accepted_at},
        "i_said_we_carry_on_as_friends_at": getattr(c, f"{side.value}_carrying_on_at"),
        "my_signature": {
            "name": getattr(c, f"{side.value}_signed_name"),
            "at": getattr(c, f"{side.value}_signed_at"),
            "ip": getattr(c, f"{side.value}_signed_ip"),
        },
        "ended_at": c.ended_at, "end_reason": c.end_reason.value if c.end_reason else None,
        # The note on why it ended is private to whoever wrote it (and staff).
        "end_note": c.end_note if c.ended_by_id == user.id else None,
        "my_person_id": mine.id,
    }  # fmt: skip


def _meeting(m: Checkin, side: Party, user: User) -> dict[str, Any]:
    mine = m.logged_by_side is side
    return {
        "id": m.id, "contract_id": m.contract_id, "met_on": m.met_on, "minutes": m.minutes,
        "activities": [a.value for a in m.activities], "note": m.note,
        "logged_by": "me" if mine else "buddy", "status": m.status.value,
        "confirmed_at": m.confirmed_at,
        # A worry is read by its writer and the staff only.
        "worry": ({"text": m.concern_reason, "raised_at": m.concern_raised_at,
                   "resolved_at": m.concern_resolved_at}
                  if mine and m.concern_reason is not None else None),
    }  # fmt: skip


def _audit(
    session: Session, person: Person | None, user: User, full: bool
) -> list[dict[str, Any]]:
    about = [(AuditEntry.subject_type == "user") & (AuditEntry.subject_id == user.id)]
    if person is not None:
        about.append(
            (AuditEntry.subject_type == person.kind.value) & (AuditEntry.subject_id == person.id)
        )
    entries = session.scalars(
        select(AuditEntry).where(or_(*about, AuditEntry.actor_id == user.id))
        .order_by(AuditEntry.id)
    ).all()  # fmt: skip
    subject = {("user", user.id)} | ({(person.kind.value, person.id)} if person else set())
    return [
        {"at": e.created_at, "action": e.action, "by_me": e.actor_id == user.id,
         "subject": e.subject_type, "subject_id": e.subject_id,
         # The personal part of an entry is given only when it is this person's own doing about
         # themselves: an entry about someone else is theirs, and notes the staff wrote about
         # this person (screening, intake) are staff-internal here (see docs/privacy.md).
         "detail": e.full_detail
         if (e.subject_type, e.subject_id) in subject and (full or e.actor_id == user.id)
         else e.detail}
        for e in entries
    ]  # fmt: skip


def _records(session: Session, person: Person, full: bool) -> list[dict[str, Any]]:
    """Intake or screening checklist, booked intake talk, and event invitations; the staff's
    free-text notes on the checklists only in the staff's export."""
    from app.events.service import export_records as event_records
    from app.intake.service import export_records as intake_records

    records = intake_records(session, person.id)
    if not full:
        records = [{k: v for k, v in r.items() if k != "notes"} for r in records]
    return records + event_records(session, person.id)


def export(session: Session, user: User, *, full: bool = False) -> dict[str, Any]:
    """Everything stored about ``user`` (and their person record, if they have one).

    ``full``: the staff's export on the person's file, which adds the staff's own notes about
    the person (screening, intake); the self-service download leaves those out (docs/privacy.md).
    """
    person = session.scalar(select(Person).where(Person.user_id == user.id))
    data: dict[str, Any] = {"format": FORMAT, "account": _account(user)}
    if person is not None:
        side = Party.newcomer if isinstance(person, Newcomer) else Party.volunteer
        column = Contract.newcomer_id if side is Party.newcomer else Contract.volunteer_id
        contracts = session.scalars(select(Contract).where(column == person.id)
                                    .order_by(Contract.id)).all()  # fmt: skip
        ids = [c.id for c in contracts]
        meetings = session.scalars(
            select(Checkin).where(Checkin.contract_id.in_(ids)).order_by(Checkin.met_on)
        ).all()
        evaluations = session.scalars(
            select(Evaluation).where(Evaluation.contract_id.in_(ids), Evaluation.side == side)
        ).all()
        data |= {
            "profile": _profile(person, full),
            "programme_records": _records(session, person, full),
            "consent": _consent(person),
            "panels": _panels(session, person),
            "contracts": [_contract(c, side, user) for c in contracts],
            "meetings": [_meeting(m, side, user) for m in meetings],
            "evaluations": [
                {"contract_id": e.contract_id, "overall": e.overall,
                 "goals_met": e.goals_met.value, "would_again": e.would_again, "text": e.text,
                 "submitted_at": e.submitted_at}
                for e in evaluations
            ],
        }  # fmt: skip
    mails = session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_email == user.email).order_by(OutboxEmail.id)
    ).all()
    data["emails"] = [
        {"kind": m.kind, "subject": m.subject, "body": m.body_text, "status": m.status.value,
         "queued_at": m.created_at, "sent_at": m.sent_at,
         "attachments": [a.get("name") for a in m.attachments or []]}
        for m in mails
    ]  # fmt: skip
    inbox = session.scalars(
        select(InboxMessage).where(InboxMessage.user_id == user.id).order_by(InboxMessage.id)
    ).all()
    data["messages"] = [
        {"kind": m.kind, "subject": m.subject, "body": m.body_text, "created_at": m.created_at,
         "read_at": m.read_at}
        for m in inbox
    ]  # fmt: skip
    data["audit"] = _audit(session, person, user, full)
    return data
