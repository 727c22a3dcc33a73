"""After the contract's months: the one extension (both sign) and "carrying on as friends".

The rules are plain functions in rules.py; here each change is one conditional UPDATE that
re-states them in its WHERE clause, so two requests racing (both accept, an accept against the
other's withdrawal, an accept against the completing tick) cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.contracts import rules
from app.contracts.models import Contract, ContractStatus
from app.contracts.queries import side_of
from app.contracts.rules import ExtensionEvent, ExtensionFacts
from app.db import utcnow
from app.errors import Conflict, Forbidden
from app.i18n.catalog import N_
from app.notifications import extensions as notifications

_contracts = cast(Table, Contract.__table__)
_CHANGED = N_("This contract changed meanwhile; please look again.")


def facts(contract: Contract) -> ExtensionFacts:
    return ExtensionFacts(
        status=contract.status,
        end=contract.end_date,
        extended_months=contract.extended_months,
        proposed_by=contract.extension_proposed_by if contract.extension_pending else None,
    )


def allowed_now(contract: Contract, side: str | None, city: CityProfile, now: datetime) -> set[str]:
    """The extension events ``side`` may do now (for the contract page's forms)."""
    if side is None:
        return set()
    today = rules.local_date(now, city.timezone)
    return {
        e.value for e in ExtensionEvent
        if rules.extension_allowed(facts(contract), e, side, today,
                                   window_weeks=city.extension_window_weeks,
                                   months=city.extension_months)
    }  # fmt: skip


def page_facts(
    contract: Contract, side: str | None, city: CityProfile, now: datetime
) -> dict[str, Any]:
    """What the contract page shows of the extension and of carrying on as friends."""
    allowed = allowed_now(contract, side, city, now)
    proposer = contract.extension_proposed_by if contract.extension_pending else None
    return {
        "extension": {
            "months": city.extension_months,
            "can_propose": "propose" in allowed,
            "can_accept": "accept" in allowed,
            "can_decline": "decline" in allowed,
            "mine": proposer is not None and proposer == side,
            "theirs": proposer is not None and proposer != side,
        },
        "carrying_on": {
            "can_say": side is not None and rules.can_say_carrying_on(contract.status),
            "mine": side is not None and getattr(contract, f"{side}_carrying_on_at") is not None,
            "theirs": side is not None and getattr(
                contract, f"{'volunteer' if side == 'newcomer' else 'newcomer'}_carrying_on_at"
            ) is not None,
        },
    }


def _check(
    contract: Contract, user: User, event: ExtensionEvent, city: CityProfile, now: datetime
) -> str:
    side = side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the two people in this contract can extend it."))
    today = rules.local_date(now, city.timezone)
    refusal = rules.extension_refusal(
        facts(contract), event, side, today,
        window_weeks=city.extension_window_weeks, months=city.extension_months,
    )  # fmt: skip
    if refusal is not None:
        raise refusal
    return side


def _changed(
    session: Session, contract: Contract, result: Any, recheck: Callable[[], object] | None = None
) -> None:
    """After the conditional UPDATE: re-read the row; if another request got there first, say
    why with the rules' own message on the fresh state (``recheck``), else a general one."""
    session.refresh(contract)
    if cast(Any, result).rowcount != 1:
        if recheck is not None:
            recheck()
        raise Conflict(_CHANGED)


def _waiting() -> Any:
    c = _contracts.c
    return (c.status == ContractStatus.active.value, c.extended_months == 0)


def propose(
    session: Session, contract: Contract, user: User, *, city: CityProfile,
    now: datetime | None = None,
) -> Contract:  # fmt: skip
    """One side proposes (and so signs) the extension; the other side is told."""
    now = now or utcnow()
    side = _check(contract, user, ExtensionEvent.propose, city, now)
    c = _contracts.c
    result = session.execute(
        update(_contracts)
        .where(c.id == contract.id, *_waiting(), c.end_date == contract.end_date,
               c.extension_proposed_at.is_(None))
        .values(extension_proposed_by=side, extension_proposed_at=now, updated_at=now)
    )  # fmt: skip
    _changed(session, contract, result,
             lambda: _check(contract, user, ExtensionEvent.propose, city, now))  # fmt: skip
    record(session, actor_id=user.id, action="contract.extension_proposed",
           subject_type="contract", subject_id=contract.id, side=side)  # fmt: skip
    notifications.queue_extension_proposed(session, contract)
    return contract


def accept(
    session: Session, contract: Contract, user: User, *, city: CityProfile,
    now: datetime | None = None,
) -> Contract:  # fmt: skip
    """The second signature: the end date moves by the city's extension months, once."""
    now = now or utcnow()
    side = _check(contract, user, ExtensionEvent.accept, city, now)
    old_end = contract.end_date
    assert old_end is not None  # an active contract is dated (rules checked it)
    months = city.extension_months
    c = _contracts.c
    result = session.execute(
        update(_contracts)
        .where(c.id == contract.id, *_waiting(), c.end_date == old_end,
               c.extension_proposed_by == contract.extension_proposed_by,
               c.extension_proposed_at == contract.extension_proposed_at,
               c.extension_accepted_at.is_(None))
        .values(extension_accepted_at=now, extended_months=months, extended_from=old_end,
                end_date=rules.extended_end(old_end, months), updated_at=now)
    )  # fmt: skip
    _changed(session, contract, result,
             lambda: _check(contract, user, ExtensionEvent.accept, city, now))  # fmt: skip
    record(session, actor_id=user.id, action="contract.extended", subject_type="contract",
           subject_id=contract.id, side=side, months=months)  # fmt: skip
    notifications.queue_extension_agreed(session, contract)
    return contract


def decline(
    session: Session, contract: Contract, user: User, *, city: CityProfile,
    now: datetime | None = None,
) -> Contract:  # fmt: skip
    """Either side takes a waiting proposal back (withdraw or "no, thank you")."""
    now = now or utcnow()
    side = _check(contract, user, ExtensionEvent.decline, city, now)
    proposer = contract.extension_proposed_by
    c = _contracts.c
    result = session.execute(
        update(_contracts)
        .where(c.id == contract.id, *_waiting(),
               c.extension_proposed_at == contract.extension_proposed_at,
               c.extension_accepted_at.is_(None))
        .values(extension_proposed_by=None, extension_proposed_at=None, updated_at=now)
    )  # fmt: skip
    _changed(session, contract, result,
             lambda: _check(contract, user, ExtensionEvent.decline, city, now))  # fmt: skip
    action = "withdrawn" if proposer == side else "declined"
    record(session, actor_id=user.id, action=f"contract.extension_{action}",
           subject_type="contract", subject_id=contract.id, side=side)  # fmt: skip
    return contract


def say_carrying_on(
    session: Session, contract: Contract, user: User, carrying_on: bool,
    *, now: datetime | None = None,
) -> Contract:  # fmt: skip
    """Either side says (or takes back) that the pair carries on as friends after the end."""
    side = side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the newcomer and the volunteer can say this."))
    if not rules.can_say_carrying_on(contract.status):
        raise Conflict(N_("You can say this once the contract is completed."))
    now = now or utcnow()
    column = f"{side}_carrying_on_at"
    c = _contracts.c
    result = session.execute(
        update(_contracts)
        .where(c.id == contract.id, c.status == ContractStatus.completed.value)
        # The first time it was said is kept when it is said again.
        .values({column: func.coalesce(c[column], now) if carrying_on else None,
                 "updated_at": now})
    )
    _changed(session, contract, result)
    record(session, actor_id=user.id, action="contract.carrying_on", subject_type="contract",
           subject_id=contract.id, side=side, carrying_on=carrying_on)  # fmt: skip
    return contract
