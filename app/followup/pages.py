"""Staff page: a pair's follow-up calls, when they are due, and a form to record one."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.checkins.labels import day_text
from app.config import CityProfile
from app.contracts import service as contracts
from app.contracts.models import Contract
from app.contracts.pages import refused_form
from app.contracts.rules import local_date
from app.db import utcnow
from app.deps import CityDep, PageStaff, SessionDep
from app.errors import DomainError, Invalid, Invalids
from app.followup import service
from app.followup.models import CallKind
from app.i18n.catalog import N_, gettext
from app.web.templating import done_flash, not_found, redirect, render

router = APIRouter(include_in_schema=False)

KIND_LABELS = {CallKind.midterm: N_("Mid-term call"), CallKind.other: N_("Other call")}
_DONE = {"recorded": N_("The call is recorded.")}


def _context(
    request: Request,
    session: Session,
    contract: Contract,
    city: CityProfile,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    locale: str = request.state.locale
    calls = service.list_calls(session, contract.id)
    plan = service.schedule(contract, calls, city=city)
    return {
        "contract": contract,
        "calls": [
            {
                "call": c,
                "day": day_text(c.called_on, locale),
                "kind": gettext(locale, KIND_LABELS[c.kind]),
            }
            for c in calls
        ],
        "first_due": day_text(plan.first_due_on, locale) if plan.first_due_on else None,
        "second_due": day_text(plan.second_due_on, locale) if plan.second_due_on else None,
        "missing": plan.missing,
        "kinds": [(k.value, gettext(locale, KIND_LABELS[k])) for k in CallKind],
        "values": values,
        "errors": errors or {},
        "flash": flash,
        "today": local_date(utcnow(), city.timezone).isoformat(),
    }


@router.get("/staff/contracts/{contract_id:int}/calls/new")
def calls_page(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageStaff,
    city: CityDep,
    done: str | None = None,
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    values = {"called_on": local_date(utcnow(), city.timezone).isoformat(), "kind": "midterm",
              "note": ""}  # fmt: skip
    flash = done_flash(request, _DONE, done)
    return render(request, "followup/calls.html",
                  _context(request, session, contract, city, values, flash=flash))  # fmt: skip


@router.post("/staff/contracts/{contract_id:int}/calls/new")
def record_call(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageStaff,
    city: CityDep,
    called_on: str = Form(""),
    kind: str = Form(""),
    note: str = Form(""),
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    values = {"called_on": called_on, "kind": kind, "note": note}
    try:
        problems: list[Invalid] = []  # every wrong field at once
        try:
            day = date.fromisoformat(called_on.strip())
        except ValueError:
            problems.append(Invalid(N_("Enter a valid date."), field="called_on"))
        if kind not in {k.value for k in CallKind}:
            problems.append(Invalid(N_("Choose one of the options."), field="kind"))
        if problems:
            raise Invalids(problems)
        chosen = CallKind(kind)
        service.record_call(session, contract, user, called_on=day, kind=chosen, note=note,
                            city=city)  # fmt: skip
    except DomainError as exc:
        return refused_form(
            request, session, user, contract_id, exc, "followup/calls.html",
            lambda contract, errors: _context(request, session, contract, city, values, errors),
        )
    return redirect(f"/staff/contracts/{contract_id}/calls/new?done=recorded")
