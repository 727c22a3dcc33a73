"""Evaluation page (one short form per side once the contract is over) and the certificate
download for the newcomer (and staff)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.contracts import service as contracts
from app.contracts.downloads import attachment
from app.contracts.models import Contract, ContractStatus
from app.contracts.pages import refused_form
from app.contracts.rules import can_say_carrying_on
from app.deps import CityDep, PageUser, SessionDep
from app.errors import DomainError, Invalid, Invalids, NotFound
from app.evaluations import service
from app.evaluations.certificate import certificate_pdf
from app.evaluations.models import GoalsMet
from app.i18n.catalog import N_, gettext
from app.web.templating import error_message, error_page, not_found, redirect, render

router = APIRouter(include_in_schema=False)

GOALS_LABELS = {
    GoalsMet.yes: N_("Yes"),
    GoalsMet.mostly: N_("Mostly"),
    GoalsMet.partly: N_("Partly"),
    GoalsMet.no: N_("No"),
}


def _context(
    request: Request,
    session: Session,
    contract: Contract,
    user: User,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    flash: str | None = None,
) -> dict[str, Any]:
    locale: str = request.state.locale
    side = contracts.side_of(contract, user)
    return {
        "contract": contract,
        "side": side,
        "staff": user.role is Role.staff,
        "open": service.is_open(contract),
        "evaluations": service.visible(session, contract, user),
        "goals": [(g.value, gettext(locale, GOALS_LABELS[g])) for g in GoalsMet],
        "goal_labels": {g: gettext(locale, label) for g, label in GOALS_LABELS.items()},
        "certificate": contract.status is ContractStatus.completed
        and (side == "newcomer" or user.role is Role.staff),
        "values": values or {},
        "errors": errors or {},
        "flash": flash,
        # With the final evaluation, a side that has not said it yet may say the pair carries
        # on as friends (the contract page has the same form, and the way to take it back).
        "carrying_on_form": side is not None and can_say_carrying_on(contract.status)
        and getattr(contract, f"{side}_carrying_on_at") is None,
    }


@router.get("/contracts/{contract_id:int}/evaluation")
def evaluation_page(
    contract_id: int, request: Request, session: SessionDep, user: PageUser,
    done: str | None = None,
) -> Response:  # fmt: skip
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    flash = gettext(request.state.locale, "Thank you for your evaluation!") if done else None
    return render(request, "evaluations/evaluation.html",
                  _context(request, session, contract, user, flash=flash))  # fmt: skip


@router.post("/contracts/{contract_id:int}/evaluation")
def submit_evaluation(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    overall: str = Form(""),
    goals_met: str = Form(""),
    would_again: str = Form(""),
    text: str = Form(""),
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    values = {"overall": overall, "goals_met": goals_met, "would_again": would_again,
              "text": text}  # fmt: skip
    try:
        # Every unanswered question is pointed out at once, not one per attempt.
        problems: list[Invalid] = []
        if not overall.strip().isdigit() or not 1 <= int(overall) <= 5:
            problems.append(Invalid(N_("Choose a number from 1 to 5."), field="overall"))
        if goals_met not in {g.value for g in GoalsMet}:
            problems.append(Invalid(N_("Choose one of the options."), field="goals_met"))
        if would_again not in ("yes", "no"):
            problems.append(Invalid(N_("Answer yes or no."), field="would_again"))
        if len(text.strip()) > service.TEXT_MAX:
            problems.append(Invalid(N_("This field is too long."), field="text"))
        if problems:
            raise Invalids(problems)
        answers = service.Answers(int(overall), GoalsMet(goals_met), would_again == "yes", text)
        service.submit(session, contract, user, answers)
    except DomainError as exc:
        return refused_form(
            request, session, user, contract_id, exc, "evaluations/evaluation.html",
            lambda contract, errors: _context(request, session, contract, user, values, errors),
        )
    return redirect(f"/contracts/{contract_id}/evaluation?done=sent")


@router.get("/contracts/{contract_id:int}/certificate.pdf")
def certificate(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    contract = contracts.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    try:
        if user.role is not Role.staff and contracts.side_of(contract, user) != "newcomer":
            raise NotFound(N_("This page does not exist."))
        body = certificate_pdf(session, contract, city=city)
    except DomainError as exc:
        return error_page(request, exc.status_code, error_message(request, exc))
    name = f"participation-certificate-{contract.id}.pdf"
    return attachment(body, "application/pdf", name)
