"""The demo city: deterministic, believable, valid like real registrations, with a programme
history made by the real services, and loaded only once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.auth.service import ThrottlePolicy, authenticate
from app.checkins import queries
from app.checkins.models import Checkin, CheckinStatus
from app.config import CITIES_DIR, CityProfile, load_city
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.db import utcnow
from app.demo import timeline
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD, demo_population
from app.demo.service import load_demo
from app.evaluations.models import Evaluation
from app.followup.models import StaffCall
from app.matches import panels
from app.matches.models import MatchingRound, Panel
from app.models import Base
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.schemas import NewcomerCreate, VolunteerCreate
from app.people.vocabulary import SLOTS, is_language_code
from tests.demo_copy import load_demo_copy
from tests.factories import browser_login

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
    assert vetting[VettingStatus.pending] == 8
    assert vetting[VettingStatus.paused] >= 1
    assert vetting[VettingStatus.rejected] >= 1
    assert vetting[VettingStatus.approved] >= 40
    intake = Counter(n.intake_status for n in newcomers)
    assert intake[IntakeStatus.pending] >= 3
    assert intake[IntakeStatus.approved] >= 30
    # People are spread over the city, not piled on one spot.
    assert len({p.neighbourhood for p in (*volunteers, *newcomers)}) >= len(city.neighbourhoods) - 2


def test_history_plan_adds_up() -> None:
    """The plan's cohorts fit between the rounds, and its stories give the promised contracts."""
    windows = timeline.cohort_windows()
    rounds = [r.days_ago for r in timeline.ROUNDS] + [timeline.CURRENT_ROUND_DAYS_AGO]
    assert rounds == sorted(rounds, reverse=True)
    for n, (newest, oldest) in enumerate(windows):
        # Registered and approved (2–7 days later) after the previous round, before this one.
        assert newest - max(timeline.DECISION_DAYS) > rounds[n]
        assert n == 0 or oldest < rounds[n - 1]
        assert newest <= oldest
    stories = [s for r in timeline.ROUNDS for s in r.stories] + list(timeline.CURRENT_STORIES)
    fates = Counter(s.fate for s in stories)
    assert fates[timeline.Fate.completed] == 6
    assert fates[timeline.Fate.ended_early] == 3
    assert fates[timeline.Fate.active] == 12
    assert fates[timeline.Fate.pending] == 2
    reasons = {s.reason for s in stories if s.fate is timeline.Fate.ended_early}
    assert len(reasons) == 3
    assert sum(1 for s in stories if s.stopped_periods) == 2
    assert sum(1 for s in stories if s.open_worry) == 1


def test_demo_logins_are_easy_to_match() -> None:
    volunteers, newcomers = demo_population(MECHELEN, today=date(2026, 11, 1))
    volunteer, newcomer = volunteers[0], newcomers[0]
    assert newcomer.status == "approved"
    assert volunteer.status == "approved"
    assert newcomer.buddy_gender == volunteer.buddy_gender == "any"
    assert newcomer.location == volunteer.location == {"neighbourhood": "binnenstad"}
    assert len(newcomer.availability) >= 8
    assert set(newcomer.availability) & set(volunteer.availability)
    assert volunteer.extra["max_buddies"] == 3  # two buddies in the history, room in the round
    # The demo volunteer speaks the demo newcomer's first language: the round's best pair.
    native = {code for code, level in newcomer.languages.items() if level == "native"}
    assert native & {code for code, level in volunteer.languages.items() if level == "fluent"}
    assert newcomer.extra["civic_integration"] is True
    # Registered just before the current round; the volunteer was there from the start.
    assert (date(2026, 11, 1) - newcomer.registered_at.date()).days == 12
    assert (date(2026, 11, 1) - volunteer.registered_at.date()).days == 300


def _row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _person(session: Session, model: type[Person], email: str) -> Person:
    person = session.scalar(select(model).join(User, User.id == model.user_id)
                            .where(User.email == email))  # fmt: skip
    assert person is not None
    return person


