"""Consent to a versioned privacy notice, and the retention rules run by ``buddy tick``."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, TokenKind
from app.checkins.models import Checkin
from app.config import Settings
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.notifications.models import OutboxEmail
from app.people.models import Person
from app.privacy import retention
from tests.factories import (
    PASSWORD,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_volunteer,
)


def _login(client: TestClient, email: str) -> str:
    client.get("/login")
    r = client.post("/login", data={"email": email, "password": PASSWORD,
                                    "csrftoken": client.cookies["csrftoken"]},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    return str(r.headers["location"])


def test_new_notice_version_is_asked_for_at_next_login(
    client: TestClient, db: Session, settings: Settings
) -> None:
    current = settings.city.privacy_notice_version
    newcomer = make_newcomer(db, consent_version="2020-01")
    db.commit()
    assert _login(client, newcomer.user.email).startswith("/privacy/consent")
    page = client.get("/privacy/consent?next=/me")
    assert page.status_code == 200
    assert current in page.text
    token = client.cookies["csrftoken"]
    refused = client.post("/privacy/consent", data={"csrftoken": token, "next": "/me"})
    assert refused.status_code == 422
    r = client.post("/privacy/consent", data={"csrftoken": token, "next": "/me", "consent": "1"},
                    follow_redirects=False)  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/me")
    db.expire_all()
    person = db.get(Person, newcomer.id)
    assert person is not None
    assert person.consent_version == current
    assert utcnow() - person.consent_at < timedelta(minutes=1)
    assert db.scalars(select(AuditEntry.action)).all()[-1] == "privacy.consent_accepted"
    client.cookies.clear()
    assert not _login(client, newcomer.user.email).startswith("/privacy")


def test_registration_records_the_notice_version(client: TestClient, settings: Settings) -> None:
    from app.people.models import Newcomer
    from tests.test_people_api import newcomer_body  # the documented registration body

    r = client.post("/api/v1/newcomers", json=newcomer_body())
    assert r.status_code == 201, r.text
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        person = session.scalars(select(Newcomer)).one()
        assert person.consent_version == settings.city.privacy_notice_version


def test_withdrawing_consent_asks_for_erasure(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    _login(client, newcomer.user.email)
    assert 'action="/me/consent/withdraw"' in client.get("/me").text
    r = client.post("/me/consent/withdraw", data={"csrftoken": client.cookies["csrftoken"]},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Person, newcomer.id).erasure_requested_at is not None  # type: ignore[union-attr]
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["privacy.consent_withdrawn", "privacy.erasure_requested"]


def test_retention_deletes_old_logins_and_expired_tokens(db: Session, settings: Settings) -> None:
    now = utcnow()
    newcomer = make_newcomer(db)
    db.add_all([
        LoginAttempt(email="x@example.org", ip="1.2.3.4", succeeded=False,
                     created_at=now - timedelta(days=31)),
        LoginAttempt(email="x@example.org", ip="1.2.3.4", succeeded=False,
                     created_at=now - timedelta(days=2)),
        AuthToken(token_hash="a" * 64, user_id=newcomer.user_id, kind=TokenKind.session,
                  expires_at=now - timedelta(hours=1)),
        AuthToken(token_hash="b" * 64, user_id=newcomer.user_id, kind=TokenKind.session,
                  expires_at=now + timedelta(days=1)),
    ])  # fmt: skip
    db.commit()
    report = retention.run(db, settings, now=now)
    db.commit()
    assert (report.login_attempts_deleted, report.tokens_deleted) == (1, 1)
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 1
    assert db.scalars(select(AuthToken.token_hash)).all() == ["b" * 64]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.retention")).one()
    assert entry.detail["login_attempts_deleted"] == 1
    assert chain.verify(db).ok


def test_retention_empties_private_text_of_long_ended_contracts(
    db: Session, settings: Settings
) -> None:
    now = utcnow()
    old = make_active_contract(db, start=date.today() - timedelta(days=1000))
    recent = make_active_contract(db, start=date.today() - timedelta(days=300))
    for contract, ended in (
        (old, now - timedelta(days=25 * 31)),
        (recent, now - timedelta(days=30)),
    ):
        checkin = make_checkin(db, contract, contract.start_date + timedelta(days=7),  # type: ignore[operator]
                               by="newcomer", status="confirmed", concern="a worry")  # fmt: skip
        checkin.note = "a note"
        contract.status, contract.ended_at, contract.end_note = (
            ContractStatus.completed, ended, "why")  # fmt: skip
    db.commit()
    report = retention.run(db, settings, now=now)
    db.commit()
    assert report.contracts_scrubbed == 1
    db.expire_all()
    texts = {
        c.contract_id: (c.note, c.concern_reason, c.minutes) for c in db.scalars(select(Checkin))
    }
    assert texts[old.id] == ("", "", 60)  # words gone, the worry flag and the minutes stay
    assert texts[recent.id] == ("a note", "a worry", 60)
    assert db.get(Contract, old.id).end_note == ""  # type: ignore[union-attr]
    assert retention.run(db, settings, now=now).contracts_scrubbed == 0  # nothing left to do


def test_inactive_people_are_warned_then_erased(db: Session, settings: Settings) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=37 * 31)
    sleeper = make_volunteer(db)
    returner = make_volunteer(db)
    active = make_volunteer(db)
    for volunteer, seen in ((sleeper, long_ago), (returner, long_ago), (active, now)):
        volunteer.user.last_login_at = seen
    db.commit()
    first = retention.run(db, settings, now=now)
    db.commit()
    assert (first.warned, first.erased) == (2, 0)
    warnings = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "inactive_warning")).all()
    assert {m.to_email for m in warnings} == {sleeper.user.email, returner.user.email}
    # Within the grace period nothing more happens; then the one who came back is spared.
    assert retention.run(db, settings, now=now + timedelta(days=10)).erased == 0
    returner.user.last_login_at = now + timedelta(days=12)
    db.commit()
    later = retention.run(db, settings, now=now + timedelta(days=31))
    db.commit()
    assert later.erased == 1
    db.expire_all()
    assert db.get(Person, sleeper.id).erased_at is not None  # type: ignore[union-attr]
    assert db.get(Person, returner.id).erased_at is None  # type: ignore[union-attr]
    assert db.get(Person, active.id).erased_at is None  # type: ignore[union-attr]
    runs = db.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action == "privacy.retention"))  # fmt: skip
    assert runs == 3
