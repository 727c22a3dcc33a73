"""Passwords: policy, change, reset by email, the desk's one-time code; idle sessions
(issue #8, section 2)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import onetime, passwords
from app.auth.models import AuthToken, OneTimePurpose, OneTimeToken, Role, TokenKind
from app.db import utcnow
from app.errors import Invalid
from app.notifications.models import OutboxEmail
from tests.factories import PASSWORD, bearer, browser_login, make_newcomer, make_user

NEW = "a quite new secret phrase"
CONFIRM = "/api/v1/auth/password-reset/confirm"


def test_production_hashes_are_argon2id_at_full_cost() -> None:
    """The suite hashes at Argon2's smallest cost (tests/conftest.py); the application does
    not: passwords at 64 MiB and 3 passes, recovery codes at 19 MiB and 2 passes."""
    from tests.conftest import PRODUCTION_HASHER, PRODUCTION_RECOVERY_HASHER

    hashed = PRODUCTION_HASHER().hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCTION_HASHER().verify("correct horse battery staple", hashed)
    recovery = PRODUCTION_RECOVERY_HASHER.hash("abcd-efgh-ijkl")
    assert recovery.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    # Every hash made in the tests' process is the cheap one, so the two never mix up.
    assert passwords.hash_password("correct horse battery staple").startswith(
        "$argon2id$v=19$m=8,t=1,p=1$")


def test_common_password_list_is_large_and_used() -> None:
    assert len(passwords._common()) >= 10_000
    for common in ("1234567890", "qwertyuiop", "password123", "iloveyou12"):
        assert common in passwords._common()
        with pytest.raises(Invalid):
            passwords.check_strength(common)
    passwords.check_strength("violet tram at dusk")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "at least 10"),
        ("Amina-from-Syria", "your name"),
        ("HADDAD.forever", "your name"),
        ("i.love.mechelen", "city's name"),
        ("amina.h@example.org!", "your name"),
    ],
)
def test_policy_refuses_names_email_and_city(password: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        passwords.check_strength(
            password, email="amina.h@example.org", avoid=("Amina", "Haddad", "Mechelen")
        )
    message = caught.value.message % caught.value.params if caught.value.params else ""
    assert reason in (message or caught.value.message)


def test_registration_refuses_own_name_in_password(client: TestClient) -> None:
    r = client.post("/api/v1/volunteers", json={
        "email": "vera@example.org", "password": "vera-smet-1980", "first_name": "Vera",
        "last_name": "Smet", "year_of_birth": 1980, "gender": "female", "buddy_gender": "any",
        "languages": [{"code": "nl", "level": "native"}], "consent": True, "locale": "nl",
        "location": {"neighbourhood": "binnenstad"}, "availability": ["mon-evening"],
    })  # fmt: skip
    assert r.status_code == 422
    assert "name" in r.json()["detail"]


# --- change password -----------------------------------------------------------------------


def test_api_change_password_revokes_every_other_token(client: TestClient, db: Session) -> None:
    make_newcomer(db, email="amina@example.org")
    db.commit()
    mine, other = bearer(client, "amina@example.org"), bearer(client, "amina@example.org")
    with TestClient(client.app) as browser:
        browser_login(browser, "amina@example.org")
        assert browser.get("/me", follow_redirects=False).status_code == 200

        wrong = client.post("/api/v1/me/password", headers=mine,
                            json={"current_password": "nope-nope-nope", "new_password": NEW})
        assert wrong.status_code == 422
        assert wrong.json()["field"] == "current_password"
        weak = client.post("/api/v1/me/password", headers=mine,
                           json={"current_password": PASSWORD, "new_password": "amina-haddad-1"})
        assert weak.status_code == 422
        assert weak.json()["field"] == "new_password"
        ok = client.post("/api/v1/me/password", headers=mine,
                         json={"current_password": PASSWORD, "new_password": NEW})
        assert ok.status_code == 204

        assert client.get("/api/v1/me", headers=mine).status_code == 200  # this one stays
        assert client.get("/api/v1/me", headers=other).status_code == 401
        assert browser.get("/me", follow_redirects=False).status_code == 303  # session ended
    r = client.post("/api/v1/auth/token", data={"username": "amina@example.org",
                                                "password": PASSWORD})
    assert r.status_code == 401
    bearer(client, "amina@example.org", NEW)


def test_page_change_password_renews_this_session_and_ends_others(
    client: TestClient, db: Session
) -> None:
    make_newcomer(db, email="amina@example.org")
    db.commit()
    browser_login(client, "amina@example.org")
    before = client.cookies["buddy_session"]
    with TestClient(client.app) as elsewhere:
        browser_login(elsewhere, "amina@example.org")
        page = client.get("/me/password")
        assert page.status_code == 200
        assert 'name="current_password"' in page.text
        bad = client.post("/me/password", data={"current_password": "wrong-wrong-wrong",
            "new_password": NEW, "csrftoken": client.cookies["csrftoken"]})  # fmt: skip
        assert bad.status_code == 422
        assert "The current password is not correct." in bad.text
        done = client.post("/me/password", data={"current_password": PASSWORD,
            "new_password": NEW, "csrftoken": client.cookies["csrftoken"]})  # fmt: skip
        assert done.status_code == 200
        assert "Your password is changed" in done.text
        assert client.cookies["buddy_session"] != before  # a new session id
        assert client.get("/me", follow_redirects=False).status_code == 200
        assert elsewhere.get("/me", follow_redirects=False).status_code == 303
    assert client.get("/me/password", follow_redirects=False).status_code == 200
    with TestClient(client.app) as anonymous:
        assert anonymous.get("/me/password", follow_redirects=False).status_code == 303


# --- forgotten password ----------------------------------------------------------------------


def _reset_link(db: Session) -> str:
    db.expire_all()
    mail = db.scalar(select(OutboxEmail).where(OutboxEmail.kind == "password_reset"))
    assert mail is not None
    match = re.search(r"/password-reset/confirm\?token=([\w-]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def test_reset_answers_the_same_whether_or_not_the_account_exists(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, Role.volunteer, "jan@example.org")
    db.commit()
    hashed: list[str] = []
    real_verify = onetime.verify_password
    monkeypatch.setattr(
        onetime, "verify_password", lambda p, h: hashed.append(h) or real_verify(p, h)
    )
    known = client.post("/api/v1/auth/password-reset", json={"email": "JAN@example.org"})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(hashed) == 2  # the same expensive work on both paths
    db.expire_all()
    mails = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "password_reset")).all()
    assert [m.to_email for m in mails] == ["jan@example.org"]
    token = _reset_link(db)
    # Only a hash of the token is stored.
    stored = db.scalars(select(OneTimeToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_reset_token_works_once_and_ends_every_session(client: TestClient, db: Session) -> None:
    make_user(db, Role.volunteer, "jan@example.org")
    db.commit()
    headers = bearer(client, "jan@example.org")
    client.post("/api/v1/auth/password-reset", json={"email": "jan@example.org"})
    token = _reset_link(db)
    weak = client.post("/api/v1/auth/password-reset/confirm",
                       json={"token": token, "new_password": "1234567890"})
    assert weak.status_code == 422
    r = client.post(CONFIRM, json={"token": token, "new_password": NEW})
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = client.post("/api/v1/auth/password-reset/confirm",
                        json={"token": token, "new_password": "yet another phrase"})
    assert again.status_code == 422
    assert again.json()["field"] == "token"
    bearer(client, "jan@example.org", NEW)


def test_reset_token_expires_after_an_hour(client: TestClient, db: Session) -> None:
    make_user(db, Role.volunteer, "jan@example.org")
    db.commit()
    client.post("/api/v1/auth/password-reset", json={"email": "jan@example.org"})
    token = _reset_link(db)
    row = db.scalar(select(OneTimeToken))
    assert row is not None
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(minutes=60)
    db.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    r = client.post(CONFIRM, json={"token": token, "new_password": NEW})
    assert r.status_code == 422


def test_reset_lifts_the_account_lock(client: TestClient, db: Session) -> None:
    make_user(db, Role.newcomer, "locked@example.org")
    db.commit()
    for _ in range(5):
        client.post("/api/v1/auth/token", data={"username": "locked@example.org", "password": "x"})
    locked = client.post("/api/v1/auth/token",
                         data={"username": "locked@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    # Reset works while locked, and clears the lock.
    assert client.post("/api/v1/auth/password-reset",
                       json={"email": "locked@example.org"}).status_code == 202
    token = _reset_link(db)
    client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW})
    bearer(client, "locked@example.org", NEW)


def test_reset_pages(client: TestClient, db: Session) -> None:
    make_user(db, Role.volunteer, "jan@example.org")
    db.commit()
    assert 'href="/password-reset"' in client.get("/login").text
    form = client.get("/password-reset")
    assert form.status_code == 200
    answers = []
    for email in ("jan@example.org", "nobody@example.org"):
        r = client.post("/password-reset",
                        data={"email": email, "csrftoken": client.cookies["csrftoken"]})
        assert r.status_code == 200
        answers.append(r.text.replace(email, ""))
    assert "If an account uses this address" in answers[0]
    token = _reset_link(db)
    assert "not valid any more" in client.get("/password-reset/confirm?token=forged").text
    page = client.get(f"/password-reset/confirm?token={token}")
    assert page.headers["cache-control"] == "no-store"
    assert 'name="new_password"' in page.text
    done = client.post("/password-reset/confirm", data={
        "token": token, "new_password": NEW, "csrftoken": client.cookies["csrftoken"]})  # fmt: skip
    assert done.status_code == 200
    assert "Your new password is saved" in done.text
    browser_login(client, "jan@example.org", NEW)


# --- the desk's one-time code -------------------------------------------------------------------


def test_desk_code_expires_and_wrong_codes_are_throttled(client: TestClient, db: Session) -> None:
    person = make_newcomer(db, email="desk.newcomer@example.org")
    code = onetime.issue_setup_code(db, person.user, timedelta(days=14))
    db.commit()
    purpose = OneTimeToken.purpose == OneTimePurpose.password_setup
    row = db.scalar(select(OneTimeToken).where(purpose))
    assert row is not None
    assert code.replace("-", "") not in row.token_hash  # stored hashed

    def submit(value: str) -> Any:
        token = client.cookies["csrftoken"]
        return client.post(
            "/set-password", data={"code": value, "new_password": NEW, "csrftoken": token}
        )

    client.get("/set-password")
    db.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert submit(code).status_code == 422  # expired
    for _ in range(19):
        assert submit("aaaa-bbbb-cccc").status_code == 422
    assert submit(code).status_code == 429  # 20 wrong codes from one address


def test_new_desk_code_replaces_the_old_one(db: Session) -> None:
    person = make_newcomer(db)
    first = onetime.issue_setup_code(db, person.user, timedelta(days=14))
    second = onetime.issue_setup_code(db, person.user, timedelta(days=14))
    db.flush()
    with pytest.raises(Invalid):
        onetime.use_setup_code(db, first, NEW, ip="1.2.3.4", city_name="Mechelen",
                               max_failures=20, window=timedelta(minutes=15))  # fmt: skip
    user = onetime.use_setup_code(db, second, NEW, ip="1.2.3.4", city_name="Mechelen",
                                  max_failures=20, window=timedelta(minutes=15))  # fmt: skip
    assert passwords.verify_password(NEW, user.password_hash)


# --- idle sessions ---------------------------------------------------------------------------


def test_idle_sessions_end(client: TestClient, db: Session) -> None:
    make_newcomer(db, email="idle@example.org")
    db.commit()
    browser_login(client, "idle@example.org")
    assert client.get("/me", follow_redirects=False).status_code == 200

    def idle_for(delta: timedelta) -> None:
        db.execute(update(AuthToken).where(AuthToken.kind == TokenKind.session)
                   .values(last_used_at=utcnow() - delta))  # fmt: skip
        db.commit()

    idle_for(timedelta(hours=23))
    assert client.get("/me", follow_redirects=False).status_code == 200  # and touched
    idle_for(timedelta(hours=24, minutes=1))
    assert client.get("/me", follow_redirects=False).status_code == 303
