"""Staff follow-up calls: recording them, and whether a pair is owed one.

The schedule (two calls, due by the 1/3 and 2/3 marks of the contract) is defined in
``app.checkins.rules.calls_missing``; ``missing_calls`` applies it to one contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.checkins import events, rules
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.followup.models import CallKind, StaffCall
from app.i18n.catalog import N_

NOTE_MAX = 4000


def list_calls(session: Session, contract_id: int) -> list[StaffCall]:
    stmt = (
        select(StaffCall)
        .where(StaffCall.contract_id == contract_id)
        .order_by(StaffCall.called_on, StaffCall.id)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class CallSchedule:
    first_due_on: date | None
    second_due_on: date | None
    missing: int


def schedule(
    contract: Contract, calls: list[StaffCall], *, city: CityProfile, today: date | None = None
) -> CallSchedule:
    """Where the contract stands against the two expected calls; nothing is owed to a pair
    that has not started, and nothing more once it is over."""
    if contract.start_date is None or contract.end_date is None:
        return CallSchedule(None, None, 0)
    first, second = rules.call_marks(contract.start_date, contract.end_date)
    if contract.status is not ContractStatus.active:
        return CallSchedule(first, second, 0)
    today = today or local_date(utcnow(), city.timezone)
    missing = rules.calls_missing(
        contract.start_date, contract.end_date, [c.called_on for c in calls], today
    )
    return CallSchedule(first, second, missing)


def record_call(
    session: Session,
    contract: Contract,
    user: User,
    *,
    called_on: date,
    kind: CallKind,
    note: str = "",
    city: CityProfile,
    now: datetime | None = None,
) -> StaffCall:
    if user.role is not Role.staff:
        raise Forbidden(N_("Only staff can do this."))
    if contract.status in (ContractStatus.pending, ContractStatus.declined):
        raise Conflict(N_("Calls are recorded once the contract has started."))
    now = now or utcnow()
    if called_on > local_date(now, city.timezone):
        raise Invalid(N_("The date of the call cannot be in the future."), field="called_on")
    if contract.start_date is not None and called_on < contract.start_date:
        raise Invalid(
            N_("The call cannot be before the contract started (%(start)s)."),
            field="called_on", start=contract.start_date,  # a date: shown in the reader's format
        )  # fmt: skip
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Invalid(N_("This field is too long."), field="note")
    call = StaffCall(
        contract_id=contract.id, staff_id=user.id, called_on=called_on, kind=kind, note=note,
        created_at=now,
    )  # fmt: skip
    session.add(call)
    session.flush()
    record(
        session, actor_id=user.id, action="staff_call.recorded", subject_type="contract",
        subject_id=contract.id, call_id=call.id, called_on=called_on.isoformat(),
        kind=kind.value,
    )  # fmt: skip
    events.publish(
        session, "staff_call.recorded", call_id=call.id, contract_id=contract.id,
        by_user_id=user.id,
    )  # fmt: skip
    return call
