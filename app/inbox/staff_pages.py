"""Staff: who cannot be reached by email, a person's inbox, and any message as a letter."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.audit.service import record
from app.db import utcnow
from app.deps import CityDep, PageStaff, SessionDep
from app.errors import NotFound
from app.i18n.catalog import N_
from app.inbox import service
from app.inbox.letter import letter_pdf
from app.people.models import Person
from app.staff.context import formatters, not_found
from app.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/unreachable")
def unreachable(request: Request, session: SessionDep, staff: PageStaff, city: CityDep) -> Response:
    return render(
        request,
        "inbox/unreachable.html",
        {**formatters(request, city), "rows": service.unreachable_by_email(session)},
    )


def _person(session: SessionDep, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound(N_("No such person."))
    return person


@router.get("/people/{person_id:int}/messages")
def person_messages(
    request: Request, session: SessionDep, staff: PageStaff, city: CityDep, person_id: int
) -> Response:
    try:
        person = _person(session, person_id)
    except NotFound as exc:
        return not_found(request, exc)
    record(session, actor_id=staff.id, action="inbox.read_by_staff", subject_type=person.kind.value,
           subject_id=person.id)  # fmt: skip
    return render(
        request,
        "inbox/staff_person.html",
        {**formatters(request, city), "person": person,
         "messages": service.messages_of(session, person.user_id)},
    )  # fmt: skip


@router.get("/people/{person_id:int}/messages/{message_id:int}/letter.pdf")
def letter(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    person_id: int,
    message_id: int,
) -> Response:
    """The message as a letter to print and hand over (or post); reading it does not mark it
    read: the person has not read it yet."""
    try:
        person = _person(session, person_id)
        message = service.get_message(session, person.user_id, message_id)
    except NotFound as exc:
        return not_found(request, exc)
    pdf = letter_pdf(
        message, full_name=f"{person.first_name} {person.last_name}", city_name=city.name,
        today=utcnow().date(),
    )  # fmt: skip
    record(session, actor_id=staff.id, action="inbox.letter_printed",
           subject_type=person.kind.value, subject_id=person.id)  # fmt: skip
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="letter-{message.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
