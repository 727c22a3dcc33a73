"""The intake and screening checklists on the staff's person page (forms without JavaScript)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.deps import CityDep, PageStaff, SessionDep
from app.errors import NotFound
from app.events.models import EventKind
from app.i18n.catalog import N_, gettext
from app.intake import rules, service, slots
from app.people.models import IntakeStatus, Newcomer, Person, Volunteer
from app.people.vocabulary import Level
from app.web.templating import redirect

router = APIRouter(include_in_schema=False)


def missing_labels(session: Session, person: Person, city: CityProfile, locale: str
                   ) -> list[str]:
    """What the vetting queue shows as still missing, as translated labels (empty when the
    city requires nothing)."""
    if isinstance(person, Newcomer):
        codes, labels = service.missing_intake(session, person.id, city), rules.INTAKE_ITEMS
    elif isinstance(person, Volunteer):
        codes, labels = service.missing_screening(session, person.id, city), rules.SCREENING_ITEMS
    else:
        return []
    return [gettext(locale, labels[c]) for c in codes]


def checklist(session: Session, person: Person, city: CityProfile) -> dict[str, Any] | None:
    if isinstance(person, Newcomer):
        return {"kind": "intake", "record": service.intake_record(session, person.id),
                "required": city.intake_required, "labels": rules.INTAKE_ITEMS,
                "missing": service.missing_intake(session, person.id, city),
                "levels": [lvl.value for lvl in Level],
                # The talk booked (or to book at the desk) for this newcomer.
                "booking": slots.booking_of(session, person.id),
                "free": slots.free_slots(session, city=city, staff=True)
                if person.intake_status is IntakeStatus.pending else []}
    if isinstance(person, Volunteer):
        return {"kind": "screening", "record": service.screening_record(session, person.id),
                "required": city.screening_required, "labels": rules.SCREENING_ITEMS,
                "missing": service.missing_screening(session, person.id, city),
                "info_sessions": service.attended(session, person.id, EventKind.info_session),
                "trainings": service.attended(session, person.id, EventKind.training)}
    return None


def _flag(form: Any, name: str) -> bool:
    return form.get(name) == "yes"


@router.post("/staff/people/{person_id}/checklist")
async def save_checklist(
    person_id: int, request: Request, session: SessionDep, staff: PageStaff, city: CityDep
) -> Response:
    form = await request.form()
    person = session.get(Person, person_id)
    text = {k: str(form.get(k, "")).strip()[:4000] for k in ("expectations", "notes")}
    if isinstance(person, Newcomer):
        level = str(form.get("dutch_level_checked", ""))
        service.save_intake(session, person.id, {
            "legal_residence_checked": _flag(form, "legal_residence_checked"),
            "age_confirmed": _flag(form, "age_confirmed"),
            "address_confirmed": _flag(form, "address_confirmed"),
            "commitment_explained": _flag(form, "commitment_explained"),
            "expectations": text["expectations"],
            "civic_integration_file": str(form.get("civic_integration_file", "")).strip()[:64]
            or None,
            "dutch_level_checked": Level(level) if level in Level.__members__ else None,
            "notes": text["notes"],
        }, staff_id=staff.id)  # fmt: skip
    elif isinstance(person, Volunteer):
        try:
            seen = date.fromisoformat(str(form.get("good_conduct_seen_on", "")))
        except ValueError:
            seen = None  # empty (or not a date): not seen
        service.save_screening(session, person.id, {
            "references_checked": _flag(form, "references_checked"),
            "talk_held": _flag(form, "talk_held"),
            "good_conduct_seen_on": seen,
            "notes": text["notes"],
        }, staff_id=staff.id)  # fmt: skip
    else:
        raise NotFound(N_("No such person."))
    return redirect(f"/staff/people/{person_id}#checklist")
