"""Event pages: staff create events, invite, follow answers, tick attendance on a phone and
print the speed-dating timetable; invited people answer and see their conversations on /me."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow
from app.deps import CityDep, PageStaff, PageUser, SessionDep
from app.errors import DomainError, Forbidden
from app.events import forms, pdf, service, timetable
from app.events.calendar import event_calendar
from app.events.invitees import completed_since_last_closing
from app.events.models import Event, EventKind
from app.events.rules import answer_open
from app.i18n.catalog import N_, gettext
from app.matches.reasons import moment_phrase
from app.people.models import Person
from app.people.pages import add_me_section
from app.people.service import person_for_user
from app.staff.context import page_context
from app.web.templating import done_flash, error_message, redirect, render

router = APIRouter(include_in_schema=False)

_DONE = {
    "created": N_("The event is saved. Invite people when you are ready."),
    "invited": N_("Invitations sent."),
    "attendance": N_("Attendance saved."),
    "answered": N_("Thank you for your answer."),
}


def _people(session: Session, ids: list[int]) -> dict[int, Person]:
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def _event_page(
    request: Request, session: Session, city: CityProfile, event: Event, *,
    flash: str | None = None, error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    people = _people(session, [i.person_id for i in event.invitations])
    rows = sorted(((people[i.person_id], i) for i in event.invitations if i.person_id in people),
                  key=lambda row: (row[0].kind.value, row[0].display_name))
    certificates = (completed_since_last_closing(session, event)
                    if event.kind is EventKind.closing else [])
    return render(request, "events/staff_event.html", page_context(
        request, city, event=event, rows=rows, counts=service.counts(event),
        kind_labels=forms.KIND_LABELS, certificates=certificates, flash=flash, error=error,
    ), status_code=status_code)  # fmt: skip


@router.get("/staff/events")
def events(request: Request, session: SessionDep, user: PageStaff, city: CityDep) -> Response:
    upcoming = service.list_events(session, upcoming_from=utcnow())
    return render(request, "events/staff_list.html", page_context(
        request, city, events=[(e, service.counts(e)) for e in upcoming],
        kind_labels=forms.KIND_LABELS))  # fmt: skip


def _new_form(request: Request, city: CityProfile, values: dict[str, str],
              errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "events/staff_new.html", page_context(
        request, city, values=values, errors=errors, kind_labels=forms.KIND_LABELS,
    ), status_code=status_code)  # fmt: skip


@router.get("/staff/events/new")
def new_event(request: Request, user: PageStaff, city: CityDep) -> Response:
    return _new_form(request, city, {"slot_minutes": "10", "kind": "speed_dating"}, {})


@router.post("/staff/events/new")
async def create_event(
    request: Request, session: SessionDep, user: PageStaff, city: CityDep
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in forms.FIELDS}
    locale: str = request.state.locale
    data, errors = forms.parse(values, city.timezone)
    if data is not None:
        try:
            event = service.create_event(session, data.model_dump(), created_by_id=user.id)
        except DomainError as exc:
            session.rollback()
            errors = {"end" if exc.field == "ends_at" else "form": exc.message}
        else:
            record(session, actor_id=user.id, action="event.create", subject_type="event",
                   subject_id=event.id, kind=event.kind.value)
            return redirect(f"/staff/events/{event.id}?done=created")
    shown = {k: gettext(locale, v) for k, v in errors.items()}
    return _new_form(request, city, values, shown, status_code=422)


@router.get("/staff/events/{event_id}")
def event_page(
    event_id: int, request: Request, session: SessionDep, user: PageStaff, city: CityDep,
    done: str | None = None,
) -> Response:  # fmt: skip
    event = service.get_event(session, event_id)
    return _event_page(request, session, city, event, flash=done_flash(request, _DONE, done))


@router.post("/staff/events/{event_id}/invitations")
def invite(
    event_id: int, request: Request, session: SessionDep, user: PageStaff, city: CityDep
) -> Response:
    event = service.get_event(session, event_id)
    try:
        made = service.invite(session, event)
    except DomainError as exc:
        session.rollback()
        return _event_page(request, session, city, service.get_event(session, event_id),
                           error=error_message(request, exc), status_code=exc.status_code)
    record(session, actor_id=user.id, action="event.invite", subject_type="event",
           subject_id=event.id, new=made)
    return redirect(f"/staff/events/{event.id}?done=invited")


@router.get("/staff/events/{event_id}/attendance")
def attendance_form(
    event_id: int, request: Request, session: SessionDep, user: PageStaff, city: CityDep
) -> Response:
    event = service.get_event(session, event_id)
    people = _people(session, [i.person_id for i in event.invitations])
    rows = sorted(((people[i.person_id], i) for i in event.invitations
                   if i.person_id in people and (i.attending or i.attended)),
                  key=lambda row: row[0].display_name)
    return render(request, "events/staff_attendance.html", page_context(
        request, city, event=event, rows=rows))  # fmt: skip


@router.post("/staff/events/{event_id}/attendance")
async def save_attendance(
    event_id: int, request: Request, session: SessionDep, user: PageStaff
) -> Response:
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("person_ids") if str(v).isdigit()]
    event = service.get_event(session, event_id)
    n = service.record_attendance(session, event, ids)
    record(session, actor_id=user.id, action="event.attendance", subject_type="event",
           subject_id=event.id, attended=n)
    return redirect(f"/staff/events/{event.id}?done=attendance")


def _timetable(request: Request, session: Session, city: CityProfile, event_id: int
               ) -> tuple[Event, list[timetable.Round], dict[int, list[Any]]]:
    event = service.get_event(session, event_id)
    rounds = timetable.build(session, event, city)
    people: dict[int, list[Any]] = {}
    for r in rounds:
        for s in r.seats:
            people.setdefault(s.newcomer_id, [s.newcomer_name, []])[1].append((r, s))
            people.setdefault(s.volunteer_id, [s.volunteer_name, []])[1].append((r, s))
    return event, rounds, dict(sorted(people.items(), key=lambda kv: kv[1][0]))


@router.get("/staff/events/{event_id}/timetable")
def timetable_page(
    event_id: int, request: Request, session: SessionDep, user: PageStaff, city: CityDep
) -> Response:
    event, rounds, people = _timetable(request, session, city, event_id)
    return render(request, "events/staff_timetable.html", page_context(
        request, city, event=event, rounds=rounds, people=people))  # fmt: skip


@router.get("/staff/events/{event_id}/timetable.pdf")
def timetable_pdf(
    event_id: int, request: Request, session: SessionDep, user: PageStaff, city: CityDep
) -> Response:
    event, rounds, people = _timetable(request, session, city, event_id)
    data = pdf.timetable_pdf(event, rounds, people, city=city, locale=request.state.locale)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="timetable-{event.id}.pdf"'})


# --- the invited person ---------------------------------------------------------------------


@router.post("/me/events/{event_id}/rsvp")
async def answer(
    event_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    form = await request.form()
    person = person_for_user(session, user)
    try:
        if person is None:
            raise Forbidden(N_("You are not invited to this event."))
        event = service.get_event(session, event_id)
        service.answer(session, event, person.id, form.get("attending") == "yes", city=city)
    except DomainError as exc:
        session.rollback()
        return render(request, "errors/error.html", {
            "status": exc.status_code, "message": error_message(request, exc)},
            status_code=exc.status_code)  # fmt: skip
    return redirect("/me?done=answered#events")


@router.get("/me/events/{event_id}.ics")
def my_calendar(
    event_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    person = person_for_user(session, user)
    if person is None:
        raise Forbidden(N_("You are not invited to this event."))
    event = service.get_event(session, event_id)
    service.invitation_of(session, event, person.id)
    host = request.url.hostname or "welcome-buddy"
    data = event_calendar(event, timezone=city.timezone, host=host, locale=request.state.locale)
    return Response(data, media_type="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


def _me_section(
    request: Request, session: Session, user: User, person: Person
) -> dict[str, Any] | None:
    now = utcnow()
    city: CityProfile = request.app.state.settings.city
    items = []
    for invitation in service.my_invitations(session, person.id, now):
        event = invitation.event
        mine: list[Any] = []
        if event.kind is EventKind.speed_dating and invitation.attending \
                and not invitation.waitlisted:
            mine = timetable.conversations_of(timetable.build(session, event, city), person.id)
        items.append({
            "invitation": invitation, "event": event,
            "when": moment_phrase(event.starts_at, city.timezone, request.state.locale),
            "conversations": [(format_time(r.starts_at.astimezone(ZoneInfo(city.timezone)),
                                           "short", locale=request.state.locale), r, s)
                              for r, s in mine],
            "open": answer_open(event.starts_at, now, city.timezone)})
    if not items:
        return None
    return {"items": items, "flash": done_flash(request, _DONE,
                                                request.query_params.get("done"))}


add_me_section("events/_me_section.html", _me_section)
