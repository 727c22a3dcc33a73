"""Building test data directly through the models (fast), and logging in through the API."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.checkins.models import Activity, Checkin, CheckinStatus, Party
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.people.models import (
    IntakeStatus,
    Newcomer,
    PersonLanguage,
    VettingStatus,
    Volunteer,
)
from app.people.vocabulary import BuddyGender, Gender, Level

PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)  # hashing is deliberately slow; do it once
_seq = count(1)
CURRENT_NOTICE = CityProfile.model_fields["privacy_notice_version"].default


def make_user(session: Session, role: Role, email: str | None = None, locale: str = "en") -> User:
    user = User(
        email=(email or f"{role.value}{next(_seq)}@example.org").lower(),
        password_hash=_HASH,
        role=role,
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user


def make_staff(session: Session, email: str | None = None) -> User:
    return make_user(session, Role.staff, email)


def _person_fields(**overrides: object) -> dict[str, object]:
    """The shared person columns with test defaults; any of them, or any other column of the
    model being built, may be given in ``overrides`` (they replace the defaults)."""
    fields: dict[str, object] = {
        "first_name": "Sam",
        "last_name": "Example",
        "year_of_birth": 1990,
        "gender": Gender.female,
        "buddy_gender": BuddyGender.any,
        "neighbourhood": "binnenstad",
        "lat": 51.0280,
        "lon": 4.4800,
        "availability": ["mon-evening", "sat-morning"],
        "interests": ["cooking"],
        "goals": ["dutch"],
        "consent_at": utcnow(),
        # The current notice: people made here are not sent to the consent page at login.
        "consent_version": CURRENT_NOTICE,
    }
    fields.update(overrides)
    return fields


def make_newcomer(
    session: Session,
    *,
    languages: dict[str, Level] | None = None,
    intake: IntakeStatus = IntakeStatus.approved,
    email: str | None = None,
    **overrides: object,
) -> Newcomer:
    user = make_user(session, Role.newcomer, email)
    defaults: dict[str, object] = {
        "first_name": "Amina",
        "last_name": "Haddad",
        "intake_status": intake,
        "arrived_on": date(2026, 9, 1),
        "civic_integration": True,
    }
    # Overrides win over every default (first_name, arrived_on, intake_status …).
    person = Newcomer(user=user, **_person_fields(**{**defaults, **overrides}))
    langs = languages or {"ar": Level.native, "nl": Level.basic}
    person.languages = [PersonLanguage(code=c, level=lvl) for c, lvl in langs.items()]
    session.add(person)
    session.flush()
    return person


def make_volunteer(
    session: Session,
    *,
    languages: dict[str, Level] | None = None,
    vetting: VettingStatus = VettingStatus.approved,
    email: str | None = None,
    max_buddies: int = 1,
    **overrides: object,
) -> Volunteer:
    user = make_user(session, Role.volunteer, email)
    defaults: dict[str, object] = {
        "first_name": "Jan",
        "last_name": "Peeters",
        "gender": Gender.male,
        "vetting_status": vetting,
        "bio": "Retired teacher, loves walking along the Dijle.",
        "max_buddies": max_buddies,
    }
    # Overrides win over every default (first_name, bio, vetting_status …).
    person = Volunteer(user=user, **_person_fields(**{**defaults, **overrides}))
    langs = languages or {"nl": Level.native, "fr": Level.fluent}
    person.languages = [PersonLanguage(code=c, level=lvl) for c, lvl in langs.items()]
    session.add(person)
    session.flush()
    return person


def staff_otp(factory: sessionmaker[Session], email: str) -> str | None:
    """For a staff account: enrol it in two-step login if it is not yet (test secret), allow
    its next code even if one was used in this 30-second step, and return the current code.
    ``None`` for other accounts. Lets every test log staff in through the real second step."""
    import pyotp
    from sqlalchemy import select

    with factory() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or user.role is not Role.staff:
            return None
        if user.totp_secret is None or user.totp_enabled_at is None:
            user.totp_secret = pyotp.random_base32()
            user.totp_enabled_at = utcnow()
        user.totp_last_step = None  # a test may log the same staff in twice within 30 s
        secret = user.totp_secret
        session.commit()
    return pyotp.TOTP(secret).now()


def bearer(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """An API token; staff accounts send their current second-factor code too."""
    data = {"username": email, "password": password}
    code = staff_otp(client.app.state.sessionmaker, email)  # type: ignore[attr-defined]
    if code is not None:
        data["otp"] = code
    response = client.post("/api/v1/auth/token", data=data)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def browser_login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form, CSRF token included, as a browser would; staff pass the
    second step (the code page) too."""
    page = client.get("/login")
    token = client.cookies.get("csrftoken")
    assert token, "the login page must set a CSRF cookie"
    code = staff_otp(client.app.state.sessionmaker, email)  # type: ignore[attr-defined]
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrftoken": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, (page.status_code, response.text)
    if code is not None:
        location = response.headers["location"]
        assert location.startswith("/login/code?"), location
        next_page = location.split("next=", 1)[1] if "next=" in location else ""
        response = client.post(
            "/login/code",
            data={"code": code, "next": unquote(next_page), "csrftoken": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text


def make_contract(
    session: Session,
    newcomer: Newcomer | None = None,
    volunteer: Volunteer | None = None,
    *,
    signed: bool = False,
    start: date | None = None,
) -> Contract:
    """A pending contract made the way a pick makes it (capacity claimed); ``signed=True``
    makes it active, starting ``start`` (default: today)."""
    from app.config import Settings
    from app.contracts import rules, service

    city = Settings().city
    newcomer = newcomer or make_newcomer(session)
    volunteer = volunteer or make_volunteer(session)
    contract = service.create_pending(
        session, newcomer=newcomer, volunteer=volunteer, panel_id=None, city=city
    )
    if signed:
        now = utcnow()
        contract.newcomer_signed_name = newcomer.display_name
        contract.newcomer_signed_at = now
        contract.volunteer_signed_name = volunteer.display_name
        contract.volunteer_signed_at = now
        contract.status = ContractStatus.active
        contract.start_date = start or now.date()
        contract.end_date = rules.end_date(contract.start_date, contract.months)
        session.flush()
    return contract


def make_active_contract(
    session: Session,
    newcomer: Newcomer | None = None,
    volunteer: Volunteer | None = None,
    *,
    start: date | None = None,
    cadence: str | None = None,
) -> Contract:
    """An active contract that started ``start`` (default: today), with the given cadence
    (``"weekly"``/``"fortnightly"``; default: the city's)."""
    from app.config import Cadence

    contract = make_contract(session, newcomer, volunteer, signed=True, start=start)
    if cadence is not None:
        contract.cadence = Cadence(cadence)
        session.flush()
    return contract


def make_checkin(
    session: Session,
    contract: Contract,
    met_on: date,
    *,
    minutes: int = 60,
    status: str = "pending",
    by: str = "volunteer",
    activities: tuple[str, ...] = ("dutch",),
    concern: str | None = None,
    created_at: datetime | None = None,
) -> Checkin:
    """A logged meeting, inserted directly (no rule checks): ``by`` is the side that logged it."""
    user_id = contract.volunteer.user_id if by == "volunteer" else contract.newcomer.user_id
    now = created_at or utcnow()
    checkin = Checkin(
        contract_id=contract.id,
        met_on=met_on,
        minutes=minutes,
        note="",
        logged_by_id=user_id,
        logged_by_side=Party(by),
        status=CheckinStatus(status),
        confirmed_at=now if status != "pending" else None,
        concern_reason=concern,
        concern_raised_at=now if concern else None,
        concern_resolution="",
        created_at=now,
        updated_at=now,
    )
    checkin.activities = [Activity(a) for a in activities]
    session.add(checkin)
    session.flush()
    return checkin


def queue_test_email(session: Session, user: User, *, key: str) -> int:
    """One queued "please sign" email to ``user`` (through the real outbox), its row id."""
    from sqlalchemy import select

    from app.notifications import service
    from app.notifications.models import OutboxEmail

    service.queue(
        session, user=user, kind="please_sign", dedupe_key=key,
        context={"name": "Amina", "volunteer": "Jan", "url": "http://127.0.0.1:8000/contracts/1"},
    )  # fmt: skip
    found = session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == key))
    assert found is not None
    return found
