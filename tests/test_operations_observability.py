"""Structured request logs (request id, route, status, duration; no secrets) and /metrics."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import utcnow
from app.operations.logs import configure_logging
from app.operations.metrics import allowed
from tests.factories import PASSWORD, bearer, browser_login, make_active_contract

WORRY = "WORRY-MARKER-4711"
NOTE = "NOTE-MARKER-0815"


def test_request_logs_carry_id_route_status_duration_and_no_secrets(
    client: TestClient, db: Session
) -> None:
    contract = make_active_contract(db, start=utcnow().date() - timedelta(days=14))
    volunteer_email = contract.volunteer.user.email
    newcomer_email = contract.newcomer.user.email
    contract_id = contract.id
    db.commit()

    with structlog.testing.capture_logs() as logs:
        headers = bearer(client, volunteer_email)
        token = headers["Authorization"].split()[1]
        response = client.post(
            f"/api/v1/contracts/{contract_id}/checkins",
            headers={**headers, "X-Request-ID": "trace-abc-12345"},
            json={
                "met_on": str(utcnow().date() - timedelta(days=1)),
                "minutes": 60,
                "activities": ["dutch"],
                "note": NOTE,
                "concern": {"reason": WORRY},
            },
        )
        assert response.status_code == 201, response.text
        browser_login(client, newcomer_email)
        client.get("/me")

    requests = [entry for entry in logs if entry["event"] == "request"]
    checkin = next(e for e in requests if e["method"] == "POST" and "checkins" in e["route"])
    assert checkin["route"] == "/api/v1/contracts/{contract_id}/checkins"  # the template
    assert checkin["status"] == 201
    assert checkin["request_id"] == "trace-abc-12345"  # a caller's trace id is kept
    assert checkin["duration_ms"] > 0
    assert response.headers["x-request-id"] == "trace-abc-12345"
    assert {e["route"] for e in requests} >= {"/api/v1/auth/token", "/login", "/me"}
    assert len({e["request_id"] for e in requests}) == len(requests)  # one id a request

    everything = json.dumps(logs, default=str)
    for secret in (PASSWORD, token, WORRY, NOTE, volunteer_email, newcomer_email):
        assert secret not in everything


def test_a_malformed_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 32


def test_production_logs_are_json_lines() -> None:
    stream = io.StringIO()
    configure_logging("production", stream=stream)
    try:
        structlog.get_logger("buddy.test").info("request", route="/me", status=200)
    finally:
        configure_logging("test")
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "request"
    assert line["route"] == "/me"
    assert line["level"] == "info"
    assert "timestamp" in line


def test_development_logs_are_readable_lines() -> None:
    stream = io.StringIO()
    configure_logging("development", stream=stream)
    try:
        structlog.get_logger("buddy.test").info("request", route="/me", status=200)
    finally:
        configure_logging("test")
    text = stream.getvalue()
    assert "request" in text
    assert "route=/me" in text
    assert not text.strip().startswith("{")


def test_metrics_are_closed_to_the_public(app: FastAPI) -> None:
    with TestClient(app, client=("203.0.113.9", 4000)) as outsider:
        assert outsider.get("/metrics").status_code == 404
        assert (
            outsider.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code
            == 404
        )


def test_metrics_from_an_internal_address(app: FastAPI, db: Session) -> None:
    make_active_contract(db)
    db.commit()
    with TestClient(app, client=("127.0.0.1", 4000)) as inside:
        inside.get("/healthz")
        inside.get("/api/v1/me")  # 401
        response = inside.get("/metrics")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    text = response.text
    assert 'buddy_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'buddy_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1.0' in text
    assert 'buddy_http_request_duration_seconds_bucket{le="0.3",method="GET",route="/healthz"}' in (
        text
    )
    assert 'buddy_contracts{status="active"} 1.0' in text
    assert "buddy_matching_rounds 0.0" in text
    # The programme states of app/programme/states.py, zeros included.
    assert 'buddy_people{kind="newcomer",state="active"} 1.0' in text
    assert 'buddy_people{kind="newcomer",state="waiting_for_round"} 0.0' in text
    volunteer = next(line for line in text.splitlines()
                     if line.startswith('buddy_people{kind="volunteer"') and line.endswith(" 1.0"))
    assert volunteer in {'buddy_people{kind="volunteer",state="available"} 1.0',
                         'buddy_people{kind="volunteer",state="full"} 1.0'}  # fmt: skip


def test_metrics_with_the_token(app: FastAPI) -> None:
    app.state.settings.metrics_token = "s3cret-scrape-token"
    with TestClient(app, client=("203.0.113.9", 4000)) as outsider:
        ok = outsider.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert ok.status_code == 200
    assert "buddy_emails" in ok.text


def test_allowed_addresses() -> None:
    nets = ["10.0.0.0/8", "::1/128"]
    assert allowed(None, nets, "10.1.2.3", None)
    assert allowed(None, nets, "::1", None)
    assert not allowed(None, nets, "11.0.0.1", None)
    assert not allowed(None, nets, "testclient", None)
    assert not allowed(None, [], "10.1.2.3", None)
    assert allowed("t0ken", [], "8.8.8.8", "Bearer t0ken")
    assert not allowed("t0ken", [], "8.8.8.8", "Bearer nope")
    assert not allowed(None, [], "8.8.8.8", "Bearer ")
