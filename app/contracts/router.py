"""Contracts JSON API: own contracts (staff: all), signing, declining, ending, PDF and ICS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from app.auth.models import Role, User
from app.auth.router import client_ip
from app.contracts import extension, service
from app.contracts.access import VisibleContract, parties_only
from app.contracts.downloads import ics_download, pdf_download
from app.contracts.models import Contract, ContractStatus
from app.contracts.schemas import CarryingOnIn, ContractRead, DeclineIn, EndIn, SignIn
from app.deps import ApiUser, SessionDep, SettingsDep
from app.errors import Forbidden
from app.i18n.catalog import N_

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Not a party to this contract"},
    404: {"description": "No such contract (or not yours)"},
    409: {"description": "Not allowed in the contract's current state"},
    422: {"description": "Invalid input"},
}


def volunteer_contract(contract: VisibleContract, user: ApiUser) -> Contract:
    if service.side_of(contract, user) != service.Side.volunteer:
        raise Forbidden(N_("Only the volunteer can decline this contract."))
    return contract


PartyContract = Annotated[
    Contract, Depends(parties_only(N_("Only the two people in this contract can sign it.")))
]


def read(contract: Contract, user: User) -> ContractRead:
    return ContractRead.build(
        contract, side=service.side_of(contract, user), staff=user.role is Role.staff
    )


@router.get("", response_model=list[ContractRead])
def list_contracts(
    user: ApiUser,
    session: SessionDep,
    state: ContractStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ContractRead]:
    """Your contracts, newest first; staff see every contract, optionally only those in one
    ``state`` (paged with ``limit`` and ``offset``)."""
    found = service.list_for_user(session, user, state, limit=limit, offset=offset)
    return [read(c, user) for c in found]


@router.get("/{contract_id:int}.pdf", responses={200: {"content": {"application/pdf": {}}}})
def contract_pdf(contract: VisibleContract, request: Request, settings: SettingsDep) -> Response:
    return pdf_download(contract, city=settings.city, locale=request.state.locale)


@router.get("/{contract_id:int}.ics", responses={200: {"content": {"text/calendar": {}}}})
def contract_ics(contract: VisibleContract, request: Request, settings: SettingsDep) -> Response:
    return ics_download(contract, settings=settings, locale=request.state.locale)


@router.get("/{contract_id:int}", response_model=ContractRead, responses=_ERRORS)
def get_contract(contract: VisibleContract, user: ApiUser) -> ContractRead:
    return read(contract, user)


@router.post("/{contract_id:int}/sign", response_model=ContractRead, responses=_ERRORS)
def sign_contract(
    contract: PartyContract,
    body: SignIn,
    request: Request,
    user: ApiUser,
    session: SessionDep,
    settings: SettingsDep,
) -> ContractRead:
    """Sign with your full name. The contract becomes active with the second signature."""
    signature = service.Signature(body.full_name, client_ip(request), body.start_date)
    return read(service.sign(session, contract, user, signature, city=settings.city), user)


@router.post("/{contract_id:int}/decline", response_model=ContractRead, responses=_ERRORS)
def decline_contract(
    contract: Annotated[Contract, Depends(volunteer_contract)],
    body: DeclineIn,
    user: ApiUser,
    session: SessionDep,
) -> ContractRead:
    """The volunteer turns down a pending contract; the newcomer gets their panel back."""
    return read(service.decline(session, contract, user, body.reason), user)


@router.post(
    "/{contract_id:int}/end",
    response_model=ContractRead,
    status_code=status.HTTP_200_OK,
    responses=_ERRORS,
)
def end_contract(
    contract: VisibleContract, body: EndIn, user: ApiUser, session: SessionDep
) -> ContractRead:
    """End early (either side or staff), with a reason from the fixed list and a note."""
    return read(service.end_early(session, contract, user, body.reason, body.note), user)


# --- after the contract's months: the one extension, and carrying on as friends -------------

ExtendingContract = Annotated[
    Contract, Depends(parties_only(N_("Only the two people in this contract can extend it.")))
]
SayingContract = Annotated[
    Contract, Depends(parties_only(N_("Only the newcomer and the volunteer can say this.")))
]


@router.post("/{contract_id:int}/extension", response_model=ContractRead, responses=_ERRORS)
def propose_extension(
    contract: ExtendingContract, user: ApiUser, session: SessionDep, settings: SettingsDep
) -> ContractRead:
    """Propose (and so sign) the one extension, in the last weeks before the end date; the
    other side is told and accepts or declines it. 409 outside the window or when the contract
    was already extended."""
    return read(extension.propose(session, contract, user, city=settings.city), user)


@router.post("/{contract_id:int}/extension/accept", response_model=ContractRead,
             responses=_ERRORS)  # fmt: skip
def accept_extension(
    contract: ExtendingContract, user: ApiUser, session: SessionDep, settings: SettingsDep
) -> ContractRead:
    """The other side's signature: the end date moves by the city's extension months."""
    return read(extension.accept(session, contract, user, city=settings.city), user)


@router.post("/{contract_id:int}/extension/decline", response_model=ContractRead,
             responses=_ERRORS)  # fmt: skip
def decline_extension(
    contract: ExtendingContract, user: ApiUser, session: SessionDep, settings: SettingsDep
) -> ContractRead:
    """Take a waiting proposal back: the proposer withdraws it, the other side says no."""
    return read(extension.decline(session, contract, user, city=settings.city), user)


@router.put("/{contract_id:int}/carrying-on", response_model=ContractRead, responses=_ERRORS)
def carrying_on(
    contract: SayingContract, body: CarryingOnIn, user: ApiUser, session: SessionDep
) -> ContractRead:
    """Your side says (``true``) or takes back (``false``) that you carry on as friends after
    a completed contract."""
    return read(extension.say_carrying_on(session, contract, user, body.carrying_on), user)
