"""JSON API for registration, one's own profile, and staff screening of newcomers/volunteers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import throttle
from app.auth.models import Role, User
from app.auth.router import client_ip
from app.db import utcnow
from app.deps import ApiStaff, ApiUser, CityDep, MaybeApiUser, SessionDep, SettingsDep
from app.i18n.catalog import N_
from app.people import service
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.schemas import (
    IntakeDecision,
    MeRead,
    NeighbourhoodRead,
    NewcomerCreate,
    NewcomerRead,
    NewcomerStaffRead,
    NewcomerUpdate,
    Page,
    UserRead,
    VettingDecision,
    VolunteerCreate,
    VolunteerRead,
    VolunteerStaffRead,
    VolunteerUpdate,
)
from app.programme.one_person import state_of_newcomer, state_of_volunteer

router = APIRouter(prefix="/api/v1", tags=["people"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not authenticated"},
    403: {"description": "Wrong role"},
}
_STAFF: dict[int | str, dict[str, Any]] = {**_AUTH, 404: {"description": "No such record"}}


# Role checks as dependencies, so a refused caller gets 403 before the body is even validated.
def visitor_or_staff(user: MaybeApiUser) -> User | None:
    if user is not None and user.role is not Role.staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=N_("You already have an account."))
    return user


def visitor_only(user: MaybeApiUser) -> None:
    if user is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=N_("You already have an account."))


def profile_read(person: object) -> NewcomerRead | VolunteerRead:
    if isinstance(person, Newcomer):
        return NewcomerRead.model_validate(person)
    return VolunteerRead.model_validate(person)


# --- public --------------------------------------------------------------------------------


@router.get("/neighbourhoods", response_model=list[NeighbourhoodRead])
def neighbourhoods(city: CityDep) -> list[NeighbourhoodRead]:
    """The city's neighbourhoods, for the ``location`` of a profile."""
    return [NeighbourhoodRead.model_validate(n.model_dump()) for n in city.neighbourhoods]


@router.post(
    "/newcomers",
    status_code=status.HTTP_201_CREATED,
    response_model=NewcomerRead,
    responses={
        401: {"description": "A bearer token was sent but is not valid"},
        403: {"description": "Already logged in with a non-staff account"},
        409: {"description": "Email already registered"},
    },
)
def register_newcomer(
    request: Request,
    data: NewcomerCreate,
    session: SessionDep,
    settings: SettingsDep,
    city: CityDep,
    user: Annotated[User | None, Depends(visitor_or_staff)],
) -> NewcomerRead:
    """Self-registration (intake pending). With a **staff** bearer token, staff register a
    newcomer on their behalf at the welcome desk: intake is approved and the action audited;
    the password sent is then ignored (staff must not know it): the newcomer chooses their own
    with a one-time code from the desk's page. Registrations are limited per address."""
    if user is None:
        throttle.check_registration(session, client_ip(request), settings.registration_max_per_hour)
    newcomer = service.register_newcomer(session, data, city=city, by_staff=user)
    return NewcomerRead.model_validate(newcomer)


@router.post(
    "/volunteers",
    dependencies=[Depends(visitor_only)],
    status_code=status.HTTP_201_CREATED,
    response_model=VolunteerRead,
    responses={
        401: {"description": "A bearer token was sent but is not valid"},
        403: {"description": "Called while logged in"},
        409: {"description": "Email already registered"},
    },
)
def register_volunteer(
    request: Request,
    data: VolunteerCreate,
    session: SessionDep,
    settings: SettingsDep,
    city: CityDep,
) -> VolunteerRead:
    """Self-registration of a volunteer; screening (vetting) is pending until staff decide.
    Volunteers must speak Dutch at least at conversational level. Registrations are limited
    per address."""
    throttle.check_registration(session, client_ip(request), settings.registration_max_per_hour)
    return VolunteerRead.model_validate(service.register_volunteer(session, data, city=city))


# --- own profile ---------------------------------------------------------------------------


@router.get("/me", response_model=MeRead, responses=_AUTH)
def me(user: ApiUser, session: SessionDep) -> MeRead:
    """The account and, for newcomers and volunteers, their profile (``null`` for staff)."""
    person = service.person_for_user(session, user)
    return MeRead(
        user=UserRead.model_validate(user),
        profile=profile_read(person) if person is not None else None,
        programme_state=_state(session, person),
    )


def _state(session: Session, person: Person | None) -> str | None:
    now = utcnow()
    if isinstance(person, Newcomer):
        return state_of_newcomer(session, person, now).value
    if isinstance(person, Volunteer):
        return state_of_volunteer(session, person, now).value
    return None


def _update_schema(model: type[NewcomerUpdate | VolunteerUpdate]) -> dict[str, Any]:
    # The nested models (LanguageIn, LocationIn…) are already components via the create schemas.
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


@router.patch(
    "/me",
    response_model=MeRead,
    responses={**_AUTH, 422: {"description": "Invalid field"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [_update_schema(NewcomerUpdate), _update_schema(VolunteerUpdate)]
                    }
                }
            },
        }
    },
)
def update_me(
    user: ApiUser,
    session: SessionDep,
    city: CityDep,
    body: Annotated[dict[str, Any], Body()],
) -> MeRead:
    """Partial update of one's own profile and site ``locale``: newcomers send
    ``NewcomerUpdate`` fields, volunteers ``VolunteerUpdate`` fields. Email, role, statuses and
    consent cannot be changed here. Send ``null`` only to clear ``phone`` or ``arrived_on``."""
    person = service.person_for_user(session, user)
    if person is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=N_("Staff accounts have no profile."))
    schema = NewcomerUpdate if isinstance(person, Newcomer) else VolunteerUpdate
    try:
        data = schema.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    service.update_profile(session, person, data, city=city)
    return MeRead(
        user=UserRead.model_validate(user),
        profile=profile_read(person),
        programme_state=_state(session, person),
    )


