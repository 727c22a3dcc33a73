"""Bad input gets a clear 4xx, never a 500: NUL characters, ids no database can hold, huge
offsets, unreadable multipart bodies, bodies over the size limit. Run on both backends (NUL and
integer overflow were 500s on PostgreSQL)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.web.guard import MAX_ID
from tests.factories import bearer, browser_login, make_newcomer, make_staff
from tests.leakwalk import fill, get_routes

NUL_MESSAGE = "The text contains a character that is not allowed (NUL)."


@pytest.fixture
def loose(app: FastAPI) -> Iterator[TestClient]:
    """A client that returns a 500 instead of raising it, so the test can assert on it."""
    with TestClient(app, headers={"Accept-Language": "en"}, raise_server_exceptions=False) as c:
        yield c


def _refused(response: Any, status: int, message: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    if message and response.headers["content-type"].startswith("application/json"):
        assert response.json() == {"detail": message}
    elif message:  # the error page
        assert message in html.unescape(response.text)


def test_nul_in_the_login_form_and_the_token_form(loose: TestClient, db: Session) -> None:
    user = make_newcomer(db).user
    db.commit()
    loose.get("/login")
    token = loose.cookies["csrftoken"]
    page = loose.post("/login", data={"email": f"{user.email}\x00", "password": "x",
                                      "csrftoken": token})  # fmt: skip
    _refused(page, 400, NUL_MESSAGE)
    api = loose.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "pw"})
    _refused(api, 400, NUL_MESSAGE)


@pytest.mark.parametrize(
    "body",
    [
        '{"first_name": "Am\\u0000ina"}',  # the JSON escape, as any client library writes it
        '{"first_name": "x", "goals": ["a\\u0000"]}',
        '{"first\\u0000": "x"}',
    ],
)
def test_nul_in_json_anywhere(loose: TestClient, db: Session, body: str) -> None:
    staff = make_staff(db)
    db.commit()
    headers = {**bearer(loose, staff.email), "content-type": "application/json"}
    _refused(loose.post("/api/v1/newcomers", content=body, headers=headers), 400, NUL_MESSAGE)


def test_an_escaped_backslash_is_not_a_nul(loose: TestClient) -> None:
    # "\\u0000" in JSON is a backslash followed by "u0000": plain text, validated as usual.
    response = loose.post("/api/v1/volunteers", content='{"first_name": "a\\\\u0000"}',
                          headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 422


def test_nul_in_query_and_path(loose: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    auth = bearer(loose, staff.email)
    _refused(loose.get("/api/v1/volunteers?q=a%00b", headers=auth), 400, NUL_MESSAGE)
    _refused(loose.get("/api/v1/contracts/1%00", headers=auth), 400, NUL_MESSAGE)
    browser_login(loose, staff.email)
    _refused(loose.get("/staff/volunteers?q=%00"), 400, NUL_MESSAGE)


@pytest.mark.parametrize("number", [MAX_ID + 1, 2**63, 2**64 + 7, 10**40, -(MAX_ID + 1), -(2**63)])
def test_ids_no_database_can_hold_are_404(loose: TestClient, db: Session, number: int) -> None:
    """Every route with a numeric path parameter, GET and POST, as staff (who pass every
    access check and so reach the database with the id)."""
    staff = make_staff(db)
    db.commit()
    auth = bearer(loose, staff.email)
    browser_login(loose, staff.email)
    names = ("contract_id", "checkin_id", "newcomer_id", "volunteer_id", "person_id",
             "round_id", "email_id", "event_id", "slot_id", "message_id")  # fmt: skip
    values: dict[str, list[object]] = {name: [number] for name in names}
    values["kind"] = ["contracts"]
    tried = 0
    for path in get_routes(loose.app):  # type: ignore[arg-type]
        if "{" in path and path != "/staff/exports/{kind}.csv":
            for url in fill(path, values):
                for method in ("GET", "POST"):
                    response = loose.request(method, url, headers=auth, json={})
                    assert response.status_code in (404, 405), (method, url, response.status_code)
                    tried += 1
    assert tried > 20


@pytest.mark.parametrize(
    "url", ["/api/v1/contracts?offset=9223372036854775808", "/api/v1/volunteers?offset=" + "9" * 30,
            "/api/v1/newcomers?limit=99999999999999999999", "/api/v1/contracts?limit=-1"],
)  # fmt: skip
def test_huge_offsets_and_limits_are_422(loose: TestClient, db: Session, url: str) -> None:
    staff = make_staff(db)
    db.commit()
    response = loose.get(url, headers=bearer(loose, staff.email))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] in ("offset", "limit")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"x"),
        ("multipart/form-data; boundary=zz", b"garbage"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nBadHeader\r\n\r\nv\r\n--zz--\r\n"),
        ("multipart/form-data; boundary=zz",
         b"--zz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--zz--\r\n"),
        ("multipart/form-data; boundary=", b"--\r\n"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("url", ["/login", "/register/volunteer", "/api/v1/auth/token"])
def test_malformed_multipart_is_400(
    loose: TestClient, url: str, content_type: str, body: bytes
) -> None:
    loose.get("/login")  # a CSRF cookie, as a browser has: the CSRF check reads the body
    response = loose.post(url, content=body, headers={"content-type": content_type})
    _refused(response, 400, "The form could not be read. Please send it again.")


def test_a_good_multipart_token_request_still_works(loose: TestClient, db: Session) -> None:
    user = make_newcomer(db).user
    db.commit()
    response = loose.post("/api/v1/auth/token", files={"username": (None, user.email),
                                                       "password": (None, "wrong")})  # fmt: skip
    assert response.status_code == 401


def test_bodies_over_the_limit_are_413_before_being_read(loose: TestClient) -> None:
    limit = loose.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    assert limit == 1_000_000  # the default
    big = b"x" * (limit + 1)
    declared = loose.post("/api/v1/volunteers", content=big,
                          headers={"content-type": "application/json"})  # fmt: skip
    _refused(declared, 413, "The request is too large.")
    page = loose.post("/register/volunteer", content=big,
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert page.status_code == 413

    read: list[int] = []

    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length to trust
        for _ in range(40):
            read.append(1)
            yield b"y" * 100_000

    streamed = loose.post("/api/v1/volunteers", content=chunks(),
                          headers={"content-type": "application/json"})  # fmt: skip
    _refused(streamed, 413, "The request is too large.")
    assert "content-length" not in streamed.request.headers
    # A body just under the limit is read and validated as usual.
    fine = loose.post("/api/v1/volunteers", content=b" " * (limit - 10) + b"{}",
                      headers={"content-type": "application/json"})  # fmt: skip
    assert fine.status_code == 422


def test_refusals_are_translated(loose: TestClient) -> None:
    response = loose.post("/api/v1/auth/token", data={"username": "\x00", "password": "x"},
                          headers={"Accept-Language": "nl"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"] != NUL_MESSAGE
