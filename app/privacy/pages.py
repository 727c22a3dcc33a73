"""GDPR pages: the privacy section of ``/me`` (download my data, ask for erasure, withdraw
consent), the notice interstitial after login, and staff's export and erasure on a person's
file (the file itself is app/staff/pages.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.pages import safe_next
from app.deps import CityDep, PageStaff, PageUser, SessionDep
from app.errors import DomainError
from app.i18n.catalog import N_, gettext
from app.people.models import Person
from app.people.pages import add_me_section
from app.privacy import service
from app.staff.context import not_found
from app.web.templating import error_page, redirect, render

router = APIRouter(include_in_schema=False)

_FLASH = {
    "requested": N_("We have your request. The programme team will erase your data soon."),
}


def download(data: dict[str, Any], filename: str) -> Response:
    return Response(
        service.to_json(data),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


def _me_section(request: Request, session: Session, user: User, person: Person) -> dict[str, Any]:
    done = request.query_params.get("privacy")
    locale: str = request.state.locale
    return {
        "requested_at": person.erasure_requested_at,
        "version": person.consent_version,
        "accepted_at": person.consent_at,
        "flash": gettext(locale, _FLASH[done]) if done in _FLASH else None,
    }


add_me_section("privacy/_me_section.html", _me_section)


@router.get("/me/export")
def my_export(session: SessionDep, user: PageUser) -> Response:
    return download(service.export_for(session, user, by=user), "my-welcome-buddy-data.json")


@router.post("/me/erasure")
def request_erasure(request: Request, session: SessionDep, user: PageUser) -> Response:
    try:
        service.request_own_erasure(session, user)
    except DomainError as exc:
        session.rollback()
        return error_page(request, exc.status_code,
                          gettext(request.state.locale, exc.message, **exc.params))  # fmt: skip
    return redirect("/me?privacy=requested#privacy")


@router.post("/me/consent/withdraw")
def withdraw_consent(request: Request, session: SessionDep, user: PageUser) -> Response:
    try:
        service.withdraw(session, service.own_person(session, user), user)
    except DomainError as exc:
        session.rollback()
        return error_page(request, exc.status_code,
                          gettext(request.state.locale, exc.message, **exc.params))  # fmt: skip
    return redirect("/me?privacy=requested#privacy")


@router.get("/privacy/consent")
def consent_form(
    request: Request, session: SessionDep, user: PageUser, city: CityDep, next: str | None = None
) -> Response:
    target = safe_next(next) or "/me"
    if not service.needs_consent(service.person_of(session, user), city):
        return redirect(target)
    context = {"next": target, "version": city.privacy_notice_version}
    return render(request, "privacy/consent.html", context)


@router.post("/privacy/consent")
def consent_accept(
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    next: Annotated[str, Form()] = "/me",
    consent: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next) or "/me"
    person = service.person_of(session, user)
    if not service.needs_consent(person, city) or person is None:
        return redirect(target)
    if not consent:
        context = {
            "next": target,
            "version": city.privacy_notice_version,
            "error": gettext(request.state.locale, N_("Please tick the box to go on.")),
        }
        return render(request, "privacy/consent.html", context, status_code=422)  # fmt: skip
    service.accept(session, person, city)
    return redirect(target)


# --- staff, on a person's file ---------------------------------------------------------------


@router.get("/staff/people/{person_id}/export")
def person_export(request: Request, session: SessionDep, staff: PageStaff,
                  person_id: int) -> Response:  # fmt: skip
    try:
        person = service.person_or_404(session, person_id)
    except DomainError as exc:
        return not_found(request, exc)
    data = service.export_for(session, person.user, by=staff)
    return download(data, f"person-{person.id}-data.json")


@router.post("/staff/people/{person_id}/erase")
def erase_person(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    person_id: int,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        person = service.person_or_404(session, person_id)
    except DomainError as exc:
        return not_found(request, exc)
    if not confirm:
        return redirect(f"/staff/people/{person_id}?erase=confirm#privacy")
    try:
        service.erase(session, person, by=staff, city=city)
    except DomainError as exc:
        session.rollback()
        return error_page(request, exc.status_code,
                          gettext(request.state.locale, exc.message, **exc.params))  # fmt: skip
    return redirect(f"/staff/people/{person_id}?erase=done#privacy")
