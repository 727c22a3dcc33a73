"""Reading contracts: which side a user is on, and the contracts a user may see.

Re-exported by ``app.contracts.service``, which is the module the rest of the app imports.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defaultload, joinedload, lazyload

from app.auth.models import Role, User
from app.contracts.models import LIVE_STATUSES, Contract, ContractStatus
from app.errors import NotFound
from app.i18n.catalog import N_
from app.people.models import Newcomer, Volunteer
from app.people.queries import person_for_user


class Side:
    newcomer = "newcomer"
    volunteer = "volunteer"



def side_of(contract: Contract, user: User) -> str | None:
    """Which party ``user`` is in this contract (``None``: not a party)."""
    if contract.newcomer.user_id == user.id:
        return Side.newcomer
    if contract.volunteer.user_id == user.id:
        return Side.volunteer
    return None


def other_party_is_female(contract: Contract, user: User) -> bool:
    """Whether the other party of ``user`` is a woman: notes about them use the feminine
    wording where a language needs it (Arabic verbs, French participles)."""
    side = side_of(contract, user)
    other = contract.volunteer if side == Side.newcomer else contract.newcomer
    return side is not None and other.gender.value == "female"


# The two people come with the contract (``side_of`` needs them), but not what the mapping
# would bring along with each: their accounts (joined) and their languages (a query per
# person). The JSON API's contract routes, meeting logs among them, need neither; a page
# that shows them loads them when it reads them, one query each, as before.
_ACCESS_LOAD = (
    defaultload(Contract.newcomer).options(lazyload(Newcomer.user), lazyload(Newcomer.languages)),
    defaultload(Contract.volunteer).options(
        lazyload(Volunteer.user), lazyload(Volunteer.languages)
    ),
)


def get_for_user(session: Session, user: User, contract_id: int) -> Contract:
    """A contract the user may see: their own, or any for staff. Others' are 404 (no probing)."""
    contract = session.get(Contract, contract_id, options=_ACCESS_LOAD)
    if contract is None or (user.role is not Role.staff and side_of(contract, user) is None):
        raise NotFound(N_("No such contract."))
    return contract


def find_for_user(session: Session, user: User, contract_id: int) -> Contract | None:
    """``get_for_user`` for pages, which show their own not-found page instead of raising."""
    try:
        return get_for_user(session, user, contract_id)
    except NotFound:
        return None


def list_for_user(
    session: Session,
    user: User,
    status: ContractStatus | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[Contract]:
    """Newest first. Staff see every contract, so their lists are paged."""
    stmt = select(Contract).order_by(Contract.created_at.desc(), Contract.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    if user.role is not Role.staff:
        person = person_for_user(session, user)
        if person is None:
            return []
        newcomer = user.role is Role.newcomer
        column = Contract.newcomer_id if newcomer else Contract.volunteer_id
        # The reader's own side of each contract is ``person``, already in the session (with
        # its languages): not joined again nor its languages read again. The partners come
        # with their languages in the same round trip (a person has a few contracts).
        mine = Contract.newcomer if newcomer else Contract.volunteer
        theirs = (
            joinedload(Contract.volunteer).joinedload(Volunteer.languages)
            if newcomer
            else joinedload(Contract.newcomer).joinedload(Newcomer.languages)
        )
        stmt = stmt.where(column == person.id).options(lazyload(mine), theirs)
    if status is not None:
        stmt = stmt.where(Contract.status == status)
    return list(session.scalars(stmt).unique())


def live_contract_of_newcomer(session: Session, newcomer_id: int) -> Contract | None:
    return session.scalar(
        select(Contract).where(
            Contract.newcomer_id == newcomer_id, Contract.status.in_(LIVE_STATUSES)
        )
    )
