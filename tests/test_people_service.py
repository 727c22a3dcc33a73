"""People service and schemas: registration, profile updates, staff decisions, search."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.audit.service import entries_for
from app.auth.models import Role, User
from app.config import CityProfile, Settings
from app.errors import Conflict, Invalid, NotFound
from app.people import service
from app.people.models import IntakeStatus, Newcomer, Person, PersonLanguage, VettingStatus
from app.people.schemas import (
    NewcomerCreate,
    NewcomerUpdate,
    VolunteerCreate,
    VolunteerUpdate,
)
from app.people.vocabulary import Level
from tests.factories import make_newcomer, make_staff, make_volunteer

P = TypeVar("P", bound=Person)


@pytest.fixture
def city() -> CityProfile:
    return Settings().city


def person_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": "Amina.Haddad@Example.org",
        "password": "a long enough secret",
        "first_name": "Amina",
        "last_name": "Haddad",
        "year_of_birth": 1992,
        "gender": "female",
        "buddy_gender": "same",
        "languages": [{"code": "ar", "level": "native"}, {"code": "nl", "level": "basic"}],
        "availability": ["sat-morning", "mon-evening"],
        "location": {"neighbourhood": "nekkerspoel"},
        "interests": ["cooking"],
        "goals": ["dutch", "paperwork"],
        "consent": True,
    }
    data.update(overrides)
    return data


def volunteer_data(**overrides: Any) -> dict[str, Any]:
    base = person_data(
        email="jan@example.org",
        first_name="Jan",
        last_name="Peeters",
        gender="male",
        languages=[{"code": "nl", "level": "native"}, {"code": "fr", "level": "fluent"}],
        bio="Retired teacher.",
        max_buddies=2,
    )
    base.update(overrides)
    return base


def count(db: Session, model: type[Any]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


# --- schemas -------------------------------------------------------------------------------


def errors_of(model: type[Any], data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return {str(e["loc"][0]): str(e["msg"]) for e in info.value.errors()}


def test_schema_normalises_slots_codes_interests_and_goals() -> None:
    data = NewcomerCreate.model_validate(
        person_data(
            availability=["sun-evening", "mon-morning", "sun-evening"],
            languages=[{"code": " AR ", "level": "native"}, {"code": "nl", "level": "basic"}],
            interests=["Football", " football ", "", "music"],
            goals=["work", "dutch", "work"],
        )
    )
    assert data.availability == ["mon-morning", "sun-evening"]
    assert [lang.code for lang in data.languages] == ["ar", "nl"]
    assert data.interests == ["football", "music"]  # listed interests become their keys
    assert [g.value for g in data.goals] == ["dutch", "work"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"year_of_birth": date.today().year - 17}, "year_of_birth", "adults"),
        ({"year_of_birth": 1850}, "year_of_birth", "year of birth"),
        ({"availability": ["mon-night"]}, "availability", "Unknown time slot"),
        ({"availability": []}, "availability", "at least 1"),
        ({"languages": [{"code": "xx1", "level": "basic"}]}, "languages", "Unknown language"),
        ({"languages": [{"code": "nl", "level": "expert"}]}, "languages", "Input should be"),
        ({"languages": [{"code": "ar", "level": "native"}]}, "languages", "Dutch"),
        (
            {"languages": [{"code": "nl", "level": "basic"}, {"code": "nl", "level": "fluent"}]},
            "languages",
            "only once",
        ),
        ({"consent": False}, "consent", "privacy notice"),
        ({"location": {"lat": 51.0}}, "location", "both latitude and longitude"),
        (
            {"location": {"neighbourhood": "battel", "lat": 51.0, "lon": 4.4}},
            "location",
            "not both",
        ),
        ({"email": "not-an-email"}, "email", "email"),
        ({"role": "staff"}, "role", "Extra inputs"),
        ({"arrived_on": "2999-01-01"}, "arrived_on", "future"),
    ],
)
def test_newcomer_schema_refuses(overrides: dict[str, Any], field: str, message: str) -> None:
    errors = errors_of(NewcomerCreate, person_data(**overrides))
    assert field in errors
    assert message.lower() in errors[field].lower()


def test_volunteers_need_conversational_dutch() -> None:
    errors = errors_of(
        VolunteerCreate, volunteer_data(languages=[{"code": "nl", "level": "basic"}])
    )
    assert "conversational" in errors["languages"]
    ok = VolunteerCreate.model_validate(
        volunteer_data(languages=[{"code": "nl", "level": "conversational"}])
    )
    assert ok.max_buddies == 2
    assert "max_buddies" in errors_of(VolunteerCreate, volunteer_data(max_buddies=6))


def test_update_schema_refuses_null_except_for_clearable_fields() -> None:
    assert "first_name" in errors_of(NewcomerUpdate, {"first_name": None})
    data = NewcomerUpdate.model_validate({"phone": None, "arrived_on": None})
    assert data.changes() == {"phone": None, "arrived_on": None}
    assert "vetting_status" in errors_of(VolunteerUpdate, {"vetting_status": "approved"})
    assert "email" in errors_of(NewcomerUpdate, {"email": "x@example.org"})


# --- registration --------------------------------------------------------------------------


def test_self_registered_newcomer_waits_for_intake(db: Session, city: CityProfile) -> None:
    newcomer = service.register_newcomer(
        db, NewcomerCreate.model_validate(person_data()), city=city
    )
    db.commit()
    db.expire_all()
    stored = db.get(Newcomer, newcomer.id)
    assert stored is not None
    assert stored.intake_status is IntakeStatus.pending
    assert stored.user.email == "amina.haddad@example.org"
    assert stored.user.role is Role.newcomer
    assert stored.user.locale == city.default_locale
    assert stored.language_levels == {"ar": Level.native, "nl": Level.basic}
    centre = city.neighbourhood("nekkerspoel")
    assert centre is not None
    assert (stored.neighbourhood, stored.lat, stored.lon) == ("nekkerspoel", centre.lat, centre.lon)
    assert stored.consent_at is not None
    assert stored.consent_at.tzinfo is not None
    assert stored.goals == ["dutch", "paperwork"]
    assert count(db, AuditEntry) == 0


def test_point_location_is_kept_and_filed_under_nearest_neighbourhood(
    db: Session, city: CityProfile
) -> None:
    data = NewcomerCreate.model_validate(person_data(location={"lat": 51.0452, "lon": 4.4771}))
    newcomer = service.register_newcomer(db, data, city=city)
    assert (newcomer.lat, newcomer.lon) == (51.0452, 4.4771)
    assert newcomer.neighbourhood == "mechelen-noord"


def test_newcomer_registered_by_staff_is_approved_and_audited(
    db: Session, city: CityProfile
) -> None:
    staff = make_staff(db)
    data = NewcomerCreate.model_validate(person_data())
    newcomer = service.register_newcomer(db, data, city=city, by_staff=staff)
    assert newcomer.intake_status is IntakeStatus.approved
    (entry,) = entries_for(db, "newcomer", newcomer.id)
    assert entry.actor_id == staff.id
    assert entry.action == "newcomer.registered_by_staff"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"location": {"neighbourhood": "atlantis"}}, "location"),
        ({"location": {"lat": 50.85, "lon": 4.35}}, "location"),  # Brussels
        ({"locale": "de"}, "locale"),
        ({"password": "password12"}, "password"),
        ({"password": "short"}, "password"),
    ],
)
def test_registration_refusals_store_nothing(
    db: Session, city: CityProfile, overrides: dict[str, Any], field: str
) -> None:
    data = NewcomerCreate.model_validate(person_data(**overrides))
    with pytest.raises(Invalid) as info:
        service.register_newcomer(db, data, city=city)
    assert info.value.field == field
    assert count(db, User) == 0
    assert count(db, Person) == 0


def test_duplicate_email_is_a_conflict_whatever_the_case(db: Session, city: CityProfile) -> None:
    make_volunteer(db, email="amina.haddad@example.org")
    data = NewcomerCreate.model_validate(person_data(email="AMINA.HADDAD@example.ORG"))
    with pytest.raises(Conflict) as info:
        service.register_newcomer(db, data, city=city)
    assert info.value.field == "email"
    assert count(db, Newcomer) == 0


def test_volunteer_registration_is_pending(db: Session, city: CityProfile) -> None:
    data = VolunteerCreate.model_validate(volunteer_data(locale="fr"))
    volunteer = service.register_volunteer(db, data, city=city)
    assert volunteer.vetting_status is VettingStatus.pending
    assert volunteer.max_buddies == 2
    assert volunteer.bio == "Retired teacher."
    assert volunteer.user.locale == "fr"
    assert volunteer.user.role is Role.volunteer
    assert service.person_for_user(db, volunteer.user) is volunteer


def test_person_for_staff_is_none(db: Session) -> None:
    assert service.person_for_user(db, make_staff(db)) is None


# --- own profile ---------------------------------------------------------------------------


def test_update_profile_changes_only_what_is_sent(db: Session, city: CityProfile) -> None:
    newcomer = make_newcomer(db, languages={"ar": Level.native, "nl": Level.basic})
    db.commit()
    data = NewcomerUpdate.model_validate(
        {
            "languages": [
                {"code": "nl", "level": "conversational"},
                {"code": "fr", "level": "basic"},
            ],
            "location": {"neighbourhood": "battel"},
            "locale": "ar",
            "note": "Prefers mornings",
            "goals": ["work"],
        }
    )
    service.update_profile(db, newcomer, data, city=city)
    db.commit()
    db.expire_all()
    stored = db.get(Newcomer, newcomer.id)
    assert stored is not None
    assert stored.language_levels == {"nl": Level.conversational, "fr": Level.basic}
    assert stored.neighbourhood == "battel"
    assert stored.user.locale == "ar"
    assert stored.note == "Prefers mornings"
    assert stored.goals == ["work"]
    assert stored.first_name == "Amina"  # untouched
    assert count(db, PersonLanguage) == 2


def test_update_profile_refusals_change_nothing(db: Session, city: CityProfile) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    data = NewcomerUpdate.model_validate(
        {"first_name": "Changed", "location": {"lat": 40.0, "lon": 3.0}}
    )
    with pytest.raises(Invalid) as info:
        service.update_profile(db, newcomer, data, city=city)
    assert info.value.field == "location"
    assert newcomer.first_name == "Amina"
    with pytest.raises(Invalid):
        service.update_profile(db, newcomer, VolunteerUpdate(bio="x"), city=city)
    with pytest.raises(Invalid) as info:
        service.update_profile(db, newcomer, NewcomerUpdate(locale="xx"), city=city)
    assert info.value.field == "locale"


def test_volunteer_pause_and_resume(db: Session) -> None:
    volunteer = make_volunteer(db, vetting=VettingStatus.approved)
    service.set_volunteer_paused(db, volunteer, True)
    assert volunteer.vetting_status is VettingStatus.paused
    service.set_volunteer_paused(db, volunteer, True)  # a double submit is harmless
    assert volunteer.vetting_status is VettingStatus.paused
    service.set_volunteer_paused(db, volunteer, False)
    assert volunteer.vetting_status is VettingStatus.approved
    for status in (VettingStatus.pending, VettingStatus.rejected):
        other = make_volunteer(db, vetting=status)
        with pytest.raises(Conflict):
            service.set_volunteer_paused(db, other, True)
        with pytest.raises(Conflict):
            service.set_volunteer_paused(db, other, False)
        assert other.vetting_status is status


# --- staff decisions -----------------------------------------------------------------------

V = VettingStatus


@pytest.mark.parametrize(
    ("start", "decision", "allowed"),
    [
        (V.pending, V.approved, True),
        (V.pending, V.rejected, True),
        (V.approved, V.rejected, True),
        (V.paused, V.rejected, True),
        (V.rejected, V.approved, True),
        (V.approved, V.approved, False),
        (V.rejected, V.rejected, False),
        (V.paused, V.approved, False),
    ],
)
def test_vetting_transitions(
    db: Session, start: VettingStatus, decision: VettingStatus, allowed: bool
) -> None:
    staff = make_staff(db)
    volunteer = make_volunteer(db, vetting=start)
    if not allowed:
        with pytest.raises(Conflict):
            service.vet_volunteer(db, volunteer.id, decision, "no", staff=staff)
        assert volunteer.vetting_status is start
        assert entries_for(db, "volunteer", volunteer.id) == []
        return
    service.vet_volunteer(db, volunteer.id, decision, "ID checked", staff=staff)
    assert volunteer.vetting_status is decision
    assert volunteer.vetting_note == "ID checked"
    assert volunteer.vetted_by_id == staff.id
    assert volunteer.vetted_at is not None
    (entry,) = entries_for(db, "volunteer", volunteer.id)
    assert (entry.actor_id, entry.action) == (staff.id, "volunteer.vetting")
    assert entry.full_detail == {
        "previous": start.value,
        "decision": decision.value,
        "note": "ID checked",
    }


def test_vetting_refuses_nonsense(db: Session) -> None:
    staff = make_staff(db)
    volunteer = make_volunteer(db, vetting=V.pending)
    with pytest.raises(Invalid):
        service.vet_volunteer(db, volunteer.id, V.paused, "", staff=staff)
    with pytest.raises(NotFound):
        service.vet_volunteer(db, volunteer.id + 999, V.approved, "", staff=staff)


I = IntakeStatus  # noqa: E741


@pytest.mark.parametrize(
    ("start", "decision", "allowed"),
    [
        (I.pending, I.approved, True),
        (I.pending, I.rejected, True),
        (I.approved, I.rejected, True),
        (I.rejected, I.approved, True),
        (I.approved, I.approved, False),
        (I.rejected, I.rejected, False),
    ],
)
def test_intake_transitions(
    db: Session, start: IntakeStatus, decision: IntakeStatus, allowed: bool
) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=start)
    if not allowed:
        with pytest.raises(Conflict):
            service.decide_intake(db, newcomer.id, decision, "", staff=staff)
        return
    service.decide_intake(db, newcomer.id, decision, "Talked on Monday", staff=staff)
    assert newcomer.intake_status is decision
    (entry,) = entries_for(db, "newcomer", newcomer.id)
    assert entry.action == "newcomer.intake"
    assert entry.full_detail["note"] == "Talked on Monday"


def test_intake_refuses_pending_and_unknown(db: Session) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=I.approved)
    with pytest.raises(Invalid):
        service.decide_intake(db, newcomer.id, I.pending, "", staff=staff)
    with pytest.raises(NotFound):
        service.get_newcomer(db, newcomer.id + 999)
    # A volunteer's id is not a newcomer's.
    volunteer = make_volunteer(db)
    with pytest.raises(NotFound):
        service.get_newcomer(db, volunteer.id)
    with pytest.raises(NotFound):
        service.get_volunteer(db, newcomer.id)


# --- lists and search ----------------------------------------------------------------------


def named(person: P, first: str, last: str) -> P:
    # The factories fix the names; set them afterwards.
    person.first_name, person.last_name = first, last
    return person


def test_list_volunteers_filters_searches_and_pages(db: Session) -> None:
    named(make_volunteer(db, vetting=V.pending, email="els@x.be"), "Els", "Janssens")
    named(make_volunteer(db, vetting=V.approved, email="jp@x.be"), "Jan", "Peeters")
    named(make_volunteer(db, vetting=V.pending, email="oy@x.be"), "Ömer", "Yilmaz")
    named(make_volunteer(db, vetting=V.rejected), "Ann", "100% Zeker")
    db.commit()

    def names(**kwargs: Any) -> tuple[list[str], int]:
        items, total = service.list_volunteers(db, **kwargs)
        return [v.first_name for v in items], total

    assert names() == (["Els", "Jan", "Ömer", "Ann"], 4)
    assert names(status=V.pending) == (["Els", "Ömer"], 2)
    assert names(q="JAN") == (["Els", "Jan"], 2)  # Janssens and Jan
    assert names(q="jan peet") == (["Jan"], 1)  # every word must match
    assert names(q="OY@X") == (["Ömer"], 1)  # email
    assert names(q="100%") == (["Ann"], 1)  # wildcards are literal
    assert names(q="%") == (["Ann"], 1)
    assert names(q="_") == ([], 0)
    assert names(limit=2, offset=1) == (["Jan", "Ömer"], 4)
    assert names(status=V.paused) == ([], 0)


def test_list_newcomers_filters_and_searches(db: Session) -> None:
    named(make_newcomer(db, intake=I.pending), "Amina", "Haddad")
    named(make_newcomer(db, intake=I.approved), "Olena", "Kovalenko")
    db.commit()
    items, total = service.list_newcomers(db, status=I.pending)
    assert ([n.first_name for n in items], total) == (["Amina"], 1)
    items, total = service.list_newcomers(db, q="kOvAl")
    assert ([n.first_name for n in items], total) == (["Olena"], 1)
    _, total = service.list_newcomers(db, limit=1)
    assert total == 2
