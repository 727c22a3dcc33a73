"""Security headers on every route of the route table, no inline script or style anywhere, the
relaxed policy only on /docs, HSTS in production, and the API docs switch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.web.headers import DOCS_PAGES, DOCS_POLICY, POLICY
from app.web.templating import FRONTEND
from tests.factories import browser_login, make_active_contract, make_checkin, make_staff
from tests.leakwalk import fill, page_seeds, walk_pages

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routes are copied flat into app.routes

    def iter_route_contexts(routes: object) -> Iterator[object]:  # type: ignore[misc]
        return iter(routes)  # type: ignore[call-overload]


ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def _assert_secure(url: str, headers: object, *, docs: bool = False) -> None:
    got = dict(headers)  # type: ignore[call-overload]
    policy = got.get("content-security-policy", "")
    assert policy == (DOCS_POLICY if docs else POLICY), url
    assert "frame-ancestors 'none'" in policy
    for name, value in ALWAYS.items():
        assert got.get(name) == value, (url, name)
    if url.startswith("/static/"):
        assert "no-store" not in got.get("cache-control", ""), url
    else:
        assert got.get("cache-control") == "no-store", url
    assert "strict-transport-security" not in got, "HSTS only in production"


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        for method in sorted(set(methods or ()) - {"HEAD", "OPTIONS"}):
            found.append((method, str(path)))
    assert len(found) > 90
    return found


def test_every_route_carries_the_headers(app: FastAPI, client: TestClient, db: Session) -> None:
    """Every method and path of the route table, as staff (who reach the most), answers with
    the headers whatever the status — refusals, redirects and files included."""
    staff = make_staff(db)
    contract = make_active_contract(db)
    checkin = make_checkin(db, contract, contract.start_date)
    db.commit()
    browser_login(client, staff.email)
    ids = contract.id
    values: dict[str, list[object]] = {
        "contract_id": [ids], "checkin_id": [checkin.id], "newcomer_id": [contract.newcomer_id],
        "volunteer_id": [contract.volunteer_id], "person_id": [contract.newcomer_id],
        "round_id": [1], "email_id": [1], "kind": ["contracts"], "event_id": [1], "slot_id": [1],
        "message_id": [1],
    }  # fmt: skip
    checked = 0
    for method, path in _routes(app):
        for url in fill(path, values):
            response = client.request(method, url, follow_redirects=False)
            assert response.status_code < 500, (method, url, response.status_code)
            _assert_secure(url, response.headers, docs=url in DOCS_PAGES)
            checked += 1
    static = client.get("/static/site.css")
    assert static.status_code == 200
    _assert_secure("/static/site.css", static.headers)
    # Files with personal data in particular.
    for url in (f"/contracts/{ids}.pdf", f"/contracts/{ids}.ics", "/staff/exports/contracts.csv",
                "/staff/hours.csv", f"/staff/hours/{contract.newcomer_id}/statement.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-store"
    assert checked > 90


_INLINE = [
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def _inline(text: str) -> list[str]:
    return [what for pattern, what in _INLINE if pattern.search(text)]


def test_templates_have_no_inline_script_or_style() -> None:
    """The policy forbids them, so a browser would drop them: none may be written. Emails are
    not served by the site (mail clients need inline styles)."""
    templates = FRONTEND / "templates"
    offenders = {
        str(path.relative_to(templates)): _inline(path.read_text(encoding="utf-8"))
        for path in templates.rglob("*.html")
        if path.parent.name != "notifications"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_rendered_pages_have_no_inline_script_or_style(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    """Also what the code adds to pages (charts, macros): every page staff can reach."""
    staff = make_staff(db)
    contract = make_active_contract(db)
    make_checkin(db, contract, contract.start_date, concern="worried")
    db.commit()
    browser_login(client, staff.email)
    values: dict[str, list[object]] = {
        "contract_id": [contract.id], "checkin_id": [1], "newcomer_id": [contract.newcomer_id],
        "volunteer_id": [contract.volunteer_id], "person_id": [contract.newcomer_id],
        "round_id": [1], "email_id": [1], "kind": ["contracts"], "event_id": [1], "slot_id": [1],
        "message_id": [1],
    }  # fmt: skip
    walk = walk_pages(client, ["/", *page_seeds(app, values)], [])
    html = {u: t for u, t in walk.texts.items() if "<html" in t}
    assert len(html) > 15
    assert {url: _inline(text) for url, text in html.items() if _inline(text)} == {}


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'h.db'}",
                    secret_key="k" * 40, secret_file=tmp_path / "s", **overrides)  # fmt: skip


def test_docs_get_a_minimal_relaxation_and_the_schema_does_not(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        docs = client.get("/docs")
        assert docs.status_code == 200
        _assert_secure("/docs", docs.headers, docs=True)
        schema = client.get("/openapi.json")
        _assert_secure("/openapi.json", schema.headers)


def test_production_adds_hsts(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.environment = "production"
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("flag", [True, False])
def test_api_docs_can_be_switched_off(tmp_path: Path, flag: bool) -> None:
    with TestClient(create_app(_settings(tmp_path, api_docs=flag))) as client:
        for url in ("/docs", "/openapi.json", "/redoc"):
            expected = 200 if flag else 404
            assert client.get(url).status_code == expected, url
        assert client.get("/healthz").status_code == 200


def test_a_crash_still_carries_the_headers(tmp_path: Path) -> None:
    """A 500 is sent by Starlette's outermost middleware, outside SecurityHeaders."""

    def boom() -> None:
        raise RuntimeError("boom")

    app = create_app(_settings(tmp_path))
    app.add_api_route("/boom", boom)
    app.add_api_route("/api/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        for url in ("/boom", "/api/v1/boom"):
            response = client.get(url)
            assert response.status_code == 500
            _assert_secure(url, response.headers)
