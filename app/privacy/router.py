"""GDPR API: one's own export and erasure request; staff export and erase a person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.deps import ApiStaff, ApiUser, SessionDep, SettingsDep
from app.errors import Invalid
from app.i18n.catalog import N_
from app.privacy import service
from app.privacy.schemas import ErasedRead, EraseIn, ErasureRead

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.get("/me/export")
def my_export(user: ApiUser, session: SessionDep) -> dict[str, Any]:
    """Everything stored about you, as JSON (GDPR Art. 15 and 20)."""
    return service.export_for(session, user, by=user)


@router.post("/me/erasure", status_code=status.HTTP_202_ACCEPTED)
def request_my_erasure(user: ApiUser, session: SessionDep) -> ErasureRead:
    """Ask for your data to be erased (GDPR Art. 17); the programme team confirms it."""
    person = service.request_own_erasure(session, user)
    return ErasureRead(
        person_id=person.id,
        erasure_requested_at=person.erasure_requested_at.isoformat()
        if person.erasure_requested_at else None,
        erased=person.erased_at is not None,
    )  # fmt: skip


@router.get("/people/{person_id}/export")
def person_export(staff: ApiStaff, session: SessionDep, person_id: int) -> dict[str, Any]:
    """Staff: everything stored about one person, as they would get it themselves (audited)."""
    person = service.person_or_404(session, person_id)
    return service.export_for(session, person.user, by=staff)


@router.post("/people/{person_id}/erase")
def erase_person(
    staff: ApiStaff, session: SessionDep, settings: SettingsDep, person_id: int, body: EraseIn
) -> ErasedRead:
    """Staff: erase one person's personal data, irreversibly (send ``{"confirm": true}``)."""
    if not body.confirm:
        raise Invalid(N_("Nothing was erased: tick the box to confirm."), field="confirm")
    person = service.person_or_404(session, person_id)
    done = service.erase(session, person, by=staff, city=settings.city)
    return ErasedRead(person_id=done.person_id, contracts_ended=done.contracts_ended,
                      panels_closed=done.panels_closed)  # fmt: skip
