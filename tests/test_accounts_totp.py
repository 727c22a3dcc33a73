"""Staff two-step login: TOTP enrolment with a QR code, recovery codes, the code page, API
tokens with ``otp``, session renewal and the staff idle timeout (issue #8, section 2)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import AuthToken, TokenKind, User
from app.db import utcnow
from tests.factories import PASSWORD, bearer, browser_login, make_staff


def _password_step(client: TestClient, email: str) -> Any:
    client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrftoken": client.cookies["csrftoken"]},
        follow_redirects=False,
    )


def _post(client: TestClient, url: str, **data: str) -> Any:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)  # fmt: skip


def _enrolled(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = utcnow()
    db.commit()
    return user


def test_first_login_enrols_then_staff_pages_open(client: TestClient, db: Session) -> None:
    make_staff(db, "new.staff@city.example")
    db.commit()
    step1 = _password_step(client, "new.staff@city.example")
    assert step1.status_code == 303
    assert step1.headers["location"].startswith("/login/code/setup")
    half = client.cookies["buddy_session"]
    # No staff page (nor any page for a user) opens before the second factor.
    for url in ("/staff", "/staff/newcomers/new", "/staff/dashboard", "/me/password"):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303, url
        assert r.headers["location"].startswith("/login/code"), url

    setup = client.get("/login/code/setup?next=/staff/vetting")
    assert setup.status_code == 200
    assert setup.headers["cache-control"] == "no-store"
    assert "<svg" in setup.text  # the QR code, drawn on the server
    secret = re.search(r'id="otp-secret">([A-Z2-7]+)<', setup.text)
    assert secret
    # A reload shows the same key (the app may be half-way through scanning).
    assert secret.group(1) in client.get("/login/code/setup").text
    assert _post(client, "/login/code/setup", code="000000").status_code == 422

    code = pyotp.TOTP(secret.group(1)).now()
    done = _post(client, "/login/code/setup", code=code, next="/staff/vetting")
    assert done.status_code == 200
    assert done.headers["cache-control"] == "no-store"
    recovery = re.findall(r'<code class="secret">([a-z2-9]{5}-[a-z2-9]{5})</code>', done.text)
    assert len(recovery) == 10
    assert client.cookies["buddy_session"] != half  # a new session id after the second factor
    assert client.get("/staff/vetting", follow_redirects=False).status_code == 200
    user = db.scalar(select(User).where(User.email == "new.staff@city.example"))
    assert user is not None
    assert user.totp_enabled_at is not None


def test_code_page_codes_are_single_use_and_recovery_codes_work_once(
    client: TestClient, db: Session
) -> None:
    make_staff(db, "staff@city.example")
    db.commit()
    user = _enrolled(db, "staff@city.example")
    assert user.totp_secret is not None
    totp = pyotp.TOTP(user.totp_secret)
    step1 = _password_step(client, "staff@city.example")
    assert step1.headers["location"] == "/login/code?next=/staff"
    assert _post(client, "/login/code", code="123456", next="/staff").status_code == 401
    code = totp.now()
    ok = _post(client, "/login/code", code=code, next="/staff")
    assert ok.status_code == 303
    assert ok.headers["location"] == "/staff"
    assert client.get("/staff").status_code == 200

    with TestClient(client.app) as other:
        _password_step(other, "staff@city.example")
        # The same code again (a replay) is refused.
        assert _post(other, "/login/code", code=code).status_code == 401
        # Recovery codes (made at enrolment) work, once each.
        from app.auth import totp as totp_service

        codes = totp_service.new_recovery_codes(db, user)
        db.commit()
        assert _post(other, "/login/code", code=codes[0].upper()).status_code == 303
        assert other.get("/staff").status_code == 200
    with TestClient(client.app) as third:
        _password_step(third, "staff@city.example")
        assert _post(third, "/login/code", code=codes[0]).status_code == 401


def test_wrong_codes_are_throttled(client: TestClient, db: Session) -> None:
    make_staff(db, "staff@city.example")
    db.commit()
    _enrolled(db, "staff@city.example")
    _password_step(client, "staff@city.example")
    for _ in range(5):
        assert _post(client, "/login/code", code="000000").status_code == 401
    locked = _post(client, "/login/code", code="000000")
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


def test_api_tokens_for_staff_need_the_code(client: TestClient, db: Session) -> None:
    make_staff(db, "api.staff@city.example")
    db.commit()

    def token(**extra: str) -> Any:
        data = {"username": "api.staff@city.example", "password": PASSWORD, **extra}
        return client.post("/api/v1/auth/token", data=data)

    not_enrolled = token()
    assert not_enrolled.status_code == 403
    assert "two-step login" in not_enrolled.json()["detail"]
    user = _enrolled(db, "api.staff@city.example")
    assert user.totp_secret is not None
    assert token().status_code == 401
    assert token(otp="000000").status_code == 401
    good = token(otp=pyotp.TOTP(user.totp_secret).now())
    assert good.status_code == 200
    headers = {"Authorization": f"Bearer {good.json()['access_token']}"}
    assert client.get("/api/v1/volunteers", headers=headers).status_code == 200
    db.expire_all()
    api_token = db.scalar(select(AuthToken).where(AuthToken.kind == TokenKind.api))
    assert api_token is not None
    assert api_token.second_factor is True
    # The test helper passes the second factor by itself.
    assert client.get("/api/v1/volunteers", headers=bearer(client, user.email)).status_code == 200


def test_staff_sessions_idle_out_after_30_minutes(client: TestClient, db: Session) -> None:
    make_staff(db, "idle.staff@city.example")
    db.commit()
    browser_login(client, "idle.staff@city.example")
    assert client.get("/staff", follow_redirects=False).status_code == 200

    def idle_for(delta: timedelta) -> None:
        db.execute(update(AuthToken).values(last_used_at=utcnow() - delta))
        db.commit()

    idle_for(timedelta(minutes=29))
    assert client.get("/staff", follow_redirects=False).status_code == 200
    idle_for(timedelta(minutes=31))
    r = client.get("/staff", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?")
