"""Staff follow-up calls API (staff only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.contracts import service as contracts
from app.deps import ApiStaff, SessionDep, SettingsDep
from app.followup import service
from app.followup.schemas import CallCreate, CallRead, CallsRead

router = APIRouter(prefix="/api/v1/contracts", tags=["follow-up"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Staff only"},
    404: {"description": "No such contract"},
    409: {"description": "The contract has not started"},
    422: {"description": "Invalid input; `field` names it"},
}


@router.post(
    "/{contract_id:int}/calls",
    response_model=CallRead,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def record_call(
    contract_id: int, body: CallCreate, user: ApiStaff, session: SessionDep, settings: SettingsDep
) -> CallRead:
    """Record a follow-up call with a pair (two are expected: by the 1/3 and 2/3 marks)."""
    contract = contracts.get_for_user(session, user, contract_id)
    call = service.record_call(
        session, contract, user, called_on=body.called_on, kind=body.kind, note=body.note,
        city=settings.city,
    )  # fmt: skip
    return CallRead.build(call)


@router.get("/{contract_id:int}/calls", response_model=CallsRead, responses=_ERRORS)
def list_calls(
    contract_id: int, user: ApiStaff, session: SessionDep, settings: SettingsDep
) -> CallsRead:
    contract = contracts.get_for_user(session, user, contract_id)
    calls = service.list_calls(session, contract.id)
    plan = service.schedule(contract, calls, city=settings.city)
    return CallsRead(
        contract_id=contract.id,
        calls=[CallRead.build(c) for c in calls],
        first_due_on=plan.first_due_on,
        second_due_on=plan.second_due_on,
        calls_missing=plan.missing,
    )
