"""Login throttling: per account and per address separately, back-off, trusted proxies,
registration limits (issue #8, section 2)."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import LoginAttempt, Role
from app.config import Settings
from tests.factories import PASSWORD, make_user


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A small address limit, so the tests need not fail a hundred times.
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        secret_file=tmp_path / "secret",
        login_max_failures_address=8,
        registration_max_per_hour=2,
    )


def _token(client: TestClient, email: str, password: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}, headers=headers
    )


def test_own_success_does_not_reset_the_address_count(client: TestClient, db: Session) -> None:
    """An attacker with their own account sprays other accounts; logging into their own
    account between guesses used to clear the address's count. Now it does not."""
    make_user(db, Role.volunteer, "attacker@example.org")
    db.commit()
    for i in range(7):
        assert _token(client, f"victim{i}@example.org", "guess-1234").status_code == 401
        assert _token(client, "attacker@example.org", PASSWORD).status_code == 200
    assert _token(client, "victim7@example.org", "guess-1234").status_code == 401  # 8th
    locked = _token(client, "attacker@example.org", PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


def test_account_lock_leaves_the_address_open(client: TestClient, db: Session) -> None:
    """The welcome desk is many people behind one address: one account's lock (5 failures)
    must not lock everyone else out."""
    make_user(db, Role.newcomer, "forgetful@example.org")
    make_user(db, Role.newcomer, "next.in.line@example.org")
    db.commit()
    for _ in range(5):
        assert _token(client, "forgetful@example.org", "wrong-password").status_code == 401
    assert _token(client, "forgetful@example.org", PASSWORD).status_code == 429
    assert _token(client, "next.in.line@example.org", PASSWORD).status_code == 200
    # A success elsewhere does not clear the locked account's count.
    assert _token(client, "forgetful@example.org", PASSWORD).status_code == 429


def test_html_login_locks_with_retry_after(client: TestClient, db: Session) -> None:
    make_user(db, Role.newcomer, "page@example.org")
    db.commit()
    client.get("/login")
    for expected in (401, 401, 401, 401, 401, 429):
        r = client.post("/login", data={"email": "page@example.org", "password": "not-it-at-all",
                                        "csrftoken": client.cookies["csrftoken"]})  # fmt: skip
        assert r.status_code == expected
    assert "Too many failed attempts" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert "/password-reset" in r.text  # the owner can always reset the password


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client: TestClient, db: Session) -> None:
    for i in range(8):
        # A fresh spoofed address each time must not dodge the address limit.
        r = _token(client, f"x{i}@example.org", "bad-password", **{"X-Forwarded-For": f"9.9.9.{i}"})
        assert r.status_code == 401
    assert _token(client, "y@example.org", "bad-password").status_code == 429
    db.expire_all()
    assert {a.ip for a in db.scalars(select(LoginAttempt))} == {"testclient"}


def test_address_from_believes_only_trusted_proxies() -> None:
    proxies = [ip_network("10.0.0.0/8"), ip_network("::1/128")]
    assert throttle.address_from("203.0.113.5", "1.1.1.1", proxies) == "203.0.113.5"
    assert throttle.address_from("10.0.0.2", "1.1.1.1", proxies) == "1.1.1.1"
    # The client may write anything on the left; the rightmost untrusted hop counts.
    assert throttle.address_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", proxies) == (
        "198.51.100.7"
    )
    assert throttle.address_from("10.0.0.2", "not-an-ip", proxies) == "10.0.0.2"
    assert throttle.address_from("10.0.0.2", None, proxies) == "10.0.0.2"
    assert throttle.address_from("10.0.0.2", "1.1.1.1", []) == "10.0.0.2"


def test_trusted_proxies_setting_is_validated(tmp_path: Path) -> None:
    good = Settings(environment="test", trusted_proxies="10.0.0.0/8, 127.0.0.1")
    assert len(good.trusted_proxy_networks) == 2
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        Settings(environment="test", trusted_proxies="10.0.0.0/8, proxy.example")


def test_registration_is_limited_per_address(client: TestClient, db: Session) -> None:
    def register(i: int) -> Any:
        return client.post("/api/v1/volunteers", json={
            "email": f"vol{i}@example.org", "password": "a fine long pass", "first_name": "Vera",
            "last_name": "Smet", "year_of_birth": 1980, "gender": "female",
            "buddy_gender": "any", "languages": [{"code": "nl", "level": "native"}],
            "location": {"neighbourhood": "binnenstad"}, "availability": ["mon-evening"],
            "consent": True, "locale": "nl",
        })  # fmt: skip

    assert register(1).status_code == 201, register(1).text
    assert register(2).status_code == 201
    third = register(3)
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) > 0
