"""Contract pages: read and sign, decline, end early (the lists are in list_pages.py).

Forms post back to the contract page; on an error the page is shown again with the message
beside the field and what was typed kept, and the transaction is rolled back first so nothing
of the refused action is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.router import client_ip
from app.config import CityProfile
from app.contracts import extension, rules, service
from app.contracts.models import LIVE_STATUSES, Contract, ContractStatus, EndReason
from app.contracts.text import contract_text
from app.db import utcnow
from app.deps import CityDep, PageUser, SessionDep
from app.errors import DomainError, Invalid, Invalids
from app.i18n.catalog import N_, NP_
from app.matches.reasons import languages_phrase
from app.people.models import Person
from app.web.templating import (
    done_flash,
    field_errors,
    not_found,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)


END_REASON_LABELS = {
    EndReason.moved_away: N_("Moved away"),
    EndReason.no_time: N_("No time any more"),
    EndReason.no_click: N_("We did not get on"),
    EndReason.health: N_("Health"),
    EndReason.found_work: N_("Found work or a course"),
    EndReason.not_meeting: N_("We stopped meeting"),
    EndReason.other: N_("Another reason"),
}
# Notes that speak about the other party, in the wording for a woman (see done_flash).
_DONE_FEMININE = {
    "declined": NP_("feminine", "You declined. The newcomer can choose another buddy."),
}
_DONE = {
    "signed": N_("Thank you: your signature is saved. The contract starts when both have signed."),
    "active": N_("Both of you have signed: your buddy contract is active."),
    "declined": N_("You declined. The newcomer can choose another buddy."),
    "ended": N_("The contract has ended. Thank you for letting us know why."),
    # The extension and carrying on as friends: app/contracts/extension_pages.py.
    "proposed": N_("Your proposal is sent. The contract is extended when the other accepts."),
    "extended": N_("The contract is extended. Thank you for going on together!"),
    "withdrawn": N_("The proposal is cancelled."),
    "carrying_on": N_("Thank you for telling us!"),
}


def refused_form(
    request: Request,
    session: Session,
    user: User,
    contract_id: int,
    exc: DomainError,
    template: str,
    context: Callable[[Contract, dict[str, str]], dict[str, Any]],
    default_field: str = "form",
) -> Response:
    """A form on a contract's page was refused: roll back first (nothing of the refused action
    may be stored), load the contract afresh and show ``template`` again with the message beside
    the field; ``context(contract, errors)`` builds the page with what was typed kept."""
    session.rollback()
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    errors = field_errors(request, exc, default_field)
    return render(request, template, context(contract, errors), status_code=exc.status_code)


def _context(
    request: Request,
    contract: Contract,
    user: User,
    city: CityProfile,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    locale: str = request.state.locale
    side = service.side_of(contract, user)
    other: Person | None = None
    if side == service.Side.newcomer:
        other = contract.volunteer
    elif side == service.Side.volunteer:
        other = contract.newcomer
    signed_by_me = bool(side and getattr(contract, f"{side}_signed_at"))
    pending = contract.status is ContractStatus.pending
    return {
        "contract": contract,
        "text": contract_text(contract, city_name=city.name, timezone=city.timezone,
                              locale=locale),
        "side": side,
        "staff": user.role is Role.staff,
        "other": other,
        "other_languages": languages_phrase([x.code for x in other.languages], locale)
        if other else "",
        "show_contact": rules.contact_visible(contract.status),
        "can_sign": pending and side is not None and not signed_by_me,
        "waiting_for_other": pending and signed_by_me,
        "can_decline": pending and side == service.Side.volunteer,
        "can_end": contract.status in LIVE_STATUSES,
        "has_calendar": contract.start_date is not None and rules.contact_visible(contract.status),
        "end_reasons": END_REASON_LABELS,
        "errors": errors or {},
        "values": values or {},
        "flash": flash,
        "today": date.today().isoformat(),
        **extension.page_facts(contract, side, city, utcnow()),
    }


def refused_on_contract_page(
    request: Request,
    session: Session,
    user: User,
    contract_id: int,
    city: CityProfile,
    exc: DomainError,
    values: dict[str, Any],
    default_field: str,
) -> Response:
    return refused_form(
        request, session, user, contract_id, exc, "contracts/detail.html",
        lambda contract, errors: _context(request, contract, user, city, errors=errors,
                                          values=values),
        default_field,
    )  # fmt: skip


@router.get("/contracts/{contract_id:int}")
def contract_page(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    done: str | None = None,
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    flash = done_flash(request, _DONE, done, feminine=_DONE_FEMININE,
                       female=service.other_party_is_female(contract, user))
    return render(request, "contracts/detail.html",
                  _context(request, contract, user, city, flash=flash))


@router.post("/contracts/{contract_id:int}/sign")
def sign(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    full_name: str = Form(""),
    commitment: str = Form(""),
    start_date: str = Form(""),
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    values = {"full_name": full_name, "commitment": bool(commitment), "start_date": start_date}
    try:
        # Every problem at once: the box, the date as typed, then the signature's own rules.
        problems: list[DomainError] = []
        if not commitment:
            problems.append(
                Invalid(N_("Tick the box to confirm your commitment."), field="commitment")
            )
        start = None
        try:
            start = date.fromisoformat(start_date.strip()) if start_date.strip() else None
        except ValueError:
            problems.append(Invalid(N_("Enter a valid date."), field="start_date"))
        if problems:
            today = rules.local_date(utcnow(), city.timezone)
            raise Invalids(problems + list(rules.signature_problems(full_name, start, today)))
        signature = service.Signature(full_name, client_ip(request), start)
        service.sign(session, contract, user, signature, city=city)
    except DomainError as exc:
        return refused_on_contract_page(request, session, user, contract_id, city, exc,
                                        values, "full_name")
    done = "active" if contract.status is ContractStatus.active else "signed"
    return redirect(f"/contracts/{contract.id}?done={done}")


@router.post("/contracts/{contract_id:int}/decline")
def decline(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    reason: str = Form(""),
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    try:
        service.decline(session, contract, user, reason)
    except DomainError as exc:
        values = {"decline_reason": reason}
        if exc.field == "reason":
            exc.field = "decline_reason"
        return refused_on_contract_page(request, session, user, contract_id, city, exc,
                                        values, "decline_reason")
    return redirect(f"/contracts/{contract.id}?done=declined")


@router.post("/contracts/{contract_id:int}/end")
def end(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    city: CityDep,
    reason: str = Form(""),
    note: str = Form(""),
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    values = {"end_reason": reason, "end_note": note}
    try:
        try:
            chosen = EndReason(reason)
        except ValueError:
            raise Invalid(N_("Choose one of the options."), field="end_reason") from None
        service.end_early(session, contract, user, chosen, note)
    except DomainError as exc:
        if exc.field == "note":
            exc.field = "end_note"
        return refused_on_contract_page(request, session, user, contract_id, city, exc,
                                        values, "end_reason")
    return redirect(f"/contracts/{contract.id}?done=ended")
