"""The contract's lifecycle as plain functions: no database, no HTTP, easy to test.

    pending ──second signature──▶ active ──end date reached──▶ completed
       │  └─volunteer declines──▶ declined        └──ended early (either side, staff)──▶ ended_early
       └──ended early (either side, staff)──▶ ended_early
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.contracts.models import ContractStatus
from app.errors import Conflict, Invalid
from app.i18n.catalog import N_


class ContractEvent(StrEnum):
    first_signature = "first_signature"
    second_signature = "second_signature"
    decline = "decline"
    end_early = "end_early"
    complete = "complete"


_TRANSITIONS: dict[tuple[ContractStatus, ContractEvent], ContractStatus] = {
    (ContractStatus.pending, ContractEvent.first_signature): ContractStatus.pending,
    (ContractStatus.pending, ContractEvent.second_signature): ContractStatus.active,
    (ContractStatus.pending, ContractEvent.decline): ContractStatus.declined,
    (ContractStatus.pending, ContractEvent.end_early): ContractStatus.ended_early,
    (ContractStatus.active, ContractEvent.end_early): ContractStatus.ended_early,
    (ContractStatus.active, ContractEvent.complete): ContractStatus.completed,
}

# Why an event is refused, per event: the message the reader sees (409).
_REFUSALS: dict[ContractEvent, str] = {
    ContractEvent.first_signature: N_("This contract can no longer be signed."),
    ContractEvent.second_signature: N_("This contract can no longer be signed."),
    ContractEvent.decline: N_("Only a contract waiting for signatures can be declined."),
    ContractEvent.end_early: N_("This contract has already ended."),
    ContractEvent.complete: N_("Only an active contract can be completed."),
}


def allowed(state: ContractStatus, event: ContractEvent) -> bool:
    return (state, event) in _TRANSITIONS


def contract_transition(state: ContractStatus, event: ContractEvent) -> ContractStatus:
    """The state after ``event``; ``Conflict`` (409) if the event is not allowed now."""
    try:
        return _TRANSITIONS[(state, event)]
    except KeyError:
        raise Conflict(_REFUSALS[event]) from None


def sources(event: ContractEvent) -> tuple[ContractStatus, ...]:
    """The states from which ``event`` is allowed (for conditional UPDATEs)."""
    return tuple(s for (s, e) in _TRANSITIONS if e is event)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def end_date(start: date, months: int) -> date:
    return add_months(start, months)


def start_date(second_signature_on: date, requested: date | None) -> date:
    """The pair starts on the day the contract becomes active, or later if they asked so."""
    return max(second_signature_on, requested) if requested else second_signature_on


def signature_problems(full_name: str, start_on: date | None, today: date) -> list[Invalid]:
    """Everything wrong with a signature at once (a form shows each beside its field)."""
    problems = []
    if len(" ".join(full_name.split())) < 2:
        problems.append(Invalid(N_("Type your full name to sign."), field="full_name"))
    if start_on is not None and start_on < today:
        problems.append(Invalid(N_("The start date cannot be in the past."), field="start_date"))
    return problems


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar day in the city: a signature at 00:30 in Mechelen is that day, not UTC's."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def is_due_to_complete(state: ContractStatus, end: date | None, today: date) -> bool:
    return state is ContractStatus.active and end is not None and end <= today


def contact_visible(state: ContractStatus) -> bool:
    """Contact details are shared only once both have signed, and hidden again if it ended
    early (a pair that stopped should not keep the other's phone number on screen)."""
    return state in (ContractStatus.active, ContractStatus.completed)
