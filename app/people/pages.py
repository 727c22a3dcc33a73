"""Registration forms, one's own profile page (``/me``) and its edit form.

Other domains add sections to ``/me`` (a newcomer's panel, contracts…) with
``add_me_section(template, provider)``: the provider returns the template's context, or ``None``
to leave the section out for this person.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import Template
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import Role, User
from app.auth.pages import home_for, start_session
from app.auth.passwords import check_strength
from app.auth.router import client_ip
from app.config import CityProfile, Settings
from app.db import utcnow
from app.deps import CityDep, MaybePageUser, PageUser, PageVolunteer, SessionDep, SettingsDep
from app.errors import DomainError, Invalid, Throttled
from app.i18n.catalog import N_, gettext
from app.people import forms, service
from app.people.models import Newcomer, Person, Volunteer
from app.people.schemas import NewcomerCreate, NewcomerUpdate, VolunteerCreate, VolunteerUpdate
from app.programme.one_person import state_of_newcomer, state_of_volunteer
from app.web.templating import error_page, redirect, render

router = APIRouter(include_in_schema=False)

SectionProvider = Callable[[Request, Session, User, Person], dict[str, Any] | None]
# Template name (or a compiled Template) and the function giving its ``section`` variable.
_ME_SECTIONS: list[tuple[str | Template, SectionProvider]] = []

# Messages shown on /me after an action (``/me?done=…``), so a redirect can say what happened.
_DONE = {
    "saved": N_("Your profile has been saved."),
    "paused": N_("You are paused: newcomers will not be offered you as a buddy until you resume."),
    "resumed": N_("Welcome back: newcomers can be offered you as a buddy again."),
}


def add_me_section(template: str | Template, provider: SectionProvider) -> None:
    """Let another domain show a section on ``/me``, in order of registration. The template is
    included with the page's context plus ``section`` (what the provider returned)."""
    _ME_SECTIONS.append((template, provider))


def _form_context(
    request: Request,
    city: CityProfile,
    kind: str,
    values: dict[str, Any],
    errors: dict[str, str],
) -> dict[str, Any]:
    return forms.form_context(request.state.locale, city, kind, values, errors)


def _domain_error(errors: dict[str, str], exc: DomainError, locale: str) -> None:
    errors.setdefault(exc.field or "form", gettext(locale, exc.message, **exc.params))


# --- registration --------------------------------------------------------------------------


def _register_form(request: Request, user: User | None, city: CityProfile, kind: str) -> Response:
    if user is not None:
        return redirect(home_for(user))
    context = _form_context(request, city, kind, forms.empty_values(), {})
    return render(request, "people/register.html", context)


@router.get("/register/newcomer")
def register_newcomer_form(request: Request, user: MaybePageUser, city: CityDep) -> Response:
    return _register_form(request, user, city, "newcomer")


@router.get("/register/volunteer")
def register_volunteer_form(request: Request, user: MaybePageUser, city: CityDep) -> Response:
    return _register_form(request, user, city, "volunteer")


async def _register(
    request: Request,
    session: Session,
    settings: SettingsDep,
    user: User | None,
    kind: str,
) -> Response:
    if user is not None:
        return redirect(home_for(user))
    city = settings.city
    locale: str = request.state.locale
    form = await request.form()
    values = forms.form_values(form)
    password = str(form.get("password") or "")
    data = forms.schema_input(values, kind=kind, account=True)
    data.update(password=password, locale=locale)
    errors: dict[str, str] = {}
    schema = NewcomerCreate if kind == "newcomer" else VolunteerCreate
    parsed: NewcomerCreate | VolunteerCreate | None = None
    try:
        parsed = schema.model_validate(data)
    except ValidationError as exc:
        errors = forms.form_errors(exc, locale, data)
    # Rules the schema cannot check, reported together with the schema's own findings.
    try:
        avoid = (values["first_name"], values["last_name"], city.name)
        check_strength(password, email=values["email"].strip().lower(), avoid=avoid)
    except Invalid as exc:
        _domain_error(errors, exc, locale)
    if parsed is not None and not errors:
        try:
            throttle.check_registration(
                session, client_ip(request), settings.registration_max_per_hour
            )
        except Throttled as exc:
            response = error_page(request, 429, gettext(locale, exc.message, **exc.params))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        try:
            person: Person = (
                service.register_newcomer(session, parsed, city=city)
                if isinstance(parsed, NewcomerCreate)
                else service.register_volunteer(session, parsed, city=city)
            )
        except DomainError as exc:
            session.rollback()  # the response below is a success for the session dependency
            _domain_error(errors, exc, locale)
        else:
            return start_session(request, session, settings, person.user, "/me")
    context = _form_context(request, city, kind, values, errors)
    return render(request, "people/register.html", context, status_code=422)


