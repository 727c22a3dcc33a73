"""Loading the demo city into a database, once.

Every demo person passes the same schemas and city checks as a real registration, and the
staff decisions (vetting, intake, a volunteer's pause) go through the people service, so the
audit log shows a believable history. Only the account rows are inserted directly: all demo
accounts share one password, hashed once (Argon2 hashing a hundred times would take seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.audit.service import record
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.config import CityProfile
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD, DemoPerson, demo_population
from app.people import service as people
from app.people.models import (
    IntakeStatus,
    Newcomer,
    Person,
    PersonKind,
    PersonLanguage,
    VettingStatus,
    Volunteer,
)
from app.people.schemas import NewcomerCreate, VolunteerCreate

VETTING_NOTES = {
    VettingStatus.approved: "Intake talk went well; references checked.",
    VettingStatus.rejected: "Not a good fit for the programme at this time.",
}
INTAKE_NOTES = {
    IntakeStatus.approved: "Intake talk done; motivated, follows Dutch lessons.",
    IntakeStatus.rejected: "Lives outside the region; referred to the local programme there.",
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    volunteers: dict[str, int]
    newcomers: dict[str, int]

    @property
    def total_volunteers(self) -> int:
        return sum(self.volunteers.values())

    @property
    def total_newcomers(self) -> int:
        return sum(self.newcomers.values())


def demo_loaded(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email == DEMO_LOGINS["staff"])) is not None


def people_counts(session: Session) -> DemoSummary:
    volunteers = session.execute(
        select(Volunteer.vetting_status, func.count()).group_by(Volunteer.vetting_status)
    ).all()
    newcomers = session.execute(
        select(Newcomer.intake_status, func.count()).group_by(Newcomer.intake_status)
    ).all()
    return DemoSummary(
        created=False,
        volunteers={str(status): n for status, n in volunteers},
        newcomers={str(status): n for status, n in newcomers},
    )


def _insert(session: Session, spec: DemoPerson, city: CityProfile, password_hash: str) -> Person:
    """Validate like a registration, then insert with the shared password hash."""
    data: NewcomerCreate | VolunteerCreate
    person: Person
    if spec.kind is PersonKind.newcomer:
        data = NewcomerCreate.model_validate(spec.payload())
        role = Role.newcomer
    else:
        data = VolunteerCreate.model_validate(spec.payload())
        role = Role.volunteer
    neighbourhood, lat, lon = people.resolve_location(city, data.location)
    user = User(
        email=str(data.email).lower(),
        password_hash=password_hash,
        role=role,
        locale=people.check_locale(city, data.locale),
        created_at=spec.registered_at,
    )
    fields = {
        "user": user,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "year_of_birth": data.year_of_birth,
        "gender": data.gender,
        "buddy_gender": data.buddy_gender,
        "phone": data.phone,
        "neighbourhood": neighbourhood,
        "lat": lat,
        "lon": lon,
        "availability": data.availability,
        "interests": data.interests,
        "goals": [goal.value for goal in data.goals],
        "consent_at": spec.registered_at,
        "created_at": spec.registered_at,
        "updated_at": spec.registered_at,
        "languages": [PersonLanguage(code=lang.code, level=lang.level) for lang in data.languages],
    }
    if isinstance(data, NewcomerCreate):
        person = Newcomer(
            arrived_on=data.arrived_on,
            civic_integration=data.civic_integration,
            note=data.note,
            waiting_since=spec.registered_at,
            **fields,
        )
    else:
        person = Volunteer(bio=data.bio, max_buddies=data.max_buddies, **fields)
    session.add(person)
    session.flush()
    return person


def _backdate(session: Session, person: Person, spec: DemoPerson, days: int) -> None:
    """Staff decided a few days after registration, not at the moment the demo was loaded."""
    when = spec.registered_at + timedelta(days=days)
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.subject_type == spec.kind.value, AuditEntry.subject_id == person.id
        )
    )
    for entry in entries:
        entry.created_at = when
    if isinstance(person, Volunteer) and person.vetted_at is not None:
        person.vetted_at = when


def _decide(session: Session, person: Person, spec: DemoPerson, staff: User) -> None:
    if isinstance(person, Volunteer):
        status = VettingStatus(spec.status)
        if status is VettingStatus.pending:
            return
        # A paused volunteer was approved first, then stepped back by their own choice.
        decision = status if status is VettingStatus.rejected else VettingStatus.approved
        people.vet_volunteer(session, person.id, decision, VETTING_NOTES[decision], staff=staff)
        if status is VettingStatus.paused:
            people.set_volunteer_paused(session, person, True)
    elif isinstance(person, Newcomer):
        intake = IntakeStatus(spec.status)
        if intake is IntakeStatus.pending:
            return
        people.decide_intake(session, person.id, intake, INTAKE_NOTES[intake], staff=staff)
    _backdate(session, person, spec, days=(person.id % 6) + 2)


def load_demo(session: Session, city: CityProfile, *, today: date | None = None) -> DemoSummary:
    """Fill an empty programme with the demo city; a second call finds it and changes nothing."""
    if demo_loaded(session):
        return people_counts(session)
    password_hash = hash_password(DEMO_PASSWORD)
    staff = User(
        email=DEMO_LOGINS["staff"], password_hash=password_hash, role=Role.staff, locale="en"
    )
    session.add(staff)
    session.flush()
    record(session, actor_id=None, action="staff.created", subject_type="user",
           subject_id=staff.id, email=staff.email, source="demo-data")  # fmt: skip
    volunteers, newcomers = demo_population(city, today=today)
    for spec in [*volunteers, *newcomers]:
        person = _insert(session, spec, city, password_hash)
        _decide(session, person, spec, staff)
    session.flush()
    counts = people_counts(session)
    return DemoSummary(created=True, volunteers=counts.volunteers, newcomers=counts.newcomers)
