"""Registering newcomers and volunteers, their own profile changes, and staff decisions.

Every function validates all its input before adding anything to the session, so a refused
request leaves nothing behind even before the request's rollback. Staff decisions are written
to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.service import create_user
from app.config import CityProfile
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n.catalog import N_
from app.people.models import (
    IntakeStatus,
    Newcomer,
    Person,
    PersonLanguage,
    VettingStatus,
    Volunteer,
)
from app.people.schemas import (
    LanguageIn,
    LocationIn,
    NewcomerCreate,
    NewcomerUpdate,
    VolunteerCreate,
    VolunteerUpdate,
)

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


# --- validation helpers --------------------------------------------------------------------


def resolve_location(city: CityProfile, location: LocationIn) -> tuple[str, float, float]:
    """``(neighbourhood id, lat, lon)``: a neighbourhood stands for its centre; a point is kept
    and filed under its nearest neighbourhood so staff can still group people by area."""
    if location.neighbourhood:
        found = city.neighbourhood(location.neighbourhood)
        if found is None:
            raise Invalid(N_("Unknown neighbourhood."), field="location")
        return found.id, found.lat, found.lon
    # Both are present: the schema refuses a half-given point.
    assert location.lat is not None
    assert location.lon is not None
    if not city.contains(location.lat, location.lon):
        raise Invalid(
            N_("This place lies outside %(city)s."), field="location", city=city.name
        )
    nearest = city.nearest_neighbourhood(location.lat, location.lon)
    return nearest.id, location.lat, location.lon


def check_locale(city: CityProfile, locale: str | None) -> str:
    if locale is None:
        return city.default_locale
    if locale not in city.locales:
        raise Invalid(N_("This site language is not offered."), field="locale")
    return locale


def _set_languages(person: Person, languages: Sequence[LanguageIn]) -> None:
    """Update the rows in place: re-adding a row with the same (person, code) key in one flush
    would collide with the row being deleted."""
    wanted = {lang.code: lang.level for lang in languages}
    for row in list(person.languages):
        if row.code in wanted:
            row.level = wanted.pop(row.code)
        else:
            person.languages.remove(row)
    for code, level in wanted.items():
        person.languages.append(PersonLanguage(code=code, level=level))


def _person_fields(data: NewcomerCreate | VolunteerCreate, city: CityProfile) -> dict[str, Any]:
    neighbourhood, lat, lon = resolve_location(city, data.location)
    return {
        "first_name": data.first_name,
        "last_name": data.last_name,
        "year_of_birth": data.year_of_birth,
        "gender": data.gender,
        "buddy_gender": data.buddy_gender,
        "phone": data.phone or None,
        "neighbourhood": neighbourhood,
        "lat": lat,
        "lon": lon,
        "availability": list(data.availability),
        "interests": list(data.interests),
        "goals": [goal.value for goal in data.goals],
        "consent_at": utcnow(),
    }


# --- registration --------------------------------------------------------------------------


def register_newcomer(
    session: Session,
    data: NewcomerCreate,
    *,
    city: CityProfile,
    by_staff: User | None = None,
) -> Newcomer:
    """Self-registration waits for an intake talk; a newcomer registered by staff at the
    welcome desk has had that talk, so their intake is approved at once (and audited)."""
    fields = _person_fields(data, city)
    locale = check_locale(city, data.locale)
    user = create_user(
        session, email=str(data.email), password=data.password, role=Role.newcomer, locale=locale
    )
    newcomer = Newcomer(
        user=user,
        arrived_on=data.arrived_on,
        civic_integration=data.civic_integration,
        note=data.note,
        intake_status=IntakeStatus.approved if by_staff else IntakeStatus.pending,
        **fields,
    )
    _set_languages(newcomer, data.languages)
    session.add(newcomer)
    session.flush()
    if by_staff is not None:
        record(
            session,
            actor_id=by_staff.id,
            action="newcomer.registered_by_staff",
            subject_type="newcomer",
            subject_id=newcomer.id,
            email=user.email,
        )
    return newcomer


def register_volunteer(session: Session, data: VolunteerCreate, *, city: CityProfile) -> Volunteer:
    fields = _person_fields(data, city)
    locale = check_locale(city, data.locale)
    user = create_user(
        session, email=str(data.email), password=data.password, role=Role.volunteer, locale=locale
    )
    volunteer = Volunteer(
        user=user,
        bio=data.bio,
        max_buddies=data.max_buddies,
        vetting_status=VettingStatus.pending,
        **fields,
    )
    _set_languages(volunteer, data.languages)
    session.add(volunteer)
    session.flush()
    return volunteer


# --- own profile ---------------------------------------------------------------------------


def person_for_user(session: Session, user: User) -> Person | None:
    """The user's newcomer or volunteer profile (``None`` for staff)."""
    model: type[Person]
    if user.role is Role.newcomer:
        model = Newcomer
    elif user.role is Role.volunteer:
        model = Volunteer
    else:
        return None
    return session.scalar(select(model).where(model.user_id == user.id))


