"""The privacy domain's entry points for routers and pages: export, erasure, consent, each
audited. The work itself is in export.py, erasure.py, consent.py and retention.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.errors import Forbidden, NotFound
from app.i18n.catalog import N_
from app.people.models import Person
from app.privacy.consent import accept, after_login, needs_consent, person_of, withdraw
from app.privacy.erasure import Erased, erase, request_erasure, waiting_erasure
from app.privacy.export import export, to_json

__all__ = [
    "Erased", "accept", "after_login", "erase", "export_for", "file_read", "needs_consent",
    "own_person", "person_of", "person_or_404", "request_own_erasure", "to_json",
    "waiting_erasure", "withdraw",
]  # fmt: skip


def person_or_404(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("No such person."))
    return person


def own_person(session: Session, user: User) -> Person:
    person = person_of(session, user)
    if person is None or person.erased_at is not None:
        raise Forbidden(N_("Only newcomers and volunteers have a profile to erase."))
    return person


def export_for(session: Session, user: User, *, by: User) -> dict[str, Any]:
    """The export of ``user``'s data, audited (who took it: the person or a staff member)."""
    person = person_of(session, user)
    subject = (person.kind.value, person.id) if person else ("user", user.id)
    data = export(session, user, full=by.role is Role.staff)
    record(session, actor_id=by.id, action="privacy.exported", subject_type=subject[0],
           subject_id=subject[1], by_staff=by.role is Role.staff)  # fmt: skip
    return data


def request_own_erasure(session: Session, user: User) -> Person:
    return request_erasure(session, own_person(session, user), by=user)


def file_read(session: Session, staff: User, person: Person) -> None:
    """A staff member opened a person's file: reads of personal data are audited too."""
    record(session, actor_id=staff.id, action="privacy.file_read",
           subject_type=person.kind.value, subject_id=person.id)  # fmt: skip
