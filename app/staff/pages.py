"""Staff pages: the overview, the vetting/intake queue, people lists and one person's file.

Every decision goes through the people service (which checks the allowed transitions and writes
the audit log); these pages only gather input and show results. A refused decision re-renders
the page it came from with the message beside the form and the typed note kept.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow
from app.deps import CityDep, PageStaff, SessionDep
from app.errors import DomainError, NotFound
from app.events import service as events
from app.events.forms import KIND_LABELS
from app.i18n.catalog import N_, NP_, gettext, pgettext
from app.intake import pages as intake_pages
from app.people import service as people
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.schemas import IntakeDecision, VettingDecision
from app.privacy import service as privacy
from app.programme.one_person import state_of_newcomer, state_of_volunteer
from app.programme.states import (
    NEWCOMER_LABELS,
    VOLUNTEER_LABELS,
)
from app.staff import desk, lists, service
from app.staff.context import not_found, page_context
from app.web.errors import translate_validation_error
from app.web.templating import redirect, render

router = APIRouter(prefix="/staff", include_in_schema=False)
router.include_router(desk.router)
router.include_router(lists.router)

QUEUE_SIZE = 100

# Shown on the page staff return to after a decision (``?done=…&who=<person id>``).
_DONE_FEMININE = {
    "approved": NP_("feminine", "%(name)s: approved."),
    "rejected": NP_("feminine", "%(name)s: rejected."),
}
_DONE = {
    "approved": N_("%(name)s: approved."),
    "rejected": N_("%(name)s: rejected."),
}


def _flash(request: Request, session: Session, done: str | None, who: int | None) -> str | None:
    if done not in _DONE or who is None:
        return None
    person = session.get(Person, who)
    name = person.display_name if person else "?"
    if person is not None and person.gender.value == "female":
        return pgettext(request.state.locale, *_DONE_FEMININE[done], name=name)
    return gettext(request.state.locale, _DONE[done], name=name)


# --- overview and queue --------------------------------------------------------------------


@router.get("")
def overview(request: Request, session: SessionDep, staff: PageStaff, city: CityDep) -> Response:
    counts = service.overview(session)
    upcoming = events.list_events(session, upcoming_from=utcnow())[:10]
    context = page_context(
        request, city, counts=counts, events=[(e, events.counts(e)) for e in upcoming],
        kind_labels=KIND_LABELS, erasures=privacy.waiting_erasure(session),
        newcomer_state_labels=NEWCOMER_LABELS, volunteer_state_labels=VOLUNTEER_LABELS,
    )  # fmt: skip
    return render(request, "staff/overview.html", context)


def _queue_context(
    request: Request,
    session: Session,
    city: CityProfile,
    *,
    errors: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    volunteers, volunteers_total = people.list_volunteers(
        session, status=VettingStatus.pending, limit=QUEUE_SIZE
    )
    newcomers, newcomers_total = people.list_newcomers(
        session, status=IntakeStatus.pending, limit=QUEUE_SIZE
    )
    return page_context(
        request,
        city,
        missing={p.id: intake_pages.missing_labels(session, p, city, request.state.locale)
                 for p in [*volunteers, *newcomers]},
        volunteers=volunteers,
        volunteers_total=volunteers_total,
        newcomers=newcomers,
        newcomers_total=newcomers_total,
        errors=errors or {},
        notes=notes or {},
        flash=flash,
    )


@router.get("/vetting")
def vetting(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    done: str | None = None,
    who: int | None = None,
) -> Response:
    flash = _flash(request, session, done, who)
    context = _queue_context(request, session, city, flash=flash)
    return render(request, "staff/vetting.html", context)


# --- decisions -----------------------------------------------------------------------------


def _decide(
    request: Request,
    session: Session,
    staff: User,
    city: CityProfile,
    *,
    kind: str,
    person_id: int,
    decision: str,
    note: str,
    back: str,
) -> Response:
    locale: str = request.state.locale
    key = f"{kind}-{person_id}"
    try:
        if kind == "volunteer":
            vetted = VettingDecision.model_validate({"decision": decision, "note": note})
            people.vet_volunteer(session, person_id, vetted.decision, vetted.note, staff=staff,
                                 city=city)
        else:
            taken = IntakeDecision.model_validate({"decision": decision, "note": note})
            people.decide_intake(session, person_id, taken.decision, taken.note, staff=staff,
                                 city=city)
    except NotFound as exc:
        session.rollback()
        return not_found(request, exc)
    except ValidationError as exc:
        session.rollback()
        message = translate_validation_error(dict(exc.errors()[0]), locale)["message"]
        return _refused(request, session, city, back, person_id, key, message, note, 422)
    except DomainError as exc:
        session.rollback()
        message = gettext(locale, exc.message, **exc.params)
        return _refused(
            request, session, city, back, person_id, key, message, note, exc.status_code
        )
    query = urlencode({"done": decision, "who": person_id})
    if back == "person":
        return redirect(f"/staff/people/{person_id}?{query}")
    return redirect(f"/staff/vetting?{query}#{kind}s")


def _refused(
    request: Request,
    session: Session,
    city: CityProfile,
    back: str,
    person_id: int,
    key: str,
    message: str,
    note: str,
    status_code: int,
) -> Response:
    errors, notes = {key: message}, {key: note}
    if back == "person":
        context = _person_context(request, session, city, person_id, errors=errors, notes=notes)
        return render(request, "staff/person.html", context, status_code=status_code)
    context = _queue_context(request, session, city, errors=errors, notes=notes)
    queued = {f"{p.kind.value}-{p.id}" for p in (*context["volunteers"], *context["newcomers"])}
    if key not in queued:
        # Someone else decided first, so the card is gone: say it at the top of the page.
        person = session.get(Person, person_id)
        name = person.display_name if person else "?"
        context["alert"] = f"{name}: {message}"
    return render(request, "staff/vetting.html", context, status_code=status_code)


DecisionField = Annotated[str, Form()]


@router.post("/volunteers/{volunteer_id}/vetting")
def vet_volunteer(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    volunteer_id: int,
    decision: DecisionField = "",
    note: DecisionField = "",
    back: DecisionField = "vetting",
) -> Response:
    return _decide(request, session, staff, city, kind="volunteer", person_id=volunteer_id,
                   decision=decision, note=note, back=back)  # fmt: skip


@router.post("/newcomers/{newcomer_id}/intake")
def decide_intake(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    newcomer_id: int,
    decision: DecisionField = "",
    note: DecisionField = "",
    back: DecisionField = "vetting",
) -> Response:
    return _decide(request, session, staff, city, kind="newcomer", person_id=newcomer_id,
                   decision=decision, note=note, back=back)  # fmt: skip


# --- one person ----------------------------------------------------------------------------


def allowed_decisions(person: Person) -> list[str]:
    """The decisions staff may take from this person's current state (the service's rules)."""
    if isinstance(person, Volunteer):
        targets: frozenset[Any] = people.VETTING_TRANSITIONS[person.vetting_status]
        order: list[Any] = [VettingStatus.approved, VettingStatus.rejected]
    elif isinstance(person, Newcomer):
        targets = people.INTAKE_TRANSITIONS[person.intake_status]
        order = [IntakeStatus.approved, IntakeStatus.rejected]
    else:
        return []
    return [d.value for d in order if d in targets]


def _person_context(
    request: Request,
    session: Session,
    city: CityProfile,
    person_id: int,
    *,
    errors: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    person = service.get_person(session, person_id)
    now = utcnow()
    state: str | None = None
    if isinstance(person, Newcomer):
        state = NEWCOMER_LABELS[state_of_newcomer(session, person, now)]
    elif isinstance(person, Volunteer):
        state = VOLUNTEER_LABELS[state_of_volunteer(session, person, now)]
    return page_context(
        request,
        city,
        person=person,
        programme_state=state,
        kind=person.kind.value,
        checklist=intake_pages.checklist(session, person, city),
        history=service.history(session, person),
        decisions=allowed_decisions(person),
        errors=errors or {},
        notes=notes or {},
        flash=flash,
    )


@router.get("/people/{person_id}")
def person_page(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    person_id: int,
    done: str | None = None,
    who: int | None = None,
) -> Response:
    try:
        context = _person_context(
            request, session, city, person_id, flash=_flash(request, session, done, who)
        )
    except NotFound as exc:
        return not_found(request, exc)
    privacy.file_read(session, staff, context["person"])
    context["erase_state"] = request.query_params.get("erase")
    return render(request, "staff/person.html", context)
