"""The app on a city intranet: API docs served locally, compressed pages, API languages."""

from __future__ import annotations

import gzip
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import User
from tests.factories import PASSWORD, make_newcomer, make_staff

_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']|url\(["']?([^"')]+)""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_use_only_local_assets(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    urls = [a or b for a, b in _URL.findall(page.text)]
    assert urls, "the page loads its assets"
    assert not re.search(r"https?://", page.text.split("<body")[0] + " ".join(urls)), urls
    assert "fonts.googleapis" not in page.text
    assert "jsdelivr" not in page.text
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "/openapi.json" in page.text
    assert client.get("/openapi.json").status_code == 200


def _transferred(client: TestClient, path: str) -> tuple[int, int]:
    """(bytes on the wire, bytes of HTML), asking for gzip like every browser does."""
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as answer:
        assert answer.status_code == 200, path
        assert answer.headers.get("content-encoding") == "gzip", path
        raw = b"".join(answer.iter_raw())
    return len(raw), len(gzip.decompress(raw))


@pytest.mark.parametrize("locale", ["nl", "ar"])
def test_biggest_pages_are_compressed_under_30_kb(
    client: TestClient, db: Session, locale: str
) -> None:
    staff = make_staff(db)
    db.commit()
    client.headers["Accept-Language"] = locale
    paths = ("/register/newcomer", "/register/volunteer", "/", "/login")
    sizes = {path: _transferred(client, path) for path in paths}
    for path, (wire, _html) in sizes.items():
        assert wire < 30_000, (path, wire)
    for path in ("/register/newcomer", "/register/volunteer"):
        wire, html = sizes[path]
        assert html > 30_000, (path, html)  # the biggest pages: the limit needs compression
        assert wire < html / 4, (path, wire, html)
    from tests.factories import browser_login

    browser_login(client, staff.email)
    for path in ("/staff/newcomers/new", "/staff/dashboard", "/staff/volunteers"):
        wire, _ = _transferred(client, path)
        assert wire < 30_000, (path, wire)


def test_unauthenticated_api_error_is_english_without_accept_language(app: FastAPI) -> None:
    with TestClient(app) as client:  # no Accept-Language at all; the city's default is Dutch
        answer = client.get("/api/v1/me")
        assert answer.status_code == 401
        assert answer.json()["detail"] == "Not authenticated."
        bad = client.post("/api/v1/newcomers", json={"year_of_birth": 2024})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["message"] == "This field is required."


def test_api_errors_follow_accept_language_then_the_users_language(
    app: FastAPI, db: Session
) -> None:
    newcomer = make_newcomer(db)
    newcomer.user.locale = "fr"
    db.commit()
    with TestClient(app) as client:
        arabic = client.get("/api/v1/me", headers={"Accept-Language": "ar"})
        assert arabic.status_code == 401
        assert arabic.json()["detail"] != "Not authenticated."
        token = client.post(
            "/api/v1/auth/token", data={"username": newcomer.user.email, "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        # A staff-only endpoint refused: the account's French, since no header asks otherwise.
        refused = client.get("/api/v1/programme/stats", headers=auth)
        assert refused.status_code == 403
        from app.i18n.catalog import gettext

        assert refused.json()["detail"] == gettext("fr", "Only staff can do this.")
        assert refused.json()["detail"] != "Only staff can do this."
        # …and Accept-Language beats the account.
        dutch = client.get("/api/v1/programme/stats", headers={**auth, "Accept-Language": "nl"})
        assert dutch.json()["detail"] == gettext("nl", "Only staff can do this.")
        wrong = client.post(
            "/api/v1/auth/token", data={"username": "x@example.org", "password": "nope"}
        )
        assert wrong.json()["detail"] == "Wrong email, phone number or password."


def test_language_chosen_before_login_wins_and_is_saved(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    user_id = newcomer.user.id
    newcomer.user.locale = "nl"
    db.commit()
    client.get("/login")
    token = client.cookies["csrftoken"]
    client.post("/locale", data={"locale": "ar", "next": "/login", "csrftoken": token})
    assert client.cookies["buddy_locale"] == "ar"
    client.post(
        "/login",
        data={"email": newcomer.user.email, "password": PASSWORD, "csrftoken": token},
        follow_redirects=False,
    )
    me = client.get("/me")
    assert '<html lang="ar" dir="rtl">' in me.text
    db.expire_all()
    assert db.get(User, user_id).locale == "ar"  # type: ignore[union-attr]


def test_login_without_a_choice_uses_the_saved_language(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    newcomer.user.locale = "fr"
    db.commit()
    from tests.factories import browser_login

    browser_login(client, newcomer.user.email)
    assert '<html lang="fr" dir="ltr">' in client.get("/me").text
