"""Intake and screening records over the API (staff only)."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import ApiStaff, CityDep, SessionDep
from app.events.models import EventKind
from app.intake import service
from app.intake.schemas import (
    IntakeRecordRead,
    IntakeRecordUpdate,
    ScreeningRecordRead,
    ScreeningRecordUpdate,
)
from app.people.service import get_newcomer, get_volunteer

router = APIRouter(prefix="/api/v1", tags=["intake and screening"])


def _intake(session: SessionDep, city: CityDep, newcomer_id: int) -> IntakeRecordRead:
    rec = service.intake_record(session, newcomer_id)
    return IntakeRecordRead.model_validate({
        **{f: getattr(rec, f) for f in service.INTAKE_FIELDS}, "newcomer_id": newcomer_id,
        "missing": service.missing_intake(session, newcomer_id, city),
        "updated_at": rec.updated_at})  # fmt: skip


def _screening(session: SessionDep, city: CityDep, volunteer_id: int) -> ScreeningRecordRead:
    rec = service.screening_record(session, volunteer_id)
    return ScreeningRecordRead.model_validate({
        **{f: getattr(rec, f) for f in service.SCREENING_FIELDS}, "volunteer_id": volunteer_id,
        "info_session_attended": bool(service.attended(session, volunteer_id,
                                                       EventKind.info_session)),
        "trainings": len(service.attended(session, volunteer_id, EventKind.training)),
        "missing": service.missing_screening(session, volunteer_id, city),
        "updated_at": rec.updated_at})  # fmt: skip


@router.get("/newcomers/{newcomer_id}/intake-record", response_model=IntakeRecordRead)
def get_intake(
    newcomer_id: int, staff: ApiStaff, session: SessionDep, city: CityDep
) -> IntakeRecordRead:
    get_newcomer(session, newcomer_id)
    return _intake(session, city, newcomer_id)


@router.put("/newcomers/{newcomer_id}/intake-record", response_model=IntakeRecordRead)
def put_intake(
    newcomer_id: int, body: IntakeRecordUpdate, staff: ApiStaff, session: SessionDep,
    city: CityDep,
) -> IntakeRecordRead:  # fmt: skip
    get_newcomer(session, newcomer_id)
    service.save_intake(session, newcomer_id, body.model_dump(), staff_id=staff.id)
    return _intake(session, city, newcomer_id)


@router.get("/volunteers/{volunteer_id}/screening-record", response_model=ScreeningRecordRead)
def get_screening(
    volunteer_id: int, staff: ApiStaff, session: SessionDep, city: CityDep
) -> ScreeningRecordRead:
    get_volunteer(session, volunteer_id)
    return _screening(session, city, volunteer_id)


@router.put("/volunteers/{volunteer_id}/screening-record", response_model=ScreeningRecordRead)
def put_screening(
    volunteer_id: int, body: ScreeningRecordUpdate, staff: ApiStaff, session: SessionDep,
    city: CityDep,
) -> ScreeningRecordRead:  # fmt: skip
    get_volunteer(session, volunteer_id)
    service.save_screening(session, volunteer_id, body.model_dump(), staff_id=staff.id)
    return _screening(session, city, volunteer_id)
