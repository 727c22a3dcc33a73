"""Meeting pages: the pair's meetings (confirm / "did not happen"), the one-screen log form for a
phone, editing and deleting; the hours on the contract page and on /me.

On a refused form the transaction is rolled back first (nothing of it is stored) and the form is
shown again with the message beside the field and everything typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.checkins import forms, labels, queries, rules, sections, service
from app.checkins.models import Activity, Checkin, Party
from app.config import CityProfile
from app.contracts import service as contracts
from app.contracts.models import Contract
from app.db import utcnow
from app.deps import CityDep, PageUser, SessionDep
from app.errors import DomainError, NotFound
from app.i18n.catalog import N_, NP_, gettext
from app.people.models import Person
from app.web.templating import (
    done_flash,
    error_message,
    field_errors,
    not_found,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)

# Notes that speak about the buddy, in the wording for a woman (see done_flash).
_DONE_FEMININE = {"logged": NP_("feminine", "Meeting saved. Your buddy is asked to confirm it.")}
_DONE = {
    "logged": N_("Meeting saved. Your buddy is asked to confirm it."),
    "changed": N_("Meeting changed."),
    "deleted": N_("Meeting deleted."),
    "confirmed": N_("Thank you: the meeting is confirmed."),
    "disputed": N_("Noted: this meeting did not happen."),
    "resolved": N_("The worry is marked as dealt with."),
}


def _checkin(session: Session, user: User, checkin_id: int) -> Checkin | None:
    try:
        return queries.get_for_user(session, user, checkin_id)
    except NotFound:
        return None


def _partner(contract: Contract, side: Party | None) -> Person | None:
    if side is Party.newcomer:
        return contract.volunteer
    if side is Party.volunteer:
        return contract.newcomer
    return None


def _list_context(
    request: Request, session: Session, contract: Contract, user: User, city: CityProfile
) -> dict[str, Any]:
    locale: str = request.state.locale
    side = queries.side_of(contract, user)
    now, today = utcnow(), queries.today_in(city)
    can_log = side is not None and rules.can_log_on(
        contract.status, contract.start_date, queries.contract_last_day(contract, city),
        today, today,
    ) in (None, "future")  # fmt: skip
    rows = []
    for c in queries.list_for_contract(session, contract.id):
        mine = side is not None and c.logged_by_side is side
        rows.append({
            "checkin": c,
            "day": labels.day_text(c.met_on, locale),
            "duration": labels.minutes_text(c.minutes, locale),
            "activities": [gettext(locale, labels.ACTIVITY_LABELS[a]) for a in c.activities],
            "status": gettext(locale, labels.STATUS_LABELS[c.status]),
            "by_me": mine,
            "can_answer": side is not None and not mine,
            "can_change": user.role is Role.staff or (mine and rules.can_edit(c.created_at, now)),
        })  # fmt: skip
    return {
        "contract": contract,
        "side": side.value if side else None,
        "staff": user.role is Role.staff,
        "partner": _partner(contract, side),
        "summary": sections.summary(request, session, contract),
        "rows": rows,
        "can_log": can_log,
        "edit_days": rules.EDIT_DAYS,
    }


@router.get("/contracts/{contract_id:int}/meetings")
def meetings(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    done: str | None = None,
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    context = _list_context(request, session, contract, user, city)
    context["flash"] = done_flash(request, _DONE, done, feminine=_DONE_FEMININE,
                                  female=contracts.other_party_is_female(contract, user))
    context["just_logged"] = done == "logged"
    return render(request, "checkins/meetings.html", context)


# --- the log / edit form ------------------------------------------------------------------


def _form_context(
    request: Request,
    contract: Contract,
    city: CityProfile,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    checkin: Checkin | None = None,
) -> dict[str, Any]:
    locale: str = request.state.locale
    return {
        "contract": contract,
        "checkin": checkin,
        "values": values,
        "errors": errors or {},
        "activities": [(a.value, gettext(locale, labels.ACTIVITY_LABELS[a])) for a in Activity],
        "today": queries.today_in(city).isoformat(),
        "start": contract.start_date.isoformat() if contract.start_date else "",
    }


def _refused_form(
    request: Request,
    session: Session,
    user: User,
    contract_id: int,
    city: CityProfile,
    exc: DomainError,
    values: dict[str, Any],
    checkin_id: int | None = None,
) -> Response:
    session.rollback()  # nothing of the refused action may be stored
    contract = contracts.find_for_user(session, user, contract_id)
    checkin = _checkin(session, user, checkin_id) if checkin_id else None
    if contract is None or (checkin_id and checkin is None):
        return not_found(request)
    context = _form_context(request, contract, city, values, field_errors(request, exc), checkin)
    return render(request, "checkins/form.html", context, status_code=exc.status_code)


def _posted(
    met_on: str = Form(""),
    minutes: str = Form(""),
    activities: list[str] = Form([]),
    note: str = Form(""),
    worried: str = Form(""),
    concern: str = Form(""),
) -> dict[str, Any]:
    """The log / edit form as typed (both forms post the same fields)."""
    return forms.posted(met_on, minutes, activities, note, worried, concern)


Posted = Annotated[dict[str, Any], Depends(_posted)]


@router.get("/contracts/{contract_id:int}/meetings/new")
def new_meeting(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    context = _form_context(request, contract, city, forms.initial(None, city))
    return render(request, "checkins/form.html", context)


@router.post("/contracts/{contract_id:int}/meetings/new")
def log_meeting(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    values: Posted,
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    try:
        service.log(session, contract, user, forms.parse(values), city=city)
    except DomainError as exc:
        return _refused_form(request, session, user, contract_id, city, exc, values)
    return redirect(f"/contracts/{contract.id}/meetings?done=logged#summary")


@router.get("/meetings/{checkin_id:int}/edit")
def edit_meeting(
    checkin_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    checkin = _checkin(session, user, checkin_id)
    if checkin is None:
        return not_found(request)
    contract = queries.contract_of(session, checkin)
    try:
        # The form holds the worry of whoever logged the meeting: only they (or staff) get it.
        service.check_may_change(checkin, contract, user, utcnow())
    except DomainError as exc:
        return render(request, "checkins/refused.html", {"status": exc.status_code,
                      "message": error_message(request, exc),
                      "back": f"/contracts/{contract.id}/meetings"},
                      status_code=exc.status_code)  # fmt: skip
    context = _form_context(request, contract, city, forms.initial(checkin, city), checkin=checkin)
    return render(request, "checkins/form.html", context)


@router.post("/meetings/{checkin_id:int}/edit")
def change_meeting(
    checkin_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    values: Posted,
) -> Response:
    checkin = _checkin(session, user, checkin_id)
    if checkin is None:
        return not_found(request)
    contract_id = checkin.contract_id
    try:
        data = forms.parse(values)
        changes: dict[str, Any] = {
            "met_on": data.met_on, "minutes": data.minutes, "activities": data.activities,
            "note": data.note,
        }  # fmt: skip
        if data.concern is not None or checkin.concern_open:
            changes["concern"] = data.concern
        service.update(session, checkin, user, changes, city=city)
    except DomainError as exc:
        return _refused_form(request, session, user, contract_id, city, exc, values, checkin_id)
    return redirect(f"/contracts/{contract_id}/meetings?done=changed")


def _simple_action(
    request: Request, session: Session, user: User, checkin_id: int, action: Any, done: str
) -> Response:
    checkin = _checkin(session, user, checkin_id)
    if checkin is None:
        return not_found(request)
    contract_id = checkin.contract_id
    try:
        action(checkin)
    except DomainError as exc:
        session.rollback()
        message = error_message(request, exc)
        return render(request, "checkins/refused.html", {"status": exc.status_code,
                      "message": message, "back": f"/contracts/{contract_id}/meetings"},
                      status_code=exc.status_code)  # fmt: skip
    return redirect(f"/contracts/{contract_id}/meetings?done={done}")


@router.post("/meetings/{checkin_id:int}/delete")
def delete_meeting(
    checkin_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    return _simple_action(request, session, user, checkin_id,
                          lambda c: service.delete(session, c, user), "deleted")  # fmt: skip


@router.post("/meetings/{checkin_id:int}/confirm")
def confirm_meeting(
    checkin_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    happened: str = Form(""),
) -> Response:
    yes = happened == "yes"
    return _simple_action(request, session, user, checkin_id,
                          lambda c: service.answer(session, c, user, yes),
                          "confirmed" if yes else "disputed")  # fmt: skip


@router.post("/meetings/{checkin_id:int}/resolve")
def resolve_worry(
    checkin_id: int, request: Request, session: SessionDep, user: PageUser, note: str = Form("")
) -> Response:
    return _simple_action(request, session, user, checkin_id,
                          lambda c: service.resolve_concern(session, c, user, note),
                          "resolved")  # fmt: skip
