"""Builds the ASGI application: ``app.main:app`` (or ``create_app(settings)`` in tests)."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from app.auth import me_router as auth_me_router
from app.auth import otp_pages as auth_otp_pages
from app.auth import pages as auth_pages
from app.auth import password_pages as auth_password_pages
from app.auth import router as auth_router
from app.checkins import pages as checkins_pages
from app.checkins import router as checkins_router
from app.config import Settings
from app.contracts import downloads as contracts_downloads
from app.contracts import extension_pages as contracts_extension_pages
from app.contracts import list_pages as contracts_list_pages
from app.contracts import pages as contracts_pages
from app.contracts import router as contracts_router
from app.dashboard import pages as dashboard_pages
from app.dashboard import router as dashboard_router
from app.db import make_engine, make_sessionmaker
from app.evaluations import pages as evaluations_pages
from app.evaluations import router as evaluations_router
from app.evaluations import summary_pages as evaluations_summary_pages
from app.evaluations import summary_router as evaluations_summary_router
from app.events import pages as events_pages
from app.events import router as events_router
from app.exports import pages as exports_pages
from app.exports import router as exports_router
from app.followup import pages as followup_pages
from app.followup import router as followup_router
from app.health import router as health_router
from app.hours import pages as hours_pages
from app.hours import router as hours_router
from app.inbox import pages as inbox_pages
from app.inbox import router as inbox_router
from app.inbox import staff_pages as inbox_staff_pages
from app.intake import pages as intake_pages
from app.intake import router as intake_router
from app.intake import slot_pages as intake_slot_pages
from app.matches import pages as matches_pages
from app.matches import router as matches_router
from app.notifications import pages as mail_pages
from app.notifications.service import bind_settings
from app.operations import router as operations_router
from app.operations.logs import RequestLogMiddleware, RouteCaptureMiddleware, configure_logging
from app.operations.metrics import HttpMetrics, MetricsMiddleware
from app.people import pages as people_pages
from app.people import router as people_router
from app.privacy import pages as privacy_pages
from app.privacy import router as privacy_router
from app.staff import pages as staff_pages
from app.web import pages as web_pages
from app.web.csrf import PageCsrf, send_csrf_failed
from app.web.docs import install_api_docs
from app.web.errors import install_error_handlers
from app.web.guard import RequestGuard
from app.web.headers import SecurityHeaders
from app.web.openapi import install_openapi
from app.web.templating import FRONTEND

# Forms a visitor posts before having any cookie still need a token (login CSRF).
_ALWAYS_PROTECT = {
    "/login", "/register/newcomer", "/register/volunteer",
    "/password-reset", "/password-reset/confirm", "/set-password",
}  # fmt: skip


# Every router, in one list so the order of routes is explicit (earlier routes win).
_ROUTERS = (
    health_router, auth_router, auth_me_router, auth_pages, auth_otp_pages, auth_password_pages,
    web_pages,
    people_router, people_pages, privacy_router, privacy_pages, staff_pages,
    contracts_router, contracts_pages, contracts_list_pages, contracts_extension_pages,
    contracts_downloads,
    matches_router, matches_pages,
    checkins_router, checkins_pages, followup_router, followup_pages,
    evaluations_router, evaluations_pages, events_router, events_pages,
    intake_router, intake_pages, intake_slot_pages,
    evaluations_summary_router, evaluations_summary_pages,
    dashboard_router, dashboard_pages, exports_router, exports_pages, mail_pages,
    hours_router, hours_pages,
    operations_router,
    inbox_router, inbox_pages, inbox_staff_pages,
)  # fmt: skip


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.environment)
    app = FastAPI(
        title=f"Welcome Buddy — {settings.city.name}",
        version="0.1.0",
        description="Newcomer–buddy programme: registration, matching panels, contracts, meetings.",
        # /docs and /redoc are added by install_api_docs, with assets served by the app.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)

    install_error_handlers(app)
    install_openapi(app)
    if settings.api_docs:
        install_api_docs(app)
    app.mount("/static", StaticFiles(directory=FRONTEND / "static"), name="static")
    # The outbox renders links with the settings and opens its own sessions for sending.
    bind_settings(app.state.sessionmaker, settings)
    for module in _ROUTERS:
        app.include_router(module.router)

    app.add_middleware(RouteCaptureMiddleware)
    app.add_middleware(
        PageCsrf,
        signing_secret=settings.resolved_secret_key(),
        cookie_secure=settings.secure_cookies,
        always_protect=_ALWAYS_PROTECT,
        send_csrf_failed=send_csrf_failed,
    )
    # Pages are 60-80 KB of repetitive HTML (the registration form's 21 slots), a
    # few KB gzipped, which matters on a prepaid phone plan. Level 6 (zlib's default, the
    # usual web server's) rather than Starlette's 9: 3 ms instead of 10 ms for the 300 KB
    # at-risk list, for 5 % more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    # Added last, so they run first: bad input never reaches CSRF or the app, and every
    # answer (refusals included) carries the security headers.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, production=settings.environment == "production")
    # Outermost: every request (compressed or not) is timed, counted and logged, refusals
    # by CSRF included.
    app.state.metrics = HttpMetrics()
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestLogMiddleware)
    return app


app = create_app()
# The application's long-lived objects (routes, models, schemas, templates, catalogs: some
# 300,000) never become garbage; moved out of the collector's reach, the collections that
# requests set off no longer walk them all (a full one took ~0.1 s, a stall for everyone).
gc.freeze()
