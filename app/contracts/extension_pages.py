"""The contract page's forms for the one extension (propose, accept, decline or withdraw) and
for "we will carry on as friends". Plain forms, no JavaScript: each posts, then redirects back
to the contract page with a note; a refusal shows the page again with the message."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import CityProfile
from app.contracts import extension, service
from app.contracts.models import Contract
from app.contracts.pages import refused_on_contract_page
from app.deps import CityDep, PageUser, SessionDep
from app.errors import DomainError
from app.web.templating import not_found, redirect

router = APIRouter(include_in_schema=False)

Change = Callable[[Session, Contract, User], object]


def _apply(
    request: Request, session: Session, user: User, city: CityProfile, contract_id: int,
    change: Change, done: str, field: str,
) -> Response:  # fmt: skip
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    try:
        change(session, contract, user)
    except DomainError as exc:
        exc.field = field  # shown at the top of the form it came from
        return refused_on_contract_page(request, session, user, contract_id, city, exc, {},
                                        field)  # fmt: skip
    anchor = "carrying-on" if field == "carrying_on" else "extension"
    return redirect(f"/contracts/{contract_id}?done={done}#{anchor}")


@router.post("/contracts/{contract_id:int}/extension")
def propose(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    return _apply(request, session, user, city, contract_id,
                  lambda s, c, u: extension.propose(s, c, u, city=city),
                  "proposed", "extension")  # fmt: skip


@router.post("/contracts/{contract_id:int}/extension/accept")
def accept(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    return _apply(request, session, user, city, contract_id,
                  lambda s, c, u: extension.accept(s, c, u, city=city),
                  "extended", "extension")  # fmt: skip


@router.post("/contracts/{contract_id:int}/extension/decline")
def decline(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    return _apply(request, session, user, city, contract_id,
                  lambda s, c, u: extension.decline(s, c, u, city=city),
                  "withdrawn", "extension")  # fmt: skip


@router.post("/contracts/{contract_id:int}/carrying-on")
def carrying_on(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep,
    carrying_on: str = Form(""),
) -> Response:  # fmt: skip
    """``carrying_on=yes`` says it, anything else takes it back."""
    return _apply(request, session, user, city, contract_id,
                  lambda s, c, u: extension.say_carrying_on(s, c, u, carrying_on == "yes"),
                  "carrying_on", "carrying_on")  # fmt: skip
