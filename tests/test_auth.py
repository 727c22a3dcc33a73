"""Login over the API and in the browser: tokens, sessions, CSRF and throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import service, throttle
from app.auth.models import AuthToken, LoginAttempt, Role, TokenKind
from app.db import utcnow
from app.errors import Conflict
from tests.factories import PASSWORD, bearer, browser_login, make_staff, make_user


def test_token_flow_and_me(client: TestClient, db: Session) -> None:
    user = make_user(db, Role.volunteer, "Mixed.Case@Example.org")
    db.commit()
    headers = bearer(client, "mixed.case@EXAMPLE.org")
    assert client.get("/api/v1/auth/logout").status_code == 405
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    # The revoked token no longer works.
    response = client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert user.email == "mixed.case@example.org"


def test_wrong_password_is_401_and_recorded(client: TestClient, db: Session) -> None:
    make_user(db, Role.newcomer, "a@example.org")
    db.commit()
    response = client.post(
        "/api/v1/auth/token", data={"username": "a@example.org", "password": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong email, phone number or password."
    db.expire_all()
    failures = db.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    )
    assert failures == 1


def test_throttling_after_five_failures_per_account(client: TestClient, db: Session) -> None:
    make_user(db, Role.newcomer, "t@example.org")
    db.commit()
    for _ in range(5):
        r = client.post("/api/v1/auth/token", data={"username": "t@example.org", "password": "bad"})
        assert r.status_code == 401
    # Even the right password is refused while locked, with a Retry-After header.
    r = client.post("/api/v1/auth/token", data={"username": "t@example.org", "password": PASSWORD})
    assert r.status_code == 429
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60 + 1
    # The browser form is locked too.
    client.get("/login")
    r = client.post(
        "/login",
        data={
            "email": "t@example.org",
            "password": PASSWORD,
            "csrftoken": client.cookies["csrftoken"],
        },
    )
    assert r.status_code == 429


def test_lock_lifts_after_window_and_backs_off(db: Session) -> None:
    policy = throttle.ThrottlePolicy()
    old = utcnow() - timedelta(minutes=16)
    for _ in range(5):
        db.add(LoginAttempt(email="w@example.org", ip="1.2.3.4", succeeded=False, created_at=old))
    db.flush()
    assert throttle.seconds_locked(db, "w@example.org", "1.2.3.4", policy) == 0
    # One more failure after the lock lifted: locked again, for twice as long (back-off).
    db.add(LoginAttempt(email="w@example.org", ip="1.2.3.4", succeeded=False))
    db.flush()
    locked = throttle.seconds_locked(db, "w@example.org", "1.2.3.4", policy)
    assert 29 * 60 < locked <= 30 * 60 + 1


def test_browser_login_renews_session_and_logout_ends_it(client: TestClient, db: Session) -> None:
    staff = make_staff(db, "staff@example.org")
    db.commit()
    browser_login(client, "staff@example.org")
    first = client.cookies.get("buddy_session")
    assert first
    browser_login(client, "staff@example.org")
    second = client.cookies.get("buddy_session")
    assert second
    assert second != first
    db.expire_all()
    sessions = db.scalars(
        select(AuthToken).where(AuthToken.user_id == staff.id, AuthToken.kind == TokenKind.session)
    ).all()
    assert len(sessions) == 1  # the first session was ended at the second login
    r = client.post(
        "/logout", data={"csrftoken": client.cookies["csrftoken"]}, follow_redirects=False
    )
    assert r.status_code == 303
    db.expire_all()
    assert (
        db.scalar(select(func.count()).select_from(AuthToken).where(AuthToken.user_id == staff.id))
        == 0
    )


def test_session_cookie_flags(client: TestClient, db: Session) -> None:
    make_staff(db, "flags@example.org")
    db.commit()
    client.get("/login")
    r = client.post(
        "/login",
        data={
            "email": "flags@example.org",
            "password": PASSWORD,
            "csrftoken": client.cookies["csrftoken"],
        },
        follow_redirects=False,
    )
    cookie = next(
        v
        for k, v in r.headers.multi_items()
        if k == "set-cookie" and v.startswith("buddy_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development/test; production sets Secure


def test_csrf_rejects_forged_form_posts(client: TestClient, db: Session) -> None:
    make_staff(db, "c@example.org")
    db.commit()
    client.get("/login")
    # No token at all, and a wrong token: both refused before any work is done.
    r = client.post("/login", data={"email": "c@example.org", "password": PASSWORD})
    assert r.status_code == 403
    r = client.post(
        "/login", data={"email": "c@example.org", "password": PASSWORD, "csrftoken": "forged"}
    )
    assert r.status_code == 403
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    # Logged in, a logout without the token does not end the session.
    browser_login(client, "c@example.org")
    r = client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/staff", follow_redirects=False).status_code != 303


def test_login_without_cookie_is_protected(app: object, db: Session) -> None:
    make_staff(db, "n@example.org")
    db.commit()
    with TestClient(app) as fresh:  # type: ignore[arg-type]
        r = fresh.post("/login", data={"email": "n@example.org", "password": PASSWORD})
        assert r.status_code == 403


def test_login_next_is_local_only(client: TestClient, db: Session) -> None:
    make_user(db, Role.volunteer, "next@example.org")
    db.commit()
    client.get("/login")
    r = client.post(
        "/login",
        data={
            "email": "next@example.org",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrftoken": client.cookies["csrftoken"],
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/me"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_duplicate_email_race_is_a_conflict_not_a_crash(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique index is the last word when two sign-ups pass the existence check at once."""
    make_user(db, Role.newcomer, "race@example.org")
    db.commit()
    monkeypatch.setattr(service, "get_user_by_email", lambda session, email: None)
    with pytest.raises(Conflict):
        service.create_user(
            db,
            email="Race@example.org",
            password="a-long-unusual-pass",
            role=Role.newcomer,
            locale="nl",
        )
    # The session is still usable after the refused insert.
    assert db.scalar(select(func.count()).select_from(AuthToken)) == 0


def test_unexpected_errors_get_a_page_and_json(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/api/v1/boom")
    def api_boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False, headers={"Accept-Language": "en"}) as c:
        page = c.get("/boom")
        assert page.status_code == 500
        assert "Something went wrong on our side" in page.text
        assert "<html" in page.text
        api = c.get("/api/v1/boom")
        assert api.status_code == 500
        assert api.json() == {
            "detail": "Something went wrong on our side. Please try again later."
        }


def test_unknown_urls_get_a_translated_page_or_json(client: TestClient) -> None:
    page = client.get("/nope", headers={"Accept-Language": "nl"})
    assert page.status_code == 404
    assert 'lang="nl"' in page.text
    assert "<html" in page.text
    api = client.get("/api/v1/nope")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}
    client.cookies.clear()  # with the CSRF cookie of the page above, a PUT is refused first
    assert client.put("/healthz").status_code == 405
