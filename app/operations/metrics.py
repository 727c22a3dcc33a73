"""Prometheus metrics at ``/metrics``: HTTP traffic measured in this process, and programme
numbers read from the database when scraped (so every instance reports the same truth).

Closed to the public: a scrape needs ``Authorization: Bearer <BUDDY_METRICS_TOKEN>`` or must come
from an address in ``BUDDY_METRICS_ALLOW`` (default: loopback only). With several uvicorn
workers in one container, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess
mode) or scrape each instance on its own port.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.operations.logs import route_template

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0)


class HttpMetrics:
    """Per-application registry (tests build many apps; a global registry would collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "buddy_http_requests",
            "HTTP requests by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "buddy_http_request_duration_seconds",
            "HTTP request duration by route template.",
            ("route", "method"),
            buckets=_BUCKETS,
            registry=self.registry,
        )


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route, method = route_template(scope), str(scope.get("method", ""))
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)


class ProgrammeCollector(Collector):
    """Numbers of the programme, read at scrape time: people by programme state, contracts by
    status, emails by status, matching rounds run."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def collect(self) -> Iterator[Any]:
        from app.contracts.models import Contract
        from app.db import utcnow
        from app.matches.models import MatchingRound
        from app.notifications.models import OutboxEmail
        from app.programme.counts import newcomer_counts, volunteer_counts

        with self.factory() as session:
            # The one definition of each programme state (app/programme/states.py), as on
            # every page and in the API.
            now = utcnow()
            people = [
                ("newcomer", state.value, n) for state, n in newcomer_counts(session, now).items()
            ] + [
                ("volunteer", state.value, n)
                for state, n in volunteer_counts(session, now).items()
            ]
            contracts = session.execute(
                select(Contract.status, func.count()).group_by(Contract.status)
            ).all()
            emails = session.execute(
                select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
            ).all()
            rounds = session.scalar(select(func.count()).select_from(MatchingRound)) or 0
        yield _family("buddy_people", "People by kind and programme state.",
                      ("kind", "state"), people)  # fmt: skip
        yield _family("buddy_contracts", "Contracts by status.", ("status",), contracts)
        yield _family("buddy_emails", "Outbox emails by status (queued, sent, failed…).",
                      ("status",), emails)  # fmt: skip
        total = GaugeMetricFamily("buddy_matching_rounds", "Matching rounds run so far.")
        total.add_metric([], rounds)
        yield total


def _family(name: str, doc: str, labels: tuple[str, ...], rows: Any) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for *values, count in rows:
        family.add_metric([str(getattr(v, "value", v)) for v in values], count)
    return family


def allowed(settings_token: str | None, allow: list[str], client: str | None,
            authorization: str | None) -> bool:  # fmt: skip
    """A scrape is let in by the token (when one is set) or by the client's address."""
    if settings_token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given, settings_token):
            return True
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)


def render(metrics: HttpMetrics, factory: sessionmaker[Session]) -> tuple[bytes, str]:
    registry = CollectorRegistry()
    registry.register(ProgrammeCollector(factory))
    body = generate_latest(metrics.registry) + generate_latest(registry)
    return body, CONTENT_TYPE_LATEST