@router.post("/register/newcomer")
async def register_newcomer(
    request: Request, session: SessionDep, settings: SettingsDep, user: MaybePageUser
) -> Response:
    return await _register(request, session, settings, user, "newcomer")


@router.post("/register/volunteer")
async def register_volunteer(
    request: Request, session: SessionDep, settings: SettingsDep, user: MaybePageUser
) -> Response:
    return await _register(request, session, settings, user, "volunteer")


# --- own profile ---------------------------------------------------------------------------


def _own_person(session: Session, user: User) -> Person | None:
    return service.person_for_user(session, user)


def _no_profile(request: Request, settings: Settings, user: User) -> Response:
    """What a profile page answers when the account has no profile of its own.

    Staff never have one: they go to their own pages. A newcomer or volunteer account without
    one (half-created by hand, or its profile removed by staff) must NOT be redirected to its
    home page — that is ``/me`` itself, a redirect loop. It gets a 404 (the profile does not
    exist) with a page saying so and how to reach the programme's staff.
    """
    if user.role is Role.staff:
        return redirect(home_for(user))
    # The programme's sending address is the one address of the staff the platform knows.
    contact = parseaddr(settings.mail_from)[1]
    context = {"contact": contact if "@" in contact else None}
    return render(request, "people/no_profile.html", context, status_code=404)


@router.get("/me")
def me(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    done: str | None = None,
) -> Response:
    person = _own_person(session, user)
    if person is None:
        return _no_profile(request, settings, user)
    sections = []
    for template, provider in _ME_SECTIONS:
        section = provider(request, session, user, person)
        if section is not None:
            sections.append((template, section))
    locale: str = request.state.locale
    now = utcnow()
    state = (
        state_of_newcomer(session, person, now)
        if isinstance(person, Newcomer) else state_of_volunteer(session, person, now)
        if isinstance(person, Volunteer) else None
    )  # fmt: skip
    context = {
        "person": person,
        "state": state.value if state else "",
        "kind": "newcomer" if isinstance(person, Newcomer) else "volunteer",
        "sections": sections,
        "flash": gettext(locale, _DONE[done]) if done in _DONE else None,
        **forms.VOCABULARY,
    }
    return render(request, "people/me.html", context)


@router.get("/me/edit")
def edit_form(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    city = settings.city
    person = _own_person(session, user)
    if person is None:
        return _no_profile(request, settings, user)
    kind = "newcomer" if isinstance(person, Newcomer) else "volunteer"
    values = forms.values_from_person(person, city)
    return render(request, "people/edit.html", _form_context(request, city, kind, values, {}))


@router.post("/me/edit")
async def edit(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    city = settings.city
    person = _own_person(session, user)
    if person is None:
        return _no_profile(request, settings, user)
    locale: str = request.state.locale
    kind = "newcomer" if isinstance(person, Newcomer) else "volunteer"
    values = forms.form_values(await request.form())
    data = forms.schema_input(values, kind=kind, account=False)
    schema = NewcomerUpdate if kind == "newcomer" else VolunteerUpdate
    errors: dict[str, str] = {}
    try:
        service.update_profile(session, person, schema.model_validate(data), city=city)
    except ValidationError as exc:
        errors = forms.form_errors(exc, locale, data)
    except DomainError as exc:
        _domain_error(errors, exc, locale)
    if not errors:
        return redirect("/me?done=saved")
    session.rollback()
    context = _form_context(request, city, kind, values, errors)
    return render(request, "people/edit.html", context, status_code=422)


def _pause(
    request: Request, session: Session, settings: Settings, user: User, paused: bool
) -> Response:
    person = service.person_for_user(session, user)
    if not isinstance(person, Volunteer):  # PageVolunteer guarantees the role, not a profile
        return _no_profile(request, settings, user)
    try:
        service.set_volunteer_paused(session, person, paused)
    except DomainError as exc:
        message = gettext(request.state.locale, exc.message, **exc.params)
        context = {"status": exc.status_code, "message": message}
        return render(request, "errors/error.html", context, status_code=exc.status_code)
    return redirect("/me?done=" + ("paused" if paused else "resumed"))


@router.post("/me/pause")
def pause(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageVolunteer
) -> Response:
    return _pause(request, session, settings, user, True)


@router.post("/me/resume")
def resume(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageVolunteer
) -> Response:
    return _pause(request, session, settings, user, False)
