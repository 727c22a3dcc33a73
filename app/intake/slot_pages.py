"""Intake slot pages: staff publish slots and see who booked each (opening the intake record
from the booking), book at the desk from the newcomer's file; a newcomer whose intake is
pending books, changes or cancels their talk on /me (forms, no JavaScript)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow
from app.deps import CityDep, PageNewcomer, PageStaff, SessionDep
from app.errors import DomainError, Forbidden, Invalid
from app.events.rules import answer_open
from app.i18n.catalog import N_, gettext
from app.intake import forms, slots
from app.matches.reasons import moment_phrase
from app.people.models import IntakeStatus, Newcomer, Person
from app.people.pages import add_me_section
from app.people.service import get_newcomer, person_for_user
from app.staff.context import page_context
from app.web.templating import done_flash, error_message, redirect, render

router = APIRouter(include_in_schema=False)

_DONE = {
    "published": N_("The intake slots are published."),
    "deleted": N_("The intake slot is deleted."),
    "booked": N_("Your talk is booked. We sent you an email."),
    "cancelled": N_("Your talk is cancelled."),
}

# A newcomer's refused booking comes back to /me with the reason beside the times
# (``?error=<key>``: only these known messages can be shown, never text from the URL).
_ME_ERRORS = {
    "choose": N_("Choose a time."),
    "full": slots.FULL,
    "late": slots.TOO_LATE,
    "closed": slots.CHANGE_CLOSED,
}


def _back_to_me(request: Request, session: Session, exc: DomainError) -> Response:
    key = next((k for k, m in _ME_ERRORS.items() if m == exc.message), None)
    if key is None:
        return _error_page(request, session, exc)
    session.rollback()
    return redirect(f"/me?error={key}#intake")


def _error_page(request: Request, session: Session, exc: DomainError) -> Response:
    session.rollback()
    return render(request, "errors/error.html", {
        "status": exc.status_code, "message": error_message(request, exc)},
        status_code=exc.status_code)  # fmt: skip


# --- staff ----------------------------------------------------------------------------------


def _list_page(request: Request, session: Session, city: CityProfile, values: dict[str, str],
               errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "intake/staff_slots.html", page_context(
        request, city, slots=slots.list_slots(session, upcoming_from=utcnow()), values=values,
        errors=errors, flash=done_flash(request, _DONE, request.query_params.get("done")),
    ), status_code=status_code)  # fmt: skip


@router.get("/staff/intake-slots")
def slot_list(request: Request, session: SessionDep, user: PageStaff, city: CityDep) -> Response:
    return _list_page(request, session, city, dict(forms.DEFAULTS), {})


@router.post("/staff/intake-slots")
async def publish(request: Request, session: SessionDep, user: PageStaff, city: CityDep
                  ) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:300] for k in forms.FIELDS}
    data, errors = forms.parse(values, city.timezone)
    if data is not None:
        try:
            made = slots.create_slots(session, **data.model_dump(), created_by_id=user.id)
        except DomainError as exc:
            session.rollback()
            errors = {exc.field if exc.field in forms.FIELDS else "form": exc.message}
        else:
            record(session, actor_id=user.id, action="intake_slot.create",
                   subject_type="intake_slot", subject_id=made[0].id, count=len(made))
            return redirect("/staff/intake-slots?done=published")
    shown = {k: gettext(request.state.locale, v) for k, v in errors.items()}
    return _list_page(request, session, city, values, shown, status_code=422)


@router.get("/staff/intake-slots/{slot_id}")
def slot_page(slot_id: int, request: Request, session: SessionDep, user: PageStaff,
              city: CityDep) -> Response:
    slot = slots.get_slot(session, slot_id)
    return render(request, "intake/staff_slot.html", page_context(
        request, city, slot=slot, bookings=slots.bookings_of(session, slot.id),
        flash=done_flash(request, _DONE, request.query_params.get("done"))))  # fmt: skip


@router.post("/staff/intake-slots/{slot_id}/delete")
def delete(slot_id: int, request: Request, session: SessionDep, user: PageStaff) -> Response:
    try:
        slots.delete_slot(session, slots.get_slot(session, slot_id))
    except DomainError as exc:
        return _error_page(request, session, exc)
    record(session, actor_id=user.id, action="intake_slot.delete", subject_type="intake_slot",
           subject_id=slot_id)
    return redirect("/staff/intake-slots?done=deleted")


@router.post("/staff/people/{person_id}/intake-booking")
async def desk_book(person_id: int, request: Request, session: SessionDep, user: PageStaff,
                    city: CityDep) -> Response:
    form = await request.form()
    try:
        newcomer = get_newcomer(session, person_id)
        slot_id = str(form.get("slot_id", ""))
        if not slot_id.isdigit():
            raise Invalid(N_("Choose a time."), field="slot_id")
        slots.book(session, newcomer, int(slot_id), actor_id=user.id, staff=True, city=city)
    except DomainError as exc:
        return _error_page(request, session, exc)
    return redirect(f"/staff/people/{person_id}#intake-booking")


@router.post("/staff/people/{person_id}/intake-booking/cancel")
def desk_cancel(person_id: int, request: Request, session: SessionDep, user: PageStaff,
                city: CityDep) -> Response:
    try:
        slots.cancel(session, get_newcomer(session, person_id), actor_id=user.id, staff=True,
                     city=city)
    except DomainError as exc:
        return _error_page(request, session, exc)
    back = request.query_params.get("back", "")
    if back.isdigit():
        return redirect(f"/staff/intake-slots/{back}")
    return redirect(f"/staff/people/{person_id}#intake-booking")


# --- the newcomer ---------------------------------------------------------------------------


def _me(session: Session, user: User) -> Newcomer:
    person = person_for_user(session, user)
    if not isinstance(person, Newcomer):
        raise Forbidden(N_("Only newcomers book an intake talk."))
    return person


@router.post("/me/intake-booking")
async def book(request: Request, session: SessionDep, user: PageNewcomer, city: CityDep
               ) -> Response:
    form = await request.form()
    slot_id = str(form.get("slot_id", ""))
    if not slot_id.isdigit():
        return redirect("/me?error=choose#intake")
    try:
        slots.book(session, _me(session, user), int(slot_id), actor_id=user.id, staff=False,
                   city=city)
    except DomainError as exc:
        return _back_to_me(request, session, exc)
    return redirect("/me?done=booked#intake")


@router.post("/me/intake-booking/cancel")
def cancel(request: Request, session: SessionDep, user: PageNewcomer, city: CityDep
           ) -> Response:
    try:
        slots.cancel(session, _me(session, user), actor_id=user.id, staff=False, city=city)
    except DomainError as exc:
        return _back_to_me(request, session, exc)
    return redirect("/me?done=cancelled#intake")


@router.get("/me/intake-booking.ics")
def my_calendar(request: Request, session: SessionDep, user: PageNewcomer, city: CityDep
                ) -> Response:
    booking = slots.booking_of(session, _me(session, user).id)
    if booking is None:
        return redirect("/me#intake")
    data = slots.calendar_file(booking, timezone=city.timezone,
                               host=request.url.hostname or "welcome-buddy",
                               locale=request.state.locale)
    return Response(data, media_type="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="intake-talk.ics"'})


def _me_section(request: Request, session: Session, user: User, person: Person
                ) -> dict[str, Any] | None:
    if not isinstance(person, Newcomer) or person.intake_status is not IntakeStatus.pending:
        return None
    city: CityProfile = request.app.state.settings.city
    locale: str = request.state.locale
    now = utcnow()
    booking = slots.booking_of(session, person.id)
    free = [s for s in slots.free_slots(session, city=city, now=now)
            if booking is None or s.id != booking.slot_id]
    error = done_flash(request, _ME_ERRORS, request.query_params.get("error"))
    if booking is None and not free and error is None:
        return None  # nothing to show: the city has not published times (yet)
    return {
        "booking": booking,
        "booking_when": moment_phrase(booking.slot.starts_at, city.timezone, locale)
        if booking else "",
        "changeable": booking is None or answer_open(booking.slot.starts_at, now, city.timezone),
        "free": [(s, moment_phrase(s.starts_at, city.timezone, locale)) for s in free],
        "flash": done_flash(request, _DONE, request.query_params.get("done")),
        "error": error,
    }


add_me_section("intake/_me_booking.html", _me_section)