def assert_demo_history(session: Session, city: CityProfile, now: datetime) -> None:
    """The programme history of a freshly loaded demo city."""
    today = local_date(now, city.timezone)
    contracts = list(session.scalars(select(Contract)))
    by_status = Counter(c.status for c in contracts)
    assert by_status == {
        ContractStatus.active: 12,
        ContractStatus.completed: 6,
        ContractStatus.ended_early: 3,
        ContractStatus.pending: 2,
    }
    # Every contract was picked from a panel of a real matching round.
    assert all(c.panel_id is not None for c in contracts)
    rounds = list(session.scalars(select(MatchingRound).order_by(MatchingRound.started_at)))
    assert len(rounds) == len(timeline.ROUNDS) + 1
    assert local_date(rounds[-1].started_at, city.timezone) == today - timedelta(days=3)

    progress = {c.id: queries.progress(session, c, city=city, today=today) for c in contracts}
    active = [c for c in contracts if c.status is ContractStatus.active]
    for contract in active:
        assert contract.start_date is not None
        # Started one to five months ago, and met.
        assert 28 <= (today - contract.start_date).days <= 155, contract.start_date
        assert progress[contract.id].meetings >= 2
    at_risk = [c for c in active if progress[c.id].at_risk]
    silent = [c for c in at_risk if not progress[c.id].open_concerns]
    worried = [c for c in active if progress[c.id].open_concerns]
    assert len(silent) == 2, "two pairs stopped meeting"
    assert len(worried) == 1, "one open worry flag"
    assert len(at_risk) == 3  # an open worry counts as at risk too
    for contract in silent:
        last = progress[contract.id].last_met_on
        assert last is not None
        assert (today - last).days >= 2 * contract.cadence.days

    for contract in (c for c in contracts if c.status is ContractStatus.completed):
        assert contract.end_date is not None
        assert contract.end_date < today
        sides = session.scalars(
            select(Evaluation.side).where(Evaluation.contract_id == contract.id)
        )
        assert sorted(sides) == ["newcomer", "volunteer"]
        calls = session.scalar(select(func.count()).where(StaffCall.contract_id == contract.id))
        assert calls == 2
        assert progress[contract.id].meetings >= 10
    ended = [c for c in contracts if c.status is ContractStatus.ended_early]
    assert len({c.end_reason for c in ended}) == 3
    assert all(c.end_note for c in ended)
    pending = [c for c in contracts if c.status is ContractStatus.pending]
    assert sorted(c.newcomer_signed_at is not None for c in pending) == [False, True]
    assert all(c.volunteer_signed_at is None for c in pending)

    statuses = Counter(session.scalars(select(Checkin.status)))
    assert statuses[CheckinStatus.confirmed] > 100  # weekly: about 300; fortnightly: 140
    assert 0 < statuses[CheckinStatus.pending] < statuses[CheckinStatus.confirmed] / 5
    resolved = session.scalar(select(func.count()).where(Checkin.concern_resolved_at.is_not(None)))
    assert resolved == 1

    # Nothing happened in the future, and the past's emails were delivered back then.
    stamps = [
        select(func.max(AuditEntry.created_at)), select(func.max(OutboxEmail.created_at)),
        select(func.max(Contract.created_at)), select(func.max(Contract.updated_at)),
        select(func.max(Checkin.created_at)), select(func.max(Checkin.updated_at)),
        select(func.max(Panel.created_at)), select(func.max(MatchingRound.finished_at)),
        select(func.max(StaffCall.created_at)), select(func.max(Evaluation.submitted_at)),
        select(func.max(User.created_at)), select(func.max(Person.updated_at)),
    ]  # fmt: skip
    for stmt in stamps:
        assert session.scalar(stmt) <= now, stmt
    mail = Counter(session.scalars(select(OutboxEmail.status)))
    assert set(mail) == {EmailStatus.sent}
    assert mail[EmailStatus.sent] > 100

    # The demo logins: the newcomer looks at an open panel, the volunteer has a buddy.
    newcomer = _person(session, Newcomer, DEMO_LOGINS["newcomer"])
    assert isinstance(newcomer, Newcomer)
    panel = panels.open_panel(session, newcomer, now)
    assert panel is not None
    views = panels.candidate_views(session, panel, newcomer, "en")
    # The engine fills every waiting newcomer's first places before anyone's fifth, so when
    # volunteers are short the demo newcomer could get fewer than five; the demo newcomer is
    # made easy to match, and with the bundled cities gets a full panel.
    assert 0 < len(views) <= city.panel_size
    assert all(v.available for v in views)
    volunteer = _person(session, Volunteer, DEMO_LOGINS["volunteer"])
    own = [c for c in active if c.volunteer_id == volunteer.id]
    assert own
    assert progress[own[0].id].meetings >= 4


def test_load_demo_once(db: Session) -> None:
    # Its speed (3–6 s) is a matter for measurement, not for a timed assertion on a busy machine.
    summary = load_demo(db, MECHELEN)
    db.commit()
    assert summary.created
    assert summary.total_volunteers == 60
    assert summary.total_newcomers == 40
    assert summary.contracts == {"active": 12, "completed": 6, "ended_early": 3, "pending": 2}
    assert_demo_city(db, MECHELEN)
    assert_demo_history(db, MECHELEN, utcnow())

    # Staff decisions went through the people service, so they are audited.
    decided = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "volunteer.vetting")
    )
    assert decided == 52  # every volunteer but the 8 still waiting
    approved = db.scalars(select(Volunteer).where(Volunteer.vetting_status == "approved")).first()
    assert approved is not None
    assert approved.vetted_at is not None
    assert approved.vetted_at > approved.created_at

    before = _row_counts(db)
    again = load_demo(db, MECHELEN)
    db.commit()
    assert not again.created
    assert (again.volunteers, again.newcomers) == (summary.volunteers, summary.newcomers)
    assert again.contracts == summary.contracts
    assert db.scalar(select(func.count()).select_from(User)) == 101
    assert _row_counts(db) == before  # the second run changed nothing at all


