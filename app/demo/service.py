"""Loading the demo city into a database, once.

Every demo person passes the same schemas and city checks as a real registration, and the
staff decisions (vetting, intake, a volunteer's pause) go through the people service, so the
audit log shows a believable history. Only the account rows are inserted directly: all demo
accounts share one password, hashed once (Argon2 hashing a hundred times would take seconds).

People register, are screened and take part in the programme's history (``app.demo.history``)
in the order it happened, on one clock: a matching round in the past sees only the people who
were approved by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.config import CityProfile
from app.contracts.models import Contract
from app.demo.clock import Clock
from app.demo.generate import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoPerson,
    demo_now,
    demo_population,
)
from app.demo.history import History
from app.demo.timeline import decision_days
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
    contracts: dict[str, int] = field(default_factory=dict)

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
    contracts = session.execute(
        select(Contract.status, func.count()).group_by(Contract.status)
    ).all()
    return DemoSummary(
        created=False,
        volunteers={str(status): n for status, n in volunteers},
        newcomers={str(status): n for status, n in newcomers},
        contracts={str(status): n for status, n in contracts},
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
        "consent_version": city.privacy_notice_version,
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


def _decide(
    session: Session, person_id: int, spec: DemoPerson, staff: User, when: datetime
) -> None:
    """Staff's decision on a registration, a few days after it (the clock dates its audit)."""
    if spec.kind is PersonKind.volunteer:
        status = VettingStatus(spec.status)
        # A paused volunteer was approved first, then stepped back by their own choice.
        decision = status if status is VettingStatus.rejected else VettingStatus.approved
        volunteer = people.vet_volunteer(
            session, person_id, decision, VETTING_NOTES[decision], staff=staff
        )
        volunteer.vetted_at = when  # the service stamps the wall clock
        if status is VettingStatus.paused:
            people.set_volunteer_paused(session, volunteer, True)
    else:
        intake = IntakeStatus(spec.status)
        people.decide_intake(session, person_id, intake, INTAKE_NOTES[intake], staff=staff)


def _register(
    session: Session,
    clock: Clock,
    spec: DemoPerson,
    index: int,
    when: datetime,
    *,
    city: CityProfile,
    password_hash: str,
    staff: User,
) -> None:
    person = _insert(session, spec, city, password_hash)
    clock.keep.append(person)
    if spec.status != "pending":
        decided = spec.registered_at + timedelta(days=decision_days(index))
        clock.at(decided, partial(_decide, session, person.id, spec, staff))


def _staff_created(session: Session, staff: User, when: datetime) -> None:
    record(session, actor_id=None, action="staff.created", subject_type="user",
           subject_id=staff.id, personal={"email": staff.email}, source="demo-data")  # fmt: skip


def load_demo(session: Session, city: CityProfile, *, today: date | None = None) -> DemoSummary:
    """Fill an empty programme with the demo city and its history; a second call finds it and
    changes nothing."""
    if demo_loaded(session):
        return people_counts(session)
    now = demo_now(today)
    password_hash = hash_password(DEMO_PASSWORD)
    volunteers, newcomers = demo_population(city, now=now)
    people_ = [*volunteers, *newcomers]
    opened = min(p.registered_at for p in people_) - timedelta(days=30)
    staff = User(
        email=DEMO_LOGINS["staff"], password_hash=password_hash, role=Role.staff, locale="en",
        created_at=opened, totp_secret=DEMO_TOTP_SECRET, totp_enabled_at=opened,
    )  # fmt: skip
    session.add(staff)
    session.flush()
    clock = Clock(session, now)
    clock.at(opened, partial(_staff_created, session, staff))
    for index, spec in enumerate(people_):
        clock.at(spec.registered_at, partial(
            _register, session, clock, spec, index,
            city=city, password_hash=password_hash, staff=staff,
        ))  # fmt: skip
    History(session, city, staff, clock, DEMO_LOGINS).schedule()
    clock.run()
    session.flush()
    counts = people_counts(session)
    return DemoSummary(
        created=True,
        volunteers=counts.volunteers,
        newcomers=counts.newcomers,
        contracts=counts.contracts,
    )
