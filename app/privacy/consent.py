"""Consent to the city's privacy notice: which version, when; a new version is asked for again
at the next login; withdrawing consent starts erasure (app/privacy/erasure.py)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow
from app.people.models import Person
from app.privacy.erasure import request_erasure

CONSENT_PAGE = "/privacy/consent"


def person_of(session: Session, user: User) -> Person | None:
    return session.scalar(select(Person).where(Person.user_id == user.id))


def needs_consent(person: Person | None, city: CityProfile) -> bool:
    """A newcomer or volunteer who has not accepted the current notice (staff have no profile)."""
    return (
        person is not None
        and person.erased_at is None
        and person.consent_version != city.privacy_notice_version
    )


def after_login(session: Session, user: User, city: CityProfile, next_url: str) -> str:
    """Where a fresh login goes: the notice first, if there is a new version to accept."""
    if needs_consent(person_of(session, user), city):
        return f"{CONSENT_PAGE}?{urlencode({'next': next_url})}"
    return next_url


def accept(session: Session, person: Person, city: CityProfile,
           now: datetime | None = None) -> Person:  # fmt: skip
    person.consent_version = city.privacy_notice_version
    person.consent_at = now or utcnow()
    record(session, actor_id=person.user_id, action="privacy.consent_accepted",
           subject_type=person.kind.value, subject_id=person.id,
           version=city.privacy_notice_version)  # fmt: skip
    session.flush()
    return person


def withdraw(session: Session, person: Person, user: User) -> Person:
    """Without consent there is no lawful basis to keep the profile: erasure is requested."""
    record(session, actor_id=user.id, action="privacy.consent_withdrawn",
           subject_type=person.kind.value, subject_id=person.id)  # fmt: skip
    return request_erasure(session, person, by=user, withdrawn_consent=True)
