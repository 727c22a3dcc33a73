"""The welcome desk: staff register a newcomer on their behalf.

Same fields and rules as the newcomer's own registration form (the people engineer's form
partial and ``app.people.forms`` are reused). The staff member sets an initial password or
leaves it empty to have one generated, shown once; the newcomer ticks the consent box at the desk.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth.passwords import check_strength
from app.config import CityProfile
from app.deps import CityDep, PageStaff, SessionDep
from app.errors import DomainError, Invalid
from app.i18n.catalog import gettext
from app.people import forms
from app.people import service as people
from app.people.schemas import NewcomerCreate
from app.staff import service
from app.web.templating import render

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
    request: Request, session: SessionDep, staff: PageStaff, city: CityDep
) -> Response:
    locale: str = request.state.locale
    form = await request.form()
    values = forms.form_values(form)
    values["locale"] = str(form.get("locale") or city.default_locale)
    typed_password = str(form.get("password") or "")
    password = typed_password or service.generate_password()
    data = forms.schema_input(values, kind="newcomer", account=True)
    data.update(password=password, locale=values["locale"])
    errors: dict[str, str] = {}
    parsed: NewcomerCreate | None = None
    try:
        parsed = NewcomerCreate.model_validate(data)
    except ValidationError as exc:
        errors = forms.form_errors(exc, locale, data)
    if typed_password:
        try:
            check_strength(typed_password, email=values["email"].strip().lower())
        except Invalid as exc:
            errors.setdefault("password", gettext(locale, exc.message, **exc.params))
    if parsed is not None and not errors:
        try:
            newcomer = people.register_newcomer(session, parsed, city=city, by_staff=staff)
        except DomainError as exc:
            session.rollback()  # the page below is a success for the session dependency
            errors.setdefault(exc.field or "form", gettext(locale, exc.message, **exc.params))
        else:
            context = {
                "newcomer": newcomer,
                "generated_password": None if typed_password else password,
            }
            response = render(request, "staff/newcomer_created.html", context)
            # The generated password is on this page: never keep it in a cache.
            response.headers["Cache-Control"] = "no-store"
            return response
    context = _context(request, city, values, errors)
    return render(request, "staff/newcomer_new.html", context, status_code=422)
