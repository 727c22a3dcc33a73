"""Evaluation and certificate API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.auth.models import Role
from app.contracts import service as contracts
from app.contracts.access import VisibleContract, parties_only
from app.contracts.downloads import attachment
from app.contracts.models import Contract
from app.deps import ApiUser, SessionDep, SettingsDep
from app.errors import Forbidden
from app.evaluations import service
from app.evaluations.certificate import certificate_pdf
from app.evaluations.schemas import EvaluationCreate, EvaluationRead
from app.i18n.catalog import N_

router = APIRouter(prefix="/api/v1/contracts", tags=["evaluations"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Not for your role or side"},
    404: {"description": "No such contract (or not yours)"},
    409: {"description": "Not over yet, or already sent"},
    422: {"description": "Invalid input; `field` names it"},
}


PartyContract = Annotated[
    Contract,
    Depends(parties_only(N_("Only the newcomer and the volunteer fill in the evaluation."))),
]


def newcomer_or_staff(contract: VisibleContract, user: ApiUser) -> Contract:
    if user.role is not Role.staff and contracts.side_of(contract, user) != "newcomer":
        raise Forbidden(N_("The certificate is the newcomer's."))
    return contract


@router.post(
    "/{contract_id:int}/evaluation",
    response_model=EvaluationRead,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def submit_evaluation(
    contract: PartyContract,
    body: EvaluationCreate,
    user: ApiUser,
    session: SessionDep,
) -> EvaluationRead:
    """Your side's evaluation of a completed or early-ended contract (once)."""
    answers = service.Answers(body.overall, body.goals_met, body.would_again, body.text)
    return EvaluationRead.build(service.submit(session, contract, user, answers))


@router.get("/{contract_id:int}/evaluation", response_model=list[EvaluationRead],
            responses=_ERRORS)  # fmt: skip
def read_evaluations(
    contract: VisibleContract, user: ApiUser, session: SessionDep
) -> list[EvaluationRead]:
    """Your own evaluation (staff: both sides')."""
    return [EvaluationRead.build(e) for e in service.visible(session, contract, user)]


@router.get(
    "/{contract_id:int}/certificate.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **_ERRORS},
)
def certificate(
    contract: Annotated[Contract, Depends(newcomer_or_staff)],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The newcomer's participation certificate (completed contracts), in their language."""
    body = certificate_pdf(session, contract, city=settings.city)
    name = f"participation-certificate-{contract.id}.pdf"
    return attachment(body, "application/pdf", name)
