"""Staff screening: vetting volunteers, deciding newcomers' intake, and the searchable lists.

Re-exported by ``app.people.service``, which is the module the rest of the app imports.
Every decision is written to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n.catalog import N_
from app.intake.service import check_can_approve
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.programme.states import NewcomerState, VolunteerState, newcomers_in, volunteers_in

P = TypeVar("P", bound=Person)

# Which staff decisions make sense from which state. A paused volunteer is approved but has
# stepped back; staff may still withdraw the approval, but "approving" them again would silently
# override the volunteer's own choice, so it is refused.
VETTING_TRANSITIONS: dict[VettingStatus, frozenset[VettingStatus]] = {
    VettingStatus.pending: frozenset({VettingStatus.approved, VettingStatus.rejected}),
    VettingStatus.approved: frozenset({VettingStatus.rejected}),
    VettingStatus.rejected: frozenset({VettingStatus.approved}),
    VettingStatus.paused: frozenset({VettingStatus.rejected}),
}
INTAKE_TRANSITIONS: dict[IntakeStatus, frozenset[IntakeStatus]] = {
    IntakeStatus.pending: frozenset({IntakeStatus.approved, IntakeStatus.rejected}),
    IntakeStatus.approved: frozenset({IntakeStatus.rejected}),
    IntakeStatus.rejected: frozenset({IntakeStatus.approved}),
}


def get_volunteer(session: Session, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("No such volunteer."))
    return volunteer


def get_newcomer(session: Session, newcomer_id: int) -> Newcomer:
    newcomer = session.get(Newcomer, newcomer_id)
    if newcomer is None:
        raise NotFound(N_("No such newcomer."))
    return newcomer


def vet_volunteer(
    session: Session,
    volunteer_id: int,
    decision: VettingStatus,
    note: str,
    *,
    staff: User,
    city: CityProfile | None = None,
) -> Volunteer:
    """``city``: when given, approval requires its screening checklist items."""
    if decision not in (VettingStatus.approved, VettingStatus.rejected):
        raise Invalid(N_("Choose approve or reject."), field="decision")
    volunteer = get_volunteer(session, volunteer_id)
    previous = volunteer.vetting_status
    if decision not in VETTING_TRANSITIONS[previous]:
        raise Conflict(
            N_("This volunteer's screening is already %(status)s."),
            field="decision",
            status=previous.value,
        )
    if decision is VettingStatus.approved and city is not None:
        check_can_approve(session, volunteer, city)
    volunteer.vetting_status = decision
    volunteer.vetting_note = note
    volunteer.vetted_at = utcnow()
    volunteer.vetted_by_id = staff.id
    record(
        session,
        actor_id=staff.id,
        action="volunteer.vetting",
        subject_type="volunteer",
        subject_id=volunteer.id,
        previous=previous.value,
        decision=decision.value,
        personal={"note": note},
    )
    session.flush()
    return volunteer


def decide_intake(
    session: Session,
    newcomer_id: int,
    decision: IntakeStatus,
    note: str,
    *,
    staff: User,
    city: CityProfile | None = None,
) -> Newcomer:
    """Record the outcome of the intake talk. The note lives in the audit log (the newcomer
    model has no column for it), which is where staff look for the history of a decision."""
    if decision not in (IntakeStatus.approved, IntakeStatus.rejected):
        raise Invalid(N_("Choose approve or reject."), field="decision")
    newcomer = get_newcomer(session, newcomer_id)
    previous = newcomer.intake_status
    if decision not in INTAKE_TRANSITIONS[previous]:
        raise Conflict(
            N_("This newcomer's intake is already %(status)s."),
            field="decision",
            status=previous.value,
        )
    if decision is IntakeStatus.approved and city is not None:
        check_can_approve(session, newcomer, city)
    newcomer.intake_status = decision
    record(
        session,
        actor_id=staff.id,
        action="newcomer.intake",
        subject_type="newcomer",
        subject_id=newcomer.id,
        previous=previous.value,
        decision=decision.value,
        personal={"note": note},
    )
    session.flush()
    return newcomer


def _search(stmt: Select[Any], model: type[P], q: str | None) -> Select[Any]:
    """Every word of ``q`` must appear in the first name, last name or email (any case).

    ``lower() LIKE`` rather than ``ILIKE`` so SQLite and PostgreSQL behave the same; wildcards
    typed by the user are escaped.
    """
    for word in (q or "").split():
        term = word.lower()
        stmt = stmt.where(
            or_(
                func.lower(model.first_name).contains(term, autoescape=True),
                func.lower(model.last_name).contains(term, autoescape=True),
                User.email.contains(term, autoescape=True),
            )
        )
    return stmt


def _listing(
    session: Session,
    model: type[P],
    status_is: ColumnElement[bool] | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[P], int]:
    """One page of a staff list, oldest first, so the screening queue is worked through in
    order of arrival; with the total for the pager."""
    stmt = _search(select(model).join(User, User.id == model.user_id), model, q)
    if status_is is not None:
        stmt = stmt.where(status_is)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(
        stmt.order_by(model.created_at, model.id).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total or 0)


def list_volunteers(
    session: Session,
    *,
    status: VettingStatus | None = None,
    state: VolunteerState | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Volunteer], int]:
    """``state`` is the programme state (app/programme/states.py): the lists behind the
    staff pages' numbers."""
    conditions = []
    if status is not None:
        conditions.append(Volunteer.vetting_status == status)
    if state is not None:
        conditions.append(volunteers_in(state, utcnow()))
    status_is = and_(*conditions) if conditions else None
    return _listing(session, Volunteer, status_is, q, limit, offset)


def list_newcomers(
    session: Session,
    *,
    status: IntakeStatus | None = None,
    state: NewcomerState | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Newcomer], int]:
    conditions = []
    if status is not None:
        conditions.append(Newcomer.intake_status == status)
    if state is not None:
        conditions.append(newcomers_in(state, utcnow()))
    status_is = and_(*conditions) if conditions else None
    return _listing(session, Newcomer, status_is, q, limit, offset)
