"""Who may call which route: EVERY route of the real app × anonymous and every role.

The routes are read from the app's own route table (HTML pages, form posts, the JSON API,
health and docs), so a route added later is tested too — and the suite FAILS until it has an
entry in ``EXPECTATIONS`` (only ``/static`` is excluded: files, no handler, no data).

"Allowed" means the expected SUCCESS status (200, 201, 204, or 303 after a form post), reached
with a valid body; refused means exactly 401 (API, anonymous), a redirect to ``/login`` (page,
anonymous), 403, or — for someone else's record — 403 or 404.

Own records: for routes marked ``own=True`` the path points at the ACTING newcomer's and
volunteer's own record (their contract, their meeting), so the parties must succeed; each party
is then tried on ANOTHER pair's record in the same state and must be refused (403/404). Staff act
on the other pair's records.

HOW TO ADD A ROUTE
    Add one line to ``EXPECTATIONS``: ``(METHOD, path as in the route table): allow(...)``, e.g.
    ``("POST", "/contracts/{contract_id:int}/pause"): allow(newcomer=303, volunteer=303,
    own=True, state="active", body=lambda c: {"reason": "holiday"})``. Roles not named are
    refused (``refused={"staff": 404}`` states another refusal). ``state`` names the records the
    success needs (tests/authz_world.py ``STATES``: add one if none fits); ``body`` builds the JSON
    or form body from the context (``c.world``, ``c.role``); a new path parameter needs a value in
    ``authz_world.PATH_VALUES``. Use ``public(...)`` for routes open to visitors. A form post
    that also redirects when it FAILS (back to ``/me?error=…``) names its success target with
    ``location="/me?done=booked"``.

Staff sessions carry the second login step, as after the code page; the states
``half_login``/``half_login_new`` leave staff half-way, for the code page itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.auth.models import Role, TokenKind
from app.auth.pages import home_for
from app.auth.service import issue_token
from app.config import Settings
from app.deps import SESSION_COOKIE
from app.main import create_app
from tests.authz_world import OTHER, OWN, PATH_VALUES, STATES, World, build_world
from tests.factories import PASSWORD

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routes are copied flat into app.routes

    def iter_route_contexts(routes: Any) -> Any:  # type: ignore[misc]
        return iter(routes)

ROLES = ("anonymous", "newcomer", "volunteer", "staff")
PARTIES = ("newcomer", "volunteer")
EXCLUDED = {
    "/static": "static files: no handler, no personal data",
    "/static/api-docs": "the API docs' script and style files: no handler, no personal data",
}
HIDDEN = -1  # someone else's record: 403 or 404
LOGIN = -2  # a page for logged-in users: anonymous visitors are sent to /login
HOME = -3  # a visitors' page: a logged-in user is sent to their home page instead


@dataclass(frozen=True)
class Ctx:
    world: World
    role: str


@dataclass(frozen=True)
class Expect:
    ok: Mapping[str, int]  # role → success status; every other role is refused
    state: str = "people"
    body: Callable[[Ctx], dict[str, Any]] | None = None
    own: bool = False
    refused: Mapping[str, int] = field(default_factory=dict)  # non-default refusals
    form: bool = False  # an API route that takes a form body (the token endpoint)
    query: Callable[[Ctx], dict[str, Any]] | None = None
    # a redirect's expected target (start): where a page also redirects on failure
    location: str | None = None


def allow(*, state: str = "people", body: Callable[[Ctx], dict[str, Any]] | None = None,
          own: bool = False, refused: Mapping[str, int] | None = None, form: bool = False,
          query: Callable[[Ctx], dict[str, Any]] | None = None, location: str | None = None,
          **ok: int) -> Expect:
    assert set(ok) <= set(ROLES), ok
    return Expect(ok, state, body, own, refused or {}, form, query, location)


def visitors(status: int = 200, **kwargs: Any) -> Expect:
    """For visitors; logged-in users are sent to their home page."""
    return allow(anonymous=status, refused=dict.fromkeys(ROLES[1:], HOME), **kwargs)


def public(status: int = 200, **kwargs: Any) -> Expect:
    return allow(**dict.fromkeys(ROLES, status), **kwargs)


def users(status: int = 200, **kwargs: Any) -> Expect:
    return allow(newcomer=status, volunteer=status, staff=status, **kwargs)


def parties(status: int, **kwargs: Any) -> Expect:
    """Both parties, on their own record only (not staff)."""
    return allow(newcomer=status, volunteer=status, own=True, **kwargs)


def parties_and_staff(status: int = 200, **kwargs: Any) -> Expect:
    return allow(newcomer=status, volunteer=status, staff=status, own=True, **kwargs)


def staff(status: int = 200, **kwargs: Any) -> Expect:
    return allow(staff=status, **kwargs)


# --- bodies -------------------------------------------------------------------------------

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _meeting(c: Ctx) -> dict[str, Any]:
    return {"met_on": (date.today() - timedelta(days=2)).isoformat(), "minutes": 60,
            "activities": ["dutch"], "note": "Coffee at the market."}


def _registration(kind: str, api: bool) -> Callable[[Ctx], dict[str, Any]]:
    from tests.test_people_api import newcomer_body, volunteer_body
    from tests.test_staff_desk import _form

    def build(c: Ctx) -> dict[str, Any]:
        if api:
            return newcomer_body() if kind == "newcomer" else volunteer_body()
        form = _form(email=f"{kind}.{c.role}@example.org", password="long walk by the dijle")
        if kind == "volunteer":
            form.update(lang_code_0="nl", lang_level_0="native", lang_code_1="en",
                        lang_level_1="fluent", bio="Walks.", max_buddies="1")
            for key in ("arrived_on", "civic_integration", "note"):
                form.pop(key)
        return form

    return build


def _signature(c: Ctx) -> dict[str, Any]:
    person = c.world.newcomer if c.role == "newcomer" else c.world.volunteer
    return {"full_name": person.display_name, "commitment": "1"}


def _evaluation(c: Ctx) -> dict[str, Any]:
    return {"overall": 4, "goals_met": "mostly", "would_again": True, "text": "Good."}


def _profile(c: Ctx) -> dict[str, Any]:
    kind = "newcomer" if c.role == "newcomer" else "volunteer"
    form = _registration(kind, api=False)(c)
    for key in ("email", "password", "locale", "consent"):
        form.pop(key, None)
    return form


def _login(c: Ctx) -> dict[str, Any]:
    return {"email": c.world.newcomer.user.email, "password": PASSWORD}


def _decision(c: Ctx) -> dict[str, Any]:
    return {"decision": "approved", "note": "Checked."}


NEW_PASSWORD = "a quiet walk along the canal at dawn"


def _in_days(days: int, hours: int = 0) -> str:
    return (datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
            + timedelta(days=days, hours=hours)).isoformat()


def _otp(c: Ctx) -> dict[str, Any]:
    import pyotp

    secret = c.world.staff.totp_secret
    return {"code": pyotp.TOTP(secret).now() if secret else "", "next": ""}


def _code_step(status: int, **kwargs: Any) -> Expect:
    """Staff half-way through logging in; everyone else is sent away (home, or to /login)."""
    return staff(status, refused={"newcomer": HOME, "volunteer": HOME}, **kwargs)


EXPECTATIONS: dict[tuple[str, str], Expect] = {
    # --- JSON API -------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): public(
        form=True, body=lambda c: {"username": c.world.newcomer.user.email, "password": PASSWORD}),
    ("POST", "/api/v1/auth/logout"): users(204),
    ("GET", "/api/v1/neighbourhoods"): public(),
    ("POST", "/api/v1/newcomers"): allow(anonymous=201, staff=201,
                                         body=_registration("newcomer", api=True)),
    ("POST", "/api/v1/volunteers"): allow(anonymous=201, body=_registration("volunteer", True)),
    ("GET", "/api/v1/me"): users(),
    ("PATCH", "/api/v1/me"): allow(newcomer=200, volunteer=200,
                                   body=lambda c: {"interests": ["chess"]}),
    ("POST", "/api/v1/me/pause"): allow(volunteer=200),
    ("POST", "/api/v1/me/resume"): allow(volunteer=200),
    ("GET", "/api/v1/volunteers"): staff(),
    ("GET", "/api/v1/volunteers/{volunteer_id}"): staff(),
    ("POST", "/api/v1/volunteers/{volunteer_id}/vetting"): staff(body=_decision),
    ("GET", "/api/v1/newcomers"): staff(),
    ("GET", "/api/v1/newcomers/{newcomer_id}"): staff(),
    ("POST", "/api/v1/newcomers/{newcomer_id}/intake"): staff(body=_decision),
    ("POST", "/api/v1/matching/rounds"): staff(201),
    ("GET", "/api/v1/matching/rounds"): staff(),
    ("GET", "/api/v1/matching/rounds/{round_id}"): staff(state="panel"),
    ("GET", "/api/v1/me/panel"): allow(newcomer=200, state="panel"),
    ("POST", "/api/v1/me/panel/choice"): allow(
        newcomer=201, state="panel", body=lambda c: {"volunteer_id": c.world.volunteer.id}),
    ("POST", "/api/v1/me/panel/decline"): allow(newcomer=200, state="panel",
                                                body=lambda c: {"reason": "Too far away."}),
    ("GET", "/api/v1/contracts"): users(state="active"),
    ("GET", "/api/v1/contracts/{contract_id:int}"): parties_and_staff(state="active"),
    ("GET", "/api/v1/contracts/{contract_id:int}.pdf"): parties_and_staff(state="active"),
    ("GET", "/api/v1/contracts/{contract_id:int}.ics"): parties_and_staff(state="active"),
    # either side ends early, or staff
    ("POST", "/api/v1/contracts/{contract_id:int}/end"): parties_and_staff(
        state="active", body=lambda c: {"reason": "moved_away", "note": "Moved to Ghent."}),
    ("POST", "/api/v1/contracts/{contract_id:int}/sign"): parties(
        200, state="pending", body=lambda c: {"full_name": _signature(c)["full_name"]}),
    ("POST", "/api/v1/contracts/{contract_id:int}/decline"): allow(
        volunteer=200, own=True, state="pending", body=lambda c: {"reason": "No time."}),
    ("POST", "/api/v1/contracts/{contract_id:int}/checkins"): parties(
        201, state="active", body=_meeting),
    ("GET", "/api/v1/contracts/{contract_id:int}/checkins"): parties_and_staff(state="active"),
    ("GET", "/api/v1/contracts/{contract_id:int}/progress"): parties_and_staff(state="active"),
    ("GET", "/api/v1/checkins/{checkin_id:int}"): parties_and_staff(state="my_meeting"),
    ("PATCH", "/api/v1/checkins/{checkin_id:int}"): parties_and_staff(
        state="my_meeting", body=lambda c: {"minutes": 75}),
    ("DELETE", "/api/v1/checkins/{checkin_id:int}"): parties_and_staff(204, state="my_meeting"),
    ("POST", "/api/v1/checkins/{checkin_id:int}/confirm"): parties(
        200, state="their_meeting", body=lambda c: {"happened": True}),
    ("POST", "/api/v1/checkins/{checkin_id:int}/resolve-concern"): staff(
        own=True, state="worry", body=lambda c: {"note": "Called her."}),
    ("GET", "/api/v1/contracts/{contract_id:int}/calls"): staff(state="active", own=True),
    ("POST", "/api/v1/contracts/{contract_id:int}/calls"): staff(
        201, state="active", own=True, body=lambda c: {"called_on": YESTERDAY}),
    ("POST", "/api/v1/contracts/{contract_id:int}/evaluation"): parties(
        201, state="completed", body=_evaluation),
    ("GET", "/api/v1/contracts/{contract_id:int}/evaluation"): parties_and_staff(
        state="completed"),
    ("GET", "/api/v1/contracts/{contract_id:int}/certificate.pdf"): allow(
        newcomer=200, staff=200, own=True, state="completed"),
    # the one extension and carrying on as friends: the two parties only
    ("POST", "/api/v1/contracts/{contract_id:int}/extension"): parties(200, state="ending"),
    ("POST", "/api/v1/contracts/{contract_id:int}/extension/accept"): parties(
        200, state="extension_proposed"),
    ("POST", "/api/v1/contracts/{contract_id:int}/extension/decline"): parties(
        200, state="extension_proposed"),
    ("PUT", "/api/v1/contracts/{contract_id:int}/carrying-on"): parties(
        200, state="completed", body=lambda c: {"carrying_on": True}),
    ("GET", "/api/v1/programme/stats"): staff(),
    ("GET", "/api/v1/programme/at-risk"): staff(),
    ("GET", "/api/v1/exports/contracts.csv"): staff(),
    ("GET", "/api/v1/exports/checkins.csv"): staff(),
    ("GET", "/api/v1/exports/people.csv"): staff(),
    # civic-integration hours: the report for staff, the statement for its newcomer (and staff)
    ("GET", "/api/v1/hours"): staff(state="completed"),
    ("GET", "/api/v1/hours.csv"): staff(state="completed"),
    ("GET", "/api/v1/hours/{newcomer_id:int}/statement.pdf"): staff(state="completed"),
    ("GET", "/api/v1/me/hours"): allow(newcomer=200, state="completed"),
    ("GET", "/api/v1/me/hours.pdf"): allow(newcomer=200, state="completed"),
    # --- accounts: passwords, reset, the desk's setup code -----------------------------------
    ("POST", "/api/v1/me/password"): users(204, body=lambda c: {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ("POST", "/api/v1/auth/password-reset"): public(
        202, body=lambda c: {"email": c.world.other_newcomer.user.email}),
    ("POST", "/api/v1/auth/password-reset/confirm"): public(
        204, state="one_time_codes", body=lambda c: {
            "token": c.world.records["reset_token"], "new_password": NEW_PASSWORD}),
    # --- privacy (GDPR): one's own export and erasure request; staff export and erase anyone ---
    ("GET", "/api/v1/me/export"): users(),
    ("POST", "/api/v1/me/erasure"): allow(newcomer=202, volunteer=202),
    ("GET", "/api/v1/people/{person_id}/export"): staff(),
    ("POST", "/api/v1/people/{person_id}/erase"): staff(body=lambda c: {"confirm": True}),
    # --- intake and screening records: staff only ----------------------------------------------
    ("GET", "/api/v1/newcomers/{newcomer_id}/intake-record"): staff(),
    ("PUT", "/api/v1/newcomers/{newcomer_id}/intake-record"): staff(
        body=lambda c: {"age_confirmed": True, "notes": "Knows the city a little."}),
    ("GET", "/api/v1/volunteers/{volunteer_id}/screening-record"): staff(),
    ("PUT", "/api/v1/volunteers/{volunteer_id}/screening-record"): staff(
        body=lambda c: {"references_checked": True, "notes": "Two good references."}),
    # --- intake slots: staff publish and book at the desk; a newcomer books their own talk ----
    ("POST", "/api/v1/intake-slots"): staff(201, body=lambda c: {
        "starts_at": _in_days(9), "minutes": 30, "place": "Desk 1", "capacity": 1, "count": 2}),
    ("GET", "/api/v1/intake-slots"): staff(state="intake"),
    ("GET", "/api/v1/intake-slots/{slot_id}"): staff(state="intake"),
    ("DELETE", "/api/v1/intake-slots/{slot_id}"): staff(204, state="intake"),
    ("PUT", "/api/v1/newcomers/{newcomer_id}/intake-booking"): staff(
        state="intake", body=lambda c: {"slot_id": c.world.records["free_slot"]}),
    ("DELETE", "/api/v1/newcomers/{newcomer_id}/intake-booking"): staff(204, state="intake"),
    ("GET", "/api/v1/me/intake-slots"): allow(newcomer=200, state="intake"),
    ("GET", "/api/v1/me/intake-booking"): allow(newcomer=200, state="intake"),
    ("POST", "/api/v1/me/intake-booking"): allow(
        newcomer=200, state="intake", body=lambda c: {"slot_id": c.world.records["free_slot"]}),
    ("DELETE", "/api/v1/me/intake-booking"): allow(newcomer=204, state="intake"),
    # --- events: staff run them; the invited person answers (own: their own invitation) ------
    ("POST", "/api/v1/events"): staff(201, body=lambda c: {
        "kind": "training", "title": "First aid", "starts_at": _in_days(12),
        "ends_at": _in_days(12, hours=2), "place": "City hall"}),
    ("GET", "/api/v1/events"): staff(state="events"),
    ("GET", "/api/v1/events/{event_id}"): staff(state="events"),
    ("POST", "/api/v1/events/{event_id}/invitations"): staff(state="events"),
    ("POST", "/api/v1/events/{event_id}/rsvp"): parties(
        200, state="events", body=lambda c: {"attending": True}),
    ("GET", "/api/v1/events/{event_id}/timetable"): staff(state="events"),
    ("POST", "/api/v1/events/{event_id}/attendance"): staff(
        state="events", body=lambda c: {"person_ids": [c.world.other_volunteer.id]}),
    # --- programme: the evaluations summary -----------------------------------------------------
    ("GET", "/api/v1/programme/evaluations"): staff(state="completed"),
    ("GET", "/api/v1/exports/evaluations.csv"): staff(state="completed"),
    # --- the inbox: one's own messages only (another person's: 404, and it stays unread) ------
    ("GET", "/api/v1/me/messages"): users(state="inbox"),
    ("GET", "/api/v1/me/messages/{message_id:int}"): parties(
        200, state="inbox", refused={"staff": 404}),
    # --- documentation and health -----------------------------------------------------------
    ("GET", "/openapi.json"): public(),
    ("GET", "/docs"): public(),
    ("GET", "/docs/oauth2-redirect"): public(),
    ("GET", "/healthz"): public(),
    ("GET", "/readyz"): public(),
    ("GET", "/redoc"): public(),
    # closed to the public by address or token (the test client is neither): 404 for all
    ("GET", "/metrics"): allow(refused=dict.fromkeys(ROLES, 404)),
    # --- pages: visitors ----------------------------------------------------------------------
    ("GET", "/"): visitors(),
    ("GET", "/login"): visitors(),
    ("POST", "/login"): public(303, body=_login),
    ("POST", "/logout"): public(303),
    ("POST", "/locale"): public(303, body=lambda c: {"locale": "fr", "next": "/"}),
    # the second step of a staff login: only staff half-way through it (password given)
    ("GET", "/login/code"): _code_step(200, state="half_login"),
    ("POST", "/login/code"): _code_step(303, state="half_login", body=_otp),
    ("GET", "/login/code/setup"): _code_step(200, state="half_login_new"),
    ("POST", "/login/code/setup"): _code_step(200, state="half_login_new", body=_otp),
    # forgotten password and the desk's setup code: open to all (whoever holds the token)
    ("GET", "/password-reset"): public(),
    ("POST", "/password-reset"): public(
        body=lambda c: {"email": c.world.other_newcomer.user.email}),
    ("GET", "/password-reset/confirm"): public(
        state="one_time_codes", query=lambda c: {"token": c.world.records["reset_token"]}),
    ("POST", "/password-reset/confirm"): public(state="one_time_codes", body=lambda c: {
        "token": c.world.records["reset_token"], "new_password": NEW_PASSWORD}),
    ("GET", "/set-password"): public(),
    ("POST", "/set-password"): public(303, state="one_time_codes", body=lambda c: {
        "code": c.world.records["setup_code"], "new_password": NEW_PASSWORD}),
    ("GET", "/register/newcomer"): visitors(),
    ("GET", "/register/volunteer"): visitors(),
    ("POST", "/register/newcomer"): visitors(303, body=_registration("newcomer", api=False)),
    ("POST", "/register/volunteer"): visitors(303, body=_registration("volunteer", api=False)),
    # --- pages: one's own profile, panel, contracts ------------------------------------------
    # staff have no profile of their own: sent to their home page
    ("GET", "/me"): allow(newcomer=200, volunteer=200, refused={"staff": HOME}),
    ("GET", "/me/edit"): allow(newcomer=200, volunteer=200, refused={"staff": HOME}),
    ("POST", "/me/edit"): allow(newcomer=303, volunteer=303, refused={"staff": HOME},
                                body=_profile),
    ("POST", "/me/pause"): allow(volunteer=303),
    ("POST", "/me/resume"): allow(volunteer=303),
    ("GET", "/me/password"): users(),
    ("POST", "/me/password"): users(303, location="/me/password?changed=1", body=lambda c: {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    # privacy: one's own data; the consent asked again after a new notice
    ("GET", "/me/export"): users(),
    ("POST", "/me/erasure"): allow(newcomer=303, volunteer=303, location="/me?privacy="),
    ("POST", "/me/consent/withdraw"): allow(newcomer=303, volunteer=303,
                                            location="/me?privacy="),
    # staff have no notice to accept: sent on
    ("GET", "/privacy/consent"): allow(newcomer=200, volunteer=200, staff=303,
                                       state="consent_due"),
    ("POST", "/privacy/consent"): users(303, state="consent_due", location="/me",
                                        body=lambda c: {"consent": "1", "next": "/me"}),
    # events: the invited person answers and takes the calendar file of their own invitation
    ("POST", "/me/events/{event_id}/rsvp"): parties(
        303, state="events", location="/me?done=answered", body=lambda c: {"attending": "yes"}),
    ("GET", "/me/events/{event_id}.ics"): parties(200, state="events"),
    # the newcomer's intake talk
    ("POST", "/me/intake-booking"): allow(
        newcomer=303, state="intake", location="/me?done=booked",
        body=lambda c: {"slot_id": c.world.records["free_slot"]}),
    ("POST", "/me/intake-booking/cancel"): allow(newcomer=303, state="intake",
                                                 location="/me?done=cancelled"),
    ("GET", "/me/intake-booking.ics"): allow(newcomer=200, state="intake"),
    ("GET", "/me/panel"): allow(newcomer=200, state="panel"),
    ("GET", "/me/panel/confirm"): allow(
        newcomer=200, state="panel", query=lambda c: {"volunteer_id": c.world.volunteer.id}),
    ("POST", "/me/panel/choice"): allow(
        newcomer=303, state="panel", body=lambda c: {"volunteer_id": c.world.volunteer.id}),
    ("POST", "/me/panel/decline"): allow(newcomer=303, state="panel",
                                         body=lambda c: {"reason": "Too far away."}),
    ("GET", "/me/contracts"): allow(newcomer=200, volunteer=200, staff=303, state="active"),
    ("GET", "/contracts/{contract_id:int}"): parties_and_staff(state="active"),
    ("GET", "/contracts/{contract_id:int}.pdf"): parties_and_staff(state="active"),
    ("GET", "/contracts/{contract_id:int}.ics"): parties_and_staff(state="active"),
    ("POST", "/contracts/{contract_id:int}/sign"): parties(303, state="pending", body=_signature),
    ("POST", "/contracts/{contract_id:int}/decline"): allow(
        volunteer=303, own=True, state="pending", body=lambda c: {"reason": "No time."}),
    ("POST", "/contracts/{contract_id:int}/end"): parties_and_staff(
        303, state="active", body=lambda c: {"reason": "moved_away", "note": "Moved to Ghent."}),
    ("POST", "/contracts/{contract_id:int}/extension"): parties(303, state="ending"),
    ("POST", "/contracts/{contract_id:int}/extension/accept"): parties(
        303, state="extension_proposed"),
    ("POST", "/contracts/{contract_id:int}/extension/decline"): parties(
        303, state="extension_proposed"),
    ("POST", "/contracts/{contract_id:int}/carrying-on"): parties(
        303, state="completed", body=lambda c: {"carrying_on": "yes"}),
    ("GET", "/contracts/{contract_id:int}/meetings"): parties_and_staff(state="active"),
    # staff may open the form (to see it as the pair does) but not log a meeting
    ("GET", "/contracts/{contract_id:int}/meetings/new"): parties_and_staff(state="active"),
    ("POST", "/contracts/{contract_id:int}/meetings/new"): parties(
        303, state="active", body=_meeting),
    # the author changes or deletes a meeting; staff may correct one
    ("GET", "/meetings/{checkin_id:int}/edit"): parties_and_staff(state="my_meeting"),
    ("POST", "/meetings/{checkin_id:int}/edit"): parties_and_staff(
        303, state="my_meeting", body=_meeting),
    ("POST", "/meetings/{checkin_id:int}/delete"): parties_and_staff(303, state="my_meeting"),
    ("POST", "/meetings/{checkin_id:int}/confirm"): parties(
        303, state="their_meeting", body=lambda c: {"happened": "1"}),
    ("POST", "/meetings/{checkin_id:int}/resolve"): staff(
        303, own=True, state="worry", body=lambda c: {"note": "Called her."}),
    ("GET", "/contracts/{contract_id:int}/evaluation"): parties_and_staff(state="completed"),
    ("POST", "/contracts/{contract_id:int}/evaluation"): parties(
        303, state="completed", body=lambda c: {"overall": "4", "goals_met": "mostly",
                                                "would_again": "yes", "text": "Good."}),
    ("GET", "/contracts/{contract_id:int}/certificate.pdf"): allow(
        newcomer=200, staff=200, own=True, state="completed"),
    # the inbox: one's own messages only (another person's: 404, and it stays unread)
    ("GET", "/me/messages"): users(state="inbox"),
    ("GET", "/me/messages/{message_id:int}"): parties(200, state="inbox", refused={"staff": 404}),
    ("POST", "/me/messages/alerts"): users(303, location="/me/messages?saved=1"),
    # --- pages: staff -------------------------------------------------------------------------
    ("GET", "/staff"): staff(),
    ("GET", "/staff/vetting"): staff(),
    ("GET", "/staff/volunteers"): staff(),
    ("GET", "/staff/newcomers"): staff(),
    ("GET", "/staff/newcomers/new"): staff(),
    ("POST", "/staff/newcomers/new"): staff(body=_registration("newcomer", api=False)),
    ("POST", "/staff/volunteers/{volunteer_id}/vetting"): staff(303, body=_decision),
    ("POST", "/staff/newcomers/{newcomer_id}/intake"): staff(303, body=_decision),
    ("GET", "/staff/people/{person_id}"): staff(),
    ("POST", "/staff/people/{person_id}/setup-code"): staff(),
    ("POST", "/staff/people/{person_id}/checklist"): staff(
        303, location="/staff/people/", body=lambda c: {"age_confirmed": "yes", "notes": "Ok."}),
    ("GET", "/staff/people/{person_id}/export"): staff(),
    ("POST", "/staff/people/{person_id}/erase"): staff(
        303, location="/staff/people/", body=lambda c: {"confirm": "1"}),
    ("GET", "/staff/evaluations"): staff(state="completed"),
    # events
    ("GET", "/staff/events"): staff(state="events"),
    ("GET", "/staff/events/new"): staff(),
    ("POST", "/staff/events/new"): staff(303, location="/staff/events/", body=lambda c: {
        "kind": "training", "title": "First aid", "day": _in_days(12)[:10], "start": "18:00",
        "end": "20:00", "place": "City hall", "slot_minutes": "10"}),
    ("GET", "/staff/events/{event_id}"): staff(state="events"),
    ("POST", "/staff/events/{event_id}/invitations"): staff(303, state="events",
                                                            location="/staff/events/"),
    ("GET", "/staff/events/{event_id}/attendance"): staff(state="events"),
    ("POST", "/staff/events/{event_id}/attendance"): staff(
        303, state="events", location="/staff/events/",
        body=lambda c: {"person_ids": str(c.world.other_volunteer.id)}),
    ("GET", "/staff/events/{event_id}/timetable"): staff(state="events"),
    ("GET", "/staff/events/{event_id}/timetable.pdf"): staff(state="events"),
    # intake slots
    ("GET", "/staff/intake-slots"): staff(state="intake"),
    ("POST", "/staff/intake-slots"): staff(
        303, location="/staff/intake-slots?done=", body=lambda c: {
            "day": _in_days(9)[:10], "start": "10:00", "minutes": "30", "count": "2",
            "capacity": "1", "place": "Desk 1"}),
    ("GET", "/staff/intake-slots/{slot_id}"): staff(state="intake"),
    ("POST", "/staff/intake-slots/{slot_id}/delete"): staff(
        303, state="intake", location="/staff/intake-slots?done="),
    ("POST", "/staff/people/{person_id}/intake-booking"): staff(
        303, state="intake", location="/staff/people/",
        body=lambda c: {"slot_id": c.world.records["free_slot"]}),
    ("POST", "/staff/people/{person_id}/intake-booking/cancel"): staff(
        303, state="intake", location="/staff/people/"),
    ("GET", "/staff/contracts"): staff(state="active"),
    ("GET", "/staff/rounds"): staff(),
    ("POST", "/staff/rounds"): staff(303),
    ("GET", "/staff/contracts/{contract_id:int}/calls/new"): staff(state="active", own=True),
    ("POST", "/staff/contracts/{contract_id:int}/calls/new"): staff(
        303, state="active", own=True,
        body=lambda c: {"called_on": YESTERDAY, "kind": "midterm", "note": "All fine."}),
    ("GET", "/staff/dashboard"): staff(),
    ("GET", "/staff/dashboard/pairs"): staff(),
    ("GET", "/staff/exports/{kind}.csv"): staff(),
    ("GET", "/staff/hours"): staff(state="completed"),
    ("GET", "/staff/hours.csv"): staff(state="completed"),
    ("GET", "/staff/hours/{newcomer_id:int}/statement.pdf"): staff(state="completed"),
    ("GET", "/me/hours.pdf"): allow(newcomer=200, state="completed"),
    # a counsellor checks a statement's code: anyone, logged in or not
    ("GET", "/verify/hours"): public(),
    ("POST", "/verify/hours"): public(
        state="hours_statement", body=lambda c: {"code": c.world.records["hours_code"]}),
    ("GET", "/staff/mail"): staff(),
    # the inbox: who cannot be reached by email; a person's messages, any of them as a letter
    ("GET", "/staff/unreachable"): staff(),
    ("GET", "/staff/people/{person_id:int}/messages"): staff(state="inbox"),
    ("GET", "/staff/people/{person_id:int}/messages/{message_id:int}/letter.pdf"): staff(
        state="inbox"),
    ("POST", "/staff/mail/{email_id:int}/retry"): staff(303, state="failed_email"),
}


# --- the machinery --------------------------------------------------------------------------


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of ``app``, including routes of included routers (which FastAPI ≥
    0.16x keeps nested inside ``app.routes`` rather than copying them flat)."""
    found = set()
    for route in iter_route_contexts(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or path in EXCLUDED:
            continue
        assert methods, f"{path}: a route without methods (a mount?) must be in EXCLUDED"
        for method in set(methods) - {"HEAD", "OPTIONS"}:
            found.add((method, path))
    assert found, "no routes found: has FastAPI changed how app.routes looks?"
    return sorted(found, key=lambda key: (key[1], key[0]))


def _unconnected_app() -> FastAPI:
    # Routes do not depend on the database, so an unconnected app is enough to list them.
    return create_app(Settings(environment="test", database_url="sqlite://", secret_key="m"))


ROUTES = app_routes(_unconnected_app())


def cases(routes: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """(method, path, role, target): every role on its own record where the route has one,
    and every party allowed there once more on the other pair's record."""
    out = []
    for method, path in routes:
        expect = EXPECTATIONS.get((method, path))
        for role in ROLES:
            mine = expect is not None and expect.own and role in PARTIES
            out.append((method, path, role, OWN if mine else OTHER))
            if mine and expect is not None and role in expect.ok:
                out.append((method, path, role, OTHER))
    return out


def expected(expect: Expect, path: str, role: str, target: str) -> int:
    if role in expect.ok and not (expect.own and role in PARTIES and target == OTHER):
        return expect.ok[role]
    if role in expect.refused:
        return expect.refused[role]
    if role == "anonymous":
        return 401 if path.startswith("/api/") else LOGIN
    return HIDDEN if expect.own and role in PARTIES else 403


def _url(path: str, world: World, target: str) -> str:
    for part in [p for p in path.split("/") if "{" in p]:
        inner = part[part.index("{") + 1:part.index("}")]
        name = inner.split(":")[0]  # "{contract_id:int}" → contract_id
        if name not in PATH_VALUES:
            pytest.fail(f"no value for path parameter {{{name}}}: add it to PATH_VALUES")
        path = path.replace("{" + inner + "}", str(PATH_VALUES[name](world, target)))
    return path


def _login_as(client: TestClient, db: Session, world: World, role: str, api: bool
              ) -> dict[str, str]:
    user = world.user(role)
    if user is None:
        return {}
    if api:
        token = issue_token(db, user, TokenKind.api, timedelta(hours=1))
        db.commit()
        return {"Authorization": f"Bearer {token}"}
    # Staff sessions carry the second step (as after the code page), except in the states of
    # the code page itself, where staff are half-way through logging in.
    second = user.role is Role.staff and not world.records.get("half_login")
    client.cookies.set(SESSION_COOKIE, issue_token(db, user, TokenKind.session,
                                                   timedelta(hours=1), second_factor=second))
    db.commit()
    return {}


def check(client: TestClient, db: Session, method: str, path: str, role: str, target: str,
          expectations: Mapping[tuple[str, str], Expect] = EXPECTATIONS) -> str | None:
    """What is wrong with ``role`` calling the route (``None``: as expected)."""
    expect = expectations.get((method, path))
    if expect is None:
        return (f"{method} {path} has no authorisation expectation: add it to EXPECTATIONS "
                "in tests/test_authz_matrix.py")
    if expect.state not in STATES:
        return f"{method} {path}: unknown state {expect.state!r}"
    world = build_world(db, expect.state, role)
    api = path.startswith("/api/")
    if not client.cookies.get("csrftoken"):
        client.get("/login")  # the CSRF cookie, as a browser holds it after any page
    headers = _login_as(client, db, world, role, api)
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    body = expect.body(Ctx(world, role)) if expect.body else {}
    if expect.query:
        kwargs["params"] = expect.query(Ctx(world, role))
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        if api and not expect.form:
            kwargs["json"] = body
        elif method != "DELETE":
            kwargs["data"] = {**body, "csrftoken": client.cookies.get("csrftoken") or ""}
    response = client.request(method, _url(path, world, target), **kwargs)
    want, got = expected(expect, path, role, target), response.status_code
    if want == HIDDEN:
        good = got in (403, 404)
    elif want == LOGIN:
        good = got == 303 and response.headers.get("location", "").startswith("/login")
    elif want == HOME:
        user = world.user(role)
        good = got == 303 and user is not None and response.headers.get("location") == (
            home_for(user))
    else:
        good = got == want and not (
            expect.location and 300 <= got < 400
            and not response.headers.get("location", "").startswith(expect.location))
    if good:
        return None
    shown = {HIDDEN: "403 or 404", LOGIN: "303 to /login", HOME: "303 to the home page"}.get(
        want, str(want))
    if expect.location and want == expect.ok.get(role):
        shown += f" to {expect.location}"
    return (f"{role} {method} {path} ({target} record): expected {shown}, got {got} "
            f"{response.headers.get('location', '')} {response.text[:300]}")


def test_every_expectation_names_a_real_route() -> None:
    stale = sorted(set(EXPECTATIONS) - set(ROUTES))
    assert not stale, f"EXPECTATIONS lists routes the app no longer has: {stale}"
    for (method, path), expect in EXPECTATIONS.items():
        assert set(expect.ok) | set(expect.refused) <= set(ROLES), (method, path)
        assert expect.state in STATES, (method, path)
        assert not (set(expect.ok) & set(expect.refused)), (method, path)


def test_no_route_is_registered_twice() -> None:
    """A router included twice (a merge slip) shadows nothing but doubles OpenAPI operation
    ids, and a later edit to one copy would silently never run."""
    seen: dict[tuple[str, str], int] = {}
    for route in iter_route_contexts(_unconnected_app().routes):
        for method in set(getattr(route, "methods", None) or ()) - {"HEAD", "OPTIONS"}:
            key = (method, route.path)
            seen[key] = seen.get(key, 0) + 1
    assert not [key for key, n in seen.items() if n > 1]


@pytest.fixture(scope="module")
def shared_client(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One app for the whole matrix (building one per case would double its time)."""
    settings = Settings(environment="test", database_url=database_url,
                        secret_key="test-secret-key-not-for-production",
                        secret_file=tmp_path_factory.mktemp("matrix") / "secret")
    application = create_app(settings)
    with TestClient(application, headers={"Accept-Language": "en"}) as client:
        client.get("/login")
        yield client
    application.state.engine.dispose()


@pytest.fixture
def matrix_client(shared_client: TestClient, clean_db: Engine) -> TestClient:
    """The shared client with only its CSRF cookie: no session left from the previous case."""
    csrf = shared_client.cookies.get("csrftoken")
    shared_client.cookies.clear()
    if csrf:
        shared_client.cookies.set("csrftoken", csrf)
    return shared_client


@pytest.mark.parametrize(("method", "path", "role", "target"), cases(ROUTES))
def test_authorisation_matrix(
    matrix_client: TestClient, db: Session, method: str, path: str, role: str, target: str
) -> None:
    problem = check(matrix_client, db, method, path, role, target)
    assert problem is None, problem


def test_an_unguarded_route_fails_the_matrix(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    """A new page under /staff/ that forgets its guard: unlisted, the matrix names it; listed
    as staff-only, anonymous and non-staff visitors get in and the matrix reports it."""

    @app.get("/staff/xyz")
    def unguarded() -> dict[str, str]:
        return {"secret": "everyone's addresses"}

    routes = app_routes(app)
    assert ("GET", "/staff/xyz") in routes
    assert ("GET", "/staff/xyz") not in EXPECTATIONS
    missing = check(client, db, "GET", "/staff/xyz", "staff", OTHER)
    assert missing is not None
    assert "no authorisation expectation" in missing
    listed = {**EXPECTATIONS, ("GET", "/staff/xyz"): staff()}
    problems = [check(client, db, "GET", "/staff/xyz", role, OTHER, listed) for role in ROLES]
    assert problems[3] is None  # staff: 200 as expected
    assert all(p is not None and "got 200" in p for p in problems[:3]), problems
