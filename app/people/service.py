"""Registering newcomers and volunteers, their own profile changes; staff decisions are in
``screening`` and re-exported here, so this module is the people domain's one entry point.

Every function validates all its input before adding anything to the session, so a refused
request leaves nothing behind even before the request's rollback. Staff actions are written
to the audit log in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.phones import normalise_phone
from app.auth.service import create_user
from app.config import CityProfile
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n.catalog import N_
from app.people.models import (
    IntakeStatus,
    Newcomer,
    Person,
    PersonLanguage,
    VettingStatus,
    Volunteer,
)
from app.people.queries import person_for_user as person_for_user
from app.people.schemas import (
    LanguageIn,
    LocationIn,
    NewcomerCreate,
    NewcomerUpdate,
    VolunteerCreate,
    VolunteerUpdate,
)

# Staff screening lives in its own module; re-exported so callers need import only this one.
from app.people.screening import (
    INTAKE_TRANSITIONS,
    VETTING_TRANSITIONS,
    decide_intake,
    get_newcomer,
    get_volunteer,
    list_newcomers,
    list_volunteers,
    vet_volunteer,
)

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
        "consent_version": city.privacy_notice_version,
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
    # At the desk no password staff have seen may stay valid: the account gets one nobody
    # knows, and the newcomer chooses their own with a printed one-time code.
    password = secrets.token_urlsafe(32) if by_staff is not None else data.password
    # Without an email address (desk only), the phone number is the login name.
    login_phone = None
    if data.email is None and data.phone:
        login_phone = normalise_phone(data.phone, city.country)
        fields["phone"] = login_phone
    user = create_user(
        session, email=str(data.email) if data.email else None, password=password,
        role=Role.newcomer, locale=locale, avoid=(data.first_name, data.last_name, city.name),
        phone=login_phone,
    )  # fmt: skip
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
            personal={"email": user.email} if user.email else {"phone": user.phone},
        )
    return newcomer


def register_volunteer(session: Session, data: VolunteerCreate, *, city: CityProfile) -> Volunteer:
    fields = _person_fields(data, city)
    locale = check_locale(city, data.locale)
    user = create_user(
        session, email=str(data.email), password=data.password, role=Role.volunteer, locale=locale,
        avoid=(data.first_name, data.last_name, city.name),
    )  # fmt: skip
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


__all__ = [
    "INTAKE_TRANSITIONS",
    "VETTING_TRANSITIONS",
    "check_locale",
    "decide_intake",
    "get_newcomer",
    "get_volunteer",
    "list_newcomers",
    "list_volunteers",
    "person_for_user",
    "register_newcomer",
    "register_volunteer",
    "resolve_location",
    "set_volunteer_paused",
    "update_profile",
    "vet_volunteer",
]
