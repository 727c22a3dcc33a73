"""Intake and screening records: reading, saving (audited), what is missing for approval, and
the records as plain dicts for the person's data export.

The info session and trainings are not typed in: they come from event attendance.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.config import CityProfile
from app.errors import Conflict
from app.events.models import Event, EventKind, Invitation
from app.i18n.catalog import N_
from app.intake import rules
from app.intake.models import IntakeRecord, ScreeningRecord
from app.intake.slots import export_booking
from app.people.models import Newcomer, Volunteer

INTAKE_FIELDS = ("legal_residence_checked", "age_confirmed", "address_confirmed",
                 "commitment_explained", "expectations", "civic_integration_file",
                 "dutch_level_checked", "notes")
SCREENING_FIELDS = ("references_checked", "talk_held", "good_conduct_seen_on", "notes")


def intake_record(session: Session, newcomer_id: int) -> IntakeRecord:
    """The newcomer's record (an empty, unsaved one if staff have not started it)."""
    return session.get(IntakeRecord, newcomer_id) or IntakeRecord(
        newcomer_id=newcomer_id, legal_residence_checked=False, age_confirmed=False,
        address_confirmed=False, commitment_explained=False, expectations="", notes="")


def screening_record(session: Session, volunteer_id: int) -> ScreeningRecord:
    return session.get(ScreeningRecord, volunteer_id) or ScreeningRecord(
        volunteer_id=volunteer_id, references_checked=False, talk_held=False, notes="")


def save_intake(session: Session, newcomer_id: int, values: dict[str, Any], *,
                staff_id: int) -> IntakeRecord:
    rec = intake_record(session, newcomer_id)
    for name in INTAKE_FIELDS:
        setattr(rec, name, values[name])
    rec.updated_by_id = staff_id
    session.add(rec)
    record(session, actor_id=staff_id, action="newcomer.intake_record",
           subject_type="newcomer", subject_id=newcomer_id,
           done=[k for k, v in intake_done(rec).items() if v])
    session.flush()
    return rec


def save_screening(session: Session, volunteer_id: int, values: dict[str, Any], *,
                   staff_id: int) -> ScreeningRecord:
    rec = screening_record(session, volunteer_id)
    for name in SCREENING_FIELDS:
        setattr(rec, name, values[name])
    rec.updated_by_id = staff_id
    session.add(rec)
    record(session, actor_id=staff_id, action="volunteer.screening_record",
           subject_type="volunteer", subject_id=volunteer_id,
           references=rec.references_checked, talk=rec.talk_held,
           good_conduct_seen_on=rec.good_conduct_seen_on.isoformat()
           if rec.good_conduct_seen_on else None)
    session.flush()
    return rec


def attended(session: Session, person_id: int, kind: EventKind) -> list[Event]:
    """Events of ``kind`` the person was marked present at, oldest first."""
    return list(session.scalars(
        select(Event).join(Invitation).where(Invitation.person_id == person_id,
                                             Invitation.attended, Event.kind == kind)
        .order_by(Event.starts_at)))


def intake_done(rec: IntakeRecord) -> dict[str, bool]:
    return {
        "legal_residence": rec.legal_residence_checked,
        "age": rec.age_confirmed,
        "address": rec.address_confirmed,
        "commitment": rec.commitment_explained,
        "expectations": bool(rec.expectations.strip()),
        "civic_integration_file": bool(rec.civic_integration_file),
        "dutch_level": rec.dutch_level_checked is not None,
    }


def screening_done(session: Session, rec: ScreeningRecord) -> dict[str, bool]:
    return {
        "references": rec.references_checked,
        "talk": rec.talk_held,
        "good_conduct": rec.good_conduct_seen_on is not None,
        "info_session": bool(attended(session, rec.volunteer_id, EventKind.info_session)),
        "training": bool(attended(session, rec.volunteer_id, EventKind.training)),
    }


def missing_intake(session: Session, newcomer_id: int, city: CityProfile) -> list[str]:
    return rules.missing(intake_done(intake_record(session, newcomer_id)), city.intake_required)


def missing_screening(session: Session, volunteer_id: int, city: CityProfile) -> list[str]:
    done = screening_done(session, screening_record(session, volunteer_id))
    return rules.missing(done, city.screening_required)


def check_can_approve(session: Session, person: Newcomer | Volunteer, city: CityProfile) -> None:
    """Conflict naming the missing checklist items, if the city requires some not done."""
    if isinstance(person, Newcomer):
        items = missing_intake(session, person.id, city)
    else:
        items = missing_screening(session, person.id, city)
    if items:
        # Item codes, not labels: the same in every language (pages list the labels).
        raise Conflict(N_("Approval needs these checklist items first: %(items)s."),
                       field="decision", items=", ".join(items))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else getattr(value, "value", value)


def export_records(session: Session, person_id: int) -> list[dict[str, Any]]:
    """The person's intake or screening record (and booked intake talk) as plain dicts, for
    their data export."""
    out: list[dict[str, Any]] = []
    intake = session.get(IntakeRecord, person_id)
    if intake is not None:
        out.append({"record": "intake", **{f: _plain(getattr(intake, f)) for f in INTAKE_FIELDS},
                    "updated_at": intake.updated_at.isoformat()})
    screening = session.get(ScreeningRecord, person_id)
    if screening is not None:
        out.append({"record": "screening",
                    **{f: _plain(getattr(screening, f)) for f in SCREENING_FIELDS},
                    "info_sessions": [e.starts_at.date().isoformat() for e in
                                      attended(session, person_id, EventKind.info_session)],
                    "trainings": [{"title": e.title, "date": e.starts_at.date().isoformat()}
                                  for e in attended(session, person_id, EventKind.training)],
                    "updated_at": screening.updated_at.isoformat()})
    booking = export_booking(session, person_id)
    if booking is not None:
        out.append(booking)
    return out