def _own_volunteer(user: User, session: SessionDep) -> Volunteer:
    person = service.person_for_user(session, user)
    if not isinstance(person, Volunteer):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=N_("Only volunteers can do this."))
    return person


@router.post(
    "/me/pause",
    response_model=VolunteerRead,
    responses={**_AUTH, 409: {"description": "Not approved (yet)"}},
)
def pause(user: ApiUser, session: SessionDep) -> VolunteerRead:
    """Volunteers only: stop being proposed to newcomers for now (approved → paused)."""
    volunteer = service.set_volunteer_paused(session, _own_volunteer(user, session), True)
    return VolunteerRead.model_validate(volunteer)


@router.post(
    "/me/resume",
    response_model=VolunteerRead,
    responses={**_AUTH, 409: {"description": "Not paused and not approved"}},
)
def resume(user: ApiUser, session: SessionDep) -> VolunteerRead:
    """Volunteers only: be proposed again (paused → approved)."""
    volunteer = service.set_volunteer_paused(session, _own_volunteer(user, session), False)
    return VolunteerRead.model_validate(volunteer)


# --- staff ---------------------------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Search = Annotated[str | None, Query(max_length=100, description="Words in name or email")]
R = TypeVar("R", bound=BaseModel)


def _page(read: type[R], found: tuple[Sequence[Person], int], limit: int, offset: int) -> Page[R]:
    """One page of a staff list, each row read through ``read`` (``Page[read]`` is built at run
    time, which mypy cannot follow)."""
    items, total = found
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(x) for x in items], total=total, limit=limit, offset=offset
    )


@router.get("/volunteers", response_model=Page[VolunteerStaffRead], responses=_AUTH)
def list_volunteers(
    staff: ApiStaff,
    session: SessionDep,
    status_: Annotated[VettingStatus | None, Query(alias="status")] = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VolunteerStaffRead]:
    found = service.list_volunteers(session, status=status_, q=q, limit=limit, offset=offset)
    return _page(VolunteerStaffRead, found, limit, offset)


@router.get("/volunteers/{volunteer_id}", response_model=VolunteerStaffRead, responses=_STAFF)
def get_volunteer(staff: ApiStaff, session: SessionDep, volunteer_id: int) -> VolunteerStaffRead:
    """One volunteer's file (the read is audited)."""
    volunteer = service.get_volunteer(session, volunteer_id)
    record(session, actor_id=staff.id, action="privacy.file_read", subject_type="volunteer",
           subject_id=volunteer.id)  # fmt: skip
    return VolunteerStaffRead.model_validate(volunteer)


@router.post(
    "/volunteers/{volunteer_id}/vetting",
    response_model=VolunteerStaffRead,
    responses={**_STAFF, 409: {"description": "Decision does not fit the current status"}},
)
def vet_volunteer(
    staff: ApiStaff, session: SessionDep, city: CityDep, volunteer_id: int,
    data: VettingDecision,
) -> VolunteerStaffRead:  # fmt: skip
    """Approve or reject a volunteer after screening (audited). Allowed: pending → approved or
    rejected; approved or paused → rejected; rejected → approved."""
    volunteer = service.vet_volunteer(
        session, volunteer_id, data.decision, data.note, staff=staff, city=city
    )
    return VolunteerStaffRead.model_validate(volunteer)


@router.get("/newcomers", response_model=Page[NewcomerStaffRead], responses=_AUTH)
def list_newcomers(
    staff: ApiStaff,
    session: SessionDep,
    status_: Annotated[IntakeStatus | None, Query(alias="status")] = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NewcomerStaffRead]:
    found = service.list_newcomers(session, status=status_, q=q, limit=limit, offset=offset)
    return _page(NewcomerStaffRead, found, limit, offset)


@router.get("/newcomers/{newcomer_id}", response_model=NewcomerStaffRead, responses=_STAFF)
def get_newcomer(staff: ApiStaff, session: SessionDep, newcomer_id: int) -> NewcomerStaffRead:
    """One newcomer's file (the read is audited)."""
    newcomer = service.get_newcomer(session, newcomer_id)
    record(session, actor_id=staff.id, action="privacy.file_read", subject_type="newcomer",
           subject_id=newcomer.id)  # fmt: skip
    return NewcomerStaffRead.model_validate(newcomer)


@router.post(
    "/newcomers/{newcomer_id}/intake",
    response_model=NewcomerStaffRead,
    responses={**_STAFF, 409: {"description": "Decision does not fit the current status"}},
)
def decide_intake(
    staff: ApiStaff, session: SessionDep, city: CityDep, newcomer_id: int,
    data: IntakeDecision,
) -> NewcomerStaffRead:  # fmt: skip
    """Record the intake outcome (audited). Allowed: pending → approved or rejected;
    approved → rejected; rejected → approved."""
    newcomer = service.decide_intake(session, newcomer_id, data.decision, data.note, staff=staff,
                                     city=city)
    return NewcomerStaffRead.model_validate(newcomer)