def update_profile(
    session: Session,
    person: Person,
    data: NewcomerUpdate | VolunteerUpdate,
    *,
    city: CityProfile,
) -> Person:
    """Apply a partial update. Status, email, role and consent are not editable here."""
    expected = NewcomerUpdate if isinstance(person, Newcomer) else VolunteerUpdate
    if not isinstance(data, expected):
        raise Invalid(N_("These fields do not fit this kind of profile."))
    changes = data.changes()
    # Check everything first so a refused update changes nothing.
    location = changes.pop("location", None)
    resolved = resolve_location(city, location) if location is not None else None
    locale = check_locale(city, changes.pop("locale")) if "locale" in changes else None
    languages = changes.pop("languages", None)
    # Lowering capacity below the buddies already promised would break live agreements.
    committed = int(getattr(person, "committed_buddies", 0) or 0)
    if "max_buddies" in changes and changes["max_buddies"] < committed:
        raise Invalid(
            N_("You already have %(count)s buddies; choose at least that many."),
            field="max_buddies",
            count=committed,
        )

    if resolved is not None:
        person.neighbourhood, person.lat, person.lon = resolved
    if locale is not None:
        person.user.locale = locale
    if languages is not None:
        _set_languages(person, languages)
    for name, value in changes.items():
        if name == "goals":
            value = [goal.value for goal in value]
        setattr(person, name, value)
    person.updated_at = utcnow()
    session.flush()
    return person


def set_volunteer_paused(session: Session, volunteer: Volunteer, paused: bool) -> Volunteer:
    """The volunteer's own choice to stop (or start again) being proposed to newcomers.

    Repeating the current choice is harmless (a double-submitted form); pausing before
    approval, or after rejection, is refused.
    """
    target = VettingStatus.paused if paused else VettingStatus.approved
    if volunteer.vetting_status is target:
        return volunteer
    source = VettingStatus.approved if paused else VettingStatus.paused
    if volunteer.vetting_status is not source:
        raise Conflict(
            N_("Only an approved volunteer can pause or resume."), field="vetting_status"
        )
    volunteer.vetting_status = target
    session.flush()
    return volunteer


# --- staff ---------------------------------------------------------------------------------


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
) -> Volunteer:
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
        note=note,
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
    newcomer.intake_status = decision
    record(
        session,
        actor_id=staff.id,
        action="newcomer.intake",
        subject_type="newcomer",
        subject_id=newcomer.id,
        previous=previous.value,
        decision=decision.value,
        note=note,
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


def _page(
    session: Session, stmt: Select[Any], model: type[P], limit: int, offset: int
) -> tuple[list[P], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(
        stmt.order_by(model.created_at, model.id).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total or 0)


def list_volunteers(
    session: Session,
    *,
    status: VettingStatus | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Volunteer], int]:
    """Oldest first, so the screening queue is worked through in order of arrival."""
    stmt = select(Volunteer).join(User, User.id == Volunteer.user_id)
    if status is not None:
        stmt = stmt.where(Volunteer.vetting_status == status)
    return _page(session, _search(stmt, Volunteer, q), Volunteer, limit, offset)


def list_newcomers(
    session: Session,
    *,
    status: IntakeStatus | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Newcomer], int]:
    stmt = select(Newcomer).join(User, User.id == Newcomer.user_id)
    if status is not None:
        stmt = stmt.where(Newcomer.intake_status == status)
    return _page(session, _search(stmt, Newcomer, q), Newcomer, limit, offset)
