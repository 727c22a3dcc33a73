"""Check-ins JSON API: a pair's meetings, confirmation, worries, and the pair's progress.

The contract or check-in is loaded by a dependency, before the body is validated: someone
else's record is 404 whatever they send.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from app.auth.models import Role, User
from app.checkins import queries, service
from app.checkins.models import Checkin
from app.checkins.schemas import (
    CheckinCreate,
    CheckinRead,
    CheckinUpdate,
    ConfirmIn,
    ProgressRead,
    ResolveIn,
)
from app.contracts.access import VisibleContract, parties_only
from app.contracts.models import Contract
from app.deps import ApiStaff, ApiUser, SessionDep, SettingsDep
from app.errors import Forbidden, Invalid
from app.i18n.catalog import N_

router = APIRouter(prefix="/api/v1", tags=["meetings"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Not allowed for your role or side"},
    404: {"description": "No such contract or meeting (or not yours)"},
    409: {"description": "Same day already logged, too late to change, your own log…"},
    422: {"description": "Invalid input; `field` names it"},
}


def visible_checkin(checkin_id: int, user: ApiUser, session: SessionDep) -> Checkin:
    return queries.get_for_user(session, user, checkin_id)


async def party_checkin(
    checkin: Annotated[Checkin, Depends(visible_checkin)], user: ApiUser
) -> Checkin:
    if user.role is Role.staff:
        raise Forbidden(N_("Only the newcomer and the volunteer can confirm their meetings."))
    return checkin


PartyContract = Annotated[
    Contract,
    Depends(parties_only(N_("Only the newcomer and the volunteer can log their meetings."))),
]
VisibleCheckin = Annotated[Checkin, Depends(visible_checkin)]
PartyCheckin = Annotated[Checkin, Depends(party_checkin)]


def _read(checkin: Checkin, user: User) -> CheckinRead:
    staff = user.role is Role.staff
    # A worry is for the staff: its author sees it, the other side of the pair does not.
    return CheckinRead.build(
        checkin, staff=staff, show_concern=staff or checkin.logged_by_id == user.id
    )


@router.post(
    "/contracts/{contract_id:int}/checkins",
    response_model=CheckinRead,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
def log_checkin(
    contract: PartyContract,
    body: CheckinCreate,
    user: ApiUser,
    session: SessionDep,
    settings: SettingsDep,
) -> CheckinRead:
    """Log a meeting (either side). ``concern``: null, or ``{"reason": "…"}`` to ask staff."""
    data = service.CheckinData(
        met_on=body.met_on,
        minutes=body.minutes,
        activities=body.activities,
        note=body.note,
        concern=body.concern.reason if body.concern else None,
    )
    checkin = service.log(session, contract, user, data, city=settings.city)
    return _read(checkin, user)


@router.get(
    "/contracts/{contract_id:int}/checkins", response_model=list[CheckinRead], responses=_ERRORS
)
def list_checkins(
    contract: VisibleContract, user: ApiUser, session: SessionDep
) -> list[CheckinRead]:
    """The pair's meetings, newest first."""
    return [_read(c, user) for c in queries.list_for_contract(session, contract.id)]


@router.get("/contracts/{contract_id:int}/progress", response_model=ProgressRead, responses=_ERRORS)
def contract_progress(
    contract: VisibleContract, user: ApiUser, session: SessionDep, settings: SettingsDep
) -> ProgressRead:
    """Confirmed hours, adherence, streak and at-risk (definitions: app/checkins/rules.py)."""
    p = queries.progress(session, contract, city=settings.city)
    staff = user.role is Role.staff
    return ProgressRead(
        contract_id=p.contract_id,
        meetings=p.meetings,
        waiting_for_confirmation=p.waiting_for_confirmation,
        confirmed_minutes=p.confirmed_minutes,
        confirmed_hours=p.confirmed_hours,
        participation_goal_hours=p.goal_hours,
        goal_percent=p.goal_percent,
        periods_completed=p.periods_completed,
        adherence=p.adherence,
        streak=p.streak,
        at_risk=p.at_risk if staff else None,
        open_concerns=p.open_concerns if staff else None,
        last_met_on=p.last_met_on,
    )


@router.get("/checkins/{checkin_id:int}", response_model=CheckinRead, responses=_ERRORS)
def get_checkin(checkin: VisibleCheckin, user: ApiUser) -> CheckinRead:
    return _read(checkin, user)


@router.patch("/checkins/{checkin_id:int}", response_model=CheckinRead, responses=_ERRORS)
def update_checkin(
    checkin: VisibleCheckin,
    body: CheckinUpdate,
    user: ApiUser,
    session: SessionDep,
    settings: SettingsDep,
) -> CheckinRead:
    """Change a meeting you logged, within 7 days. Changing its date or minutes asks your
    buddy to confirm again."""
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "concern":
            changes[name] = value.reason if value is not None else None
        elif value is None:
            raise Invalid(N_("This field is required."), field=name)
        else:
            changes[name] = value
    return _read(service.update(session, checkin, user, changes, city=settings.city), user)


@router.delete(
    "/checkins/{checkin_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS
)
def delete_checkin(checkin: VisibleCheckin, user: ApiUser, session: SessionDep) -> Response:
    """Delete a meeting you logged, within 7 days (staff: any). An audit entry keeps it."""
    service.delete(session, checkin, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/checkins/{checkin_id:int}/confirm", response_model=CheckinRead, responses=_ERRORS)
def confirm_checkin(
    checkin: PartyCheckin, body: ConfirmIn, user: ApiUser, session: SessionDep
) -> CheckinRead:
    """The other side answers: ``{"happened": true}`` confirms, ``false`` means it did not
    happen (it then counts for nothing)."""
    return _read(service.answer(session, checkin, user, body.happened), user)


@router.post(
    "/checkins/{checkin_id:int}/resolve-concern", response_model=CheckinRead, responses=_ERRORS
)
def resolve_concern(
    checkin_id: int, body: ResolveIn, user: ApiStaff, session: SessionDep
) -> CheckinRead:
    """Staff close a worry flag after acting on it."""
    checkin = queries.get_for_user(session, user, checkin_id)
    return _read(service.resolve_concern(session, checkin, user, body.note), user)
