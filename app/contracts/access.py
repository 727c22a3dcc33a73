"""Who may reach a contract through the JSON API: the dependencies the contract, meeting and
evaluation routers share.

The contract is loaded by a dependency, before the body is validated, so a stranger gets 404
whatever they send and learns nothing from validation errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from app.auth.models import User
from app.contracts import service
from app.contracts.models import Contract
from app.deps import ApiUser, SessionDep
from app.errors import Forbidden


def visible_contract(contract_id: int, user: ApiUser, session: SessionDep) -> Contract:
    """The contract if the caller may see it: their own, or any for staff (404 otherwise)."""
    return service.get_for_user(session, user, contract_id)


VisibleContract = Annotated[Contract, Depends(visible_contract)]


def parties_only(message: str) -> Callable[[Contract, User], Awaitable[Contract]]:
    """A dependency letting only the newcomer and the volunteer of the contract through; anyone
    else who can see it (staff) gets 403 with ``message``, which says what only they can do."""

    # async: no I/O (the contract's parties were loaded with it), so no thread hand-over.
    async def party_contract(contract: VisibleContract, user: ApiUser) -> Contract:
        if service.side_of(contract, user) is None:
            raise Forbidden(message)
        return contract

    return party_contract