def _count(pattern: str, html: str) -> int:
    return len(re.findall(pattern, html))


def test_demo_logins_see_a_living_programme(client: TestClient, db: Session) -> None:
    load_demo_copy(db, MECHELEN)
    db.commit()
    for role, email in DEMO_LOGINS.items():
        user = authenticate(db, email, DEMO_PASSWORD, "127.0.0.1", ThrottlePolicy())
        assert user is not None
        assert user.role is Role(role)
    db.commit()  # authenticating records the login; let the app's session write too

    browser_login(client, DEMO_LOGINS["newcomer"], DEMO_PASSWORD)
    page = client.get("/me/panel")
    assert page.status_code == 200
    shown = _count(r'<li class="card candidate"', page.text)
    assert 0 < shown <= MECHELEN.panel_size
    assert "No longer available" not in page.text
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})

    browser_login(client, DEMO_LOGINS["volunteer"], DEMO_PASSWORD)
    volunteer = _person(db, Volunteer, DEMO_LOGINS["volunteer"])
    contract = db.scalar(
        select(Contract).where(
            Contract.volunteer_id == volunteer.id, Contract.status == ContractStatus.active
        )
    )
    assert contract is not None
    assert f'href="/contracts/{contract.id}"' in client.get("/me/contracts").text
    meetings = client.get(f"/contracts/{contract.id}/meetings")
    assert meetings.status_code == 200
    assert contract.newcomer.first_name in meetings.text
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})

    browser_login(client, DEMO_LOGINS["staff"], DEMO_PASSWORD)
    assert client.get("/staff/dashboard").status_code == 200
    pairs = client.get("/staff/dashboard/pairs").text
    assert "not meeting" in pairs
    assert _count(r'href="/staff/contracts/\d+/calls/new"', pairs) >= 3
    rounds = client.get("/staff/rounds")
    assert rounds.status_code == 200
    listed = client.get("/staff/contracts").text
    assert _count(r'href="/contracts/\d+"', listed) >= 23


def _post(client: TestClient, url: str, data: dict[str, str]) -> str:
    response = client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_three_demo_logins_play_the_story_together(client: TestClient, db: Session) -> None:
    """What the printed "try this" says: the newcomer picks the demo volunteer from their
    panel, both sign, the volunteer logs a meeting, the newcomer confirms it."""
    load_demo_copy(db, MECHELEN)
    db.commit()
    volunteer = _person(db, Volunteer, DEMO_LOGINS["volunteer"])
    assert isinstance(volunteer, Volunteer)
    assert volunteer.committed_buddies < volunteer.max_buddies  # a free place

    browser_login(client, DEMO_LOGINS["newcomer"], DEMO_PASSWORD)
    panel = client.get("/me/panel").text
    assert f'name="volunteer_id" value="{volunteer.id}"' in panel
    where = _post(client, "/me/panel/choice", {"volunteer_id": str(volunteer.id)})
    contract_id = int(where.rsplit("/", 1)[1])
    _post(client, f"/contracts/{contract_id}/sign",
          {"full_name": "Demo Newcomer", "commitment": "yes"})  # fmt: skip
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})

    browser_login(client, DEMO_LOGINS["volunteer"], DEMO_PASSWORD)
    assert f'href="/contracts/{contract_id}"' in client.get("/me").text
    done = _post(client, f"/contracts/{contract_id}/sign",
                 {"full_name": volunteer.display_name, "commitment": "yes"})  # fmt: skip
    assert done.endswith("done=active")
    me = client.get("/me").text
    assert f'href="/contracts/{contract_id}/meetings/new"' in me  # the new buddy, too
    db.expire_all()
    active = db.scalar(select(func.count()).select_from(Contract).where(
        Contract.volunteer_id == volunteer.id, Contract.status == ContractStatus.active))
    assert active is not None
    assert active >= 2  # the demo volunteer already had a buddy
    assert me.count("/meetings/new") == active  # one shortcut for each buddy
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})


def test_demo_follows_the_city_profile(db: Session) -> None:
    load_demo(db, VILVOORDE)
    db.commit()
    assert_demo_city(db, VILVOORDE)
    assert_demo_history(db, VILVOORDE, utcnow())  # fortnightly meetings there
    bios = db.scalars(select(Volunteer.bio)).all()
    assert not any("Mechelen" in bio for bio in bios)
    texts = db.scalars(select(Evaluation.text)).all()
    assert not any("Mechelen" in text for text in texts)
