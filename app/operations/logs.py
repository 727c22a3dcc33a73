"""Structured logs: JSON lines in production, readable lines in development.

One line per request with a request id, the route *template* (``/api/v1/contracts/{id}``, never
the query string), the status and the duration. Nothing from a request body or a header other
than the request id is ever logged, so passwords, tokens, worries and notes cannot end up in
the logs by construction.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any, TextIO

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("buddy.http")


def configure_logging(
    environment: str, *, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """JSON in production (one object a line, for the log collector); colourless key=value
    lines elsewhere. Idempotent: tests and the CLI may call it more than once."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if environment == "production"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def route_template(scope: Scope) -> str:
    """The matched route's path template; unmatched requests are grouped, not listed by path
    (a scan of random URLs must not blow up log cardinality or metrics)."""
    route = scope.get("state", {}).get("buddy.route") or scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path:
        return str(path)
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static"
    return "<unmatched>"


class RouteCaptureMiddleware:
    """Innermost: middleware such as the CSRF check pass a *copy* of the scope inwards, so the
    router's ``scope["route"]`` never reaches the outer middleware. The ``state`` dict is shared
    by every copy: leave the matched route there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if "route" in scope and "state" in scope:
                scope["state"]["buddy.route"] = scope["route"]


class RequestLogMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would buffer streamed responses)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"], (b"x-request-id", request_id.encode())
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            log.info(
                "request",
                request_id=request_id,
                method=scope.get("method"),
                route=route_template(scope),
                status=status,
                duration_ms=duration_ms,
            )
