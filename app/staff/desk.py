"""The welcome desk: staff register a newcomer on their behalf.

Same fields and rules as the newcomer's own registration form (the people engineer's form
partial and ``app.people.forms`` are reused). The newcomer ticks the consent box at the desk.
The email address is optional here: a newcomer without one is registered with a mobile phone
number, which becomes their login name (``app.auth.phones``); their messages reach them in the
inbox on /me (``app.inbox``). No password that staff have seen is ever valid: the account gets
a random password nobody knows, and the desk prints a one-time code with which the newcomer
chooses their own (``/set-password``, valid ``setup_code_days``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import onetime
from app.config import CityProfile, Settings
from app.deps import CityDep, PageStaff, SessionDep, SettingsDep
from app.errors import DomainError, NotFound
from app.i18n.catalog import gettext
from app.people import forms
from app.people import service as people
from app.people.models import Newcomer
from app.people.schemas import DeskNewcomerCreate
from app.web.templating import error_page, render

router = APIRouter()


ACTION = "/staff/newcomers/new"


def _context(
    request: Request,
    city: CityProfile,
    values: dict[str, Any],
    errors: dict[str, str],
) -> dict[str, Any]:
    # The registration page's own form context, posting here instead.
    return forms.form_context(request.state.locale, city, "newcomer", values, errors, action=ACTION)


@router.get("/newcomers/new")
def new_newcomer_form(request: Request, staff: PageStaff, city: CityDep) -> Response:
    values = forms.empty_values()
    values["locale"] = city.default_locale
    return render(request, "staff/newcomer_new.html", _context(request, city, values, {}))


@router.post("/newcomers/new")
async def new_newcomer(
    request: Request, session: SessionDep, settings: SettingsDep, staff: PageStaff, city: CityDep
) -> Response:
    locale: str = request.state.locale
    form = await request.form()
    values = forms.form_values(form)
    values["locale"] = str(form.get("locale") or city.default_locale)
    data = forms.schema_input(values, kind="newcomer", account=True)
    # Unknown to everyone; replaced when the newcomer uses the printed code.
    data.update(password=secrets.token_urlsafe(32), locale=values["locale"])
    data["email"] = data["email"] or None  # optional here: a mobile number may replace it
    errors: dict[str, str] = {}
    parsed: DeskNewcomerCreate | None = None
    try:
        parsed = DeskNewcomerCreate.model_validate(data)
    except ValidationError as exc:
        errors = forms.form_errors(exc, locale, data)
        if "form" in errors and not data["email"] and not data.get("phone"):
            errors["phone"] = errors.pop("form")  # "an email address or a phone": say it here
    if parsed is not None and not errors:
        try:
            newcomer = people.register_newcomer(session, parsed, city=city, by_staff=staff)
        except DomainError as exc:
            session.rollback()  # the page below is a success for the session dependency
            errors.setdefault(exc.field or "form", gettext(locale, exc.message, **exc.params))
        else:
            return _code_page(request, session, settings, newcomer, reissued=False)
    context = _context(request, city, values, errors)
    return render(request, "staff/newcomer_new.html", context, status_code=422)


def _code_page(
    request: Request, session: Session, settings: Settings, newcomer: Newcomer, *, reissued: bool
) -> Response:
    lifetime = timedelta(days=settings.setup_code_days)
    context = {
        "newcomer": newcomer,
        "reissued": reissued,
        "setup_code": onetime.issue_setup_code(session, newcomer.user, lifetime),
        "setup_url": settings.base_url.rstrip("/") + "/set-password",
        "setup_days": settings.setup_code_days,
    }
    response = render(request, "staff/newcomer_created.html", context)
    # The one-time code is on this page: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/people/{person_id}/setup-code")
def new_setup_code(
    request: Request, session: SessionDep, settings: SettingsDep, staff: PageStaff, person_id: int
) -> Response:
    """A new one-time code for a newcomer who lost theirs (or never used it); any earlier code
    stops working. Their current password, if they chose one, stays valid until the code is
    used."""
    try:
        newcomer = people.get_newcomer(session, person_id)
    except NotFound as exc:
        return error_page(request, 404, gettext(request.state.locale, exc.message))
    record(session, actor_id=staff.id, action="newcomer.setup_code", subject_type="newcomer",
           subject_id=newcomer.id)  # fmt: skip
    return _code_page(request, session, settings, newcomer, reissued=True)
