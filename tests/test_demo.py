"""The demo city: deterministic, believable, valid like real registrations, and loaded only once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.auth.service import ThrottlePolicy, authenticate
from app.config import CITIES_DIR, CityProfile, load_city
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD, demo_population
from app.demo.service import load_demo
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.schemas import NewcomerCreate, VolunteerCreate
from app.people.vocabulary import SLOTS, is_language_code

MECHELEN = load_city(CITIES_DIR / "mechelen.json")
VILVOORDE = load_city(CITIES_DIR / "vilvoorde.json")
PROGRAMME_LANGUAGES = {
    "ar", "zgh", "rif", "prs", "ps", "fa", "ti", "so", "ku", "uk", "ru", "ro", "pl", "bg",
    "tr", "es", "pt", "fr", "en",
}  # fmt: skip


def test_population_is_deterministic_and_sized() -> None:
    first = demo_population(MECHELEN, today=date(2026, 11, 1))
    again = demo_population(MECHELEN, today=date(2026, 11, 1))
    assert first == again
    volunteers, newcomers = first
    assert len(volunteers) == 60
    assert len(newcomers) == 40
    assert volunteers[0].email == DEMO_LOGINS["volunteer"]
    assert newcomers[0].email == DEMO_LOGINS["newcomer"]
    emails = [p.email for p in (*volunteers, *newcomers)]
    assert len(set(emails)) == len(emails)
    names = [(p.first_name, p.last_name) for p in (*volunteers, *newcomers)]
    assert len(set(names)) == len(names)


def test_every_demo_person_passes_the_registration_schemas() -> None:
    volunteers, newcomers = demo_population(MECHELEN)
    for spec in volunteers:
        data = VolunteerCreate.model_validate(spec.payload())
        assert data.languages  # Dutch at conversational level or better is enforced by the schema
    for spec in newcomers:
        NewcomerCreate.model_validate(spec.payload())


def test_languages_cover_the_programme() -> None:
    volunteers, newcomers = demo_population(MECHELEN)
    natives = {code for p in newcomers for code, lvl in p.languages.items() if lvl == "native"}
    # Tamazight appears as Standard Moroccan Tamazight or Riffian.
    assert natives >= PROGRAMME_LANGUAGES - {"nl"}
    dutch = Counter(p.languages["nl"].value for p in newcomers)
    assert dutch["basic"] > len(newcomers) / 2, "most newcomers speak basic Dutch"
    assert all(p.languages["nl"] == "native" for p in volunteers)
    second_generation = {"ar", "rif", "tr"}
    assert sum(1 for p in volunteers if second_generation & set(p.languages)) >= 8


def _assert_valid_person(person: Person, city: CityProfile) -> None:
    assert city.contains(person.lat, person.lon), person.display_name
    assert city.neighbourhood(person.neighbourhood or "") is not None
    assert person.availability
    assert all(slot in SLOTS for slot in person.availability)
    assert person.languages
    assert all(is_language_code(lang.code) for lang in person.languages)
    assert "nl" in person.language_levels


def assert_demo_city(session: Session, city: CityProfile) -> None:
    """Shared with the CLI tests: the loaded demo city is complete and valid."""
    volunteers = list(session.scalars(select(Volunteer)))
    newcomers = list(session.scalars(select(Newcomer)))
    assert len(volunteers) == 60
    assert len(newcomers) == 40
    for person in (*volunteers, *newcomers):
        _assert_valid_person(person, city)
    vetting = Counter(v.vetting_status for v in volunteers)
    assert vetting[VettingStatus.pending] == 10
    assert vetting[VettingStatus.paused] >= 1
    assert vetting[VettingStatus.rejected] >= 1
    assert vetting[VettingStatus.approved] >= 40
    intake = Counter(n.intake_status for n in newcomers)
    assert intake[IntakeStatus.pending] >= 3
    assert intake[IntakeStatus.approved] >= 30
    # People are spread over the city, not piled on one spot.
    assert len({p.neighbourhood for p in (*volunteers, *newcomers)}) >= len(city.neighbourhoods) - 2


def test_load_demo_once(db: Session) -> None:
    summary = load_demo(db, MECHELEN)
    db.commit()
    assert summary.created
    assert summary.total_volunteers == 60
    assert summary.total_newcomers == 40
    assert_demo_city(db, MECHELEN)

    # Staff decisions went through the people service, so they are audited.
    decided = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "volunteer.vetting")
    )
    assert decided == 50  # every volunteer but the 10 still waiting
    approved = db.scalars(select(Volunteer).where(Volunteer.vetting_status == "approved")).first()
    assert approved is not None
    assert approved.vetted_at is not None
    assert approved.vetted_at > approved.created_at

    again = load_demo(db, MECHELEN)
    db.commit()
    assert not again.created
    assert (again.volunteers, again.newcomers) == (summary.volunteers, summary.newcomers)
    assert db.scalar(select(func.count()).select_from(User)) == 101


def test_demo_logins_work_for_each_role(db: Session) -> None:
    load_demo(db, MECHELEN)
    db.commit()
    for role, email in DEMO_LOGINS.items():
        user = authenticate(db, email, DEMO_PASSWORD, "127.0.0.1", ThrottlePolicy())
        assert user is not None
        assert user.role is Role(role)
    newcomer = db.scalar(
        select(Newcomer)
        .join(User, User.id == Newcomer.user_id)
        .where(User.email == DEMO_LOGINS["newcomer"])
    )
    volunteer = db.scalar(
        select(Volunteer)
        .join(User, User.id == Volunteer.user_id)
        .where(User.email == DEMO_LOGINS["volunteer"])
    )
    # The demo logins are ready to be matched, not stuck waiting for staff.
    assert newcomer is not None
    assert newcomer.intake_status is IntakeStatus.approved
    assert volunteer is not None
    assert volunteer.vetting_status is VettingStatus.approved


def test_demo_follows_the_city_profile(db: Session) -> None:
    load_demo(db, VILVOORDE)
    db.commit()
    assert_demo_city(db, VILVOORDE)
    bios = db.scalars(select(Volunteer.bio)).all()
    assert not any("Mechelen" in bio for bio in bios)
