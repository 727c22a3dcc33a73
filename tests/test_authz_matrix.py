"""Who may call which API endpoint: every role × every ``/api/v1`` route of the real app.

The routes are read from ``app.routes``, so an endpoint added later is tested too — and this
test FAILS until its expectations are added to ``EXPECTATIONS`` below (and, for a new path
parameter, a value to ``PATH_VALUES``). Add yours when you add a route.

Path ids always point at records that are NOT the caller's own (another newcomer, another
volunteer), so "someone else's record" must come back 403 or 404 for non-staff callers.
Requests carry an empty body: an allowed caller then gets past authorisation and fails on
validation (422) — which counts as allowed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import TokenKind, User
from app.auth.service import issue_token
from app.config import Settings
from app.main import create_app
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer
from tests.factories import make_newcomer, make_staff, make_volunteer

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routes are copied flat into app.routes

    def iter_route_contexts(routes: Any) -> Any:  # type: ignore[misc]
        return iter(routes)

ROLES = ("anonymous", "newcomer", "volunteer", "staff")

OK = "allowed"  # got past authorisation: anything but 401/403/404/405 or a server error
UNAUTHENTICATED = "401"
FORBIDDEN = "403"
HIDDEN = "403 or 404"  # someone else's record: refusing or pretending it does not exist

Expectation = dict[str, str]


def only(*allowed: str, anonymous: str = UNAUTHENTICATED, others: str = FORBIDDEN) -> Expectation:
    return {
        role: OK if role in allowed else (anonymous if role == "anonymous" else others)
        for role in ROLES
    }


PUBLIC = dict.fromkeys(ROLES, OK)
ANY_USER = only("newcomer", "volunteer", "staff")
STAFF = only("staff")

EXPECTATIONS: dict[tuple[str, str], Expectation] = {
    # auth
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY_USER,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/confirm"): PUBLIC,
    ("POST", "/api/v1/me/password"): ANY_USER,
    # inbox: one's own messages only; the other side's message is hidden from everyone
    ("GET", "/api/v1/me/messages"): ANY_USER,
    ("GET", "/api/v1/me/messages/{message_id:int}"): only(others=HIDDEN),
    # people: registration is for visitors; staff may register newcomers on their behalf
    ("GET", "/api/v1/neighbourhoods"): PUBLIC,
    ("POST", "/api/v1/newcomers"): only("anonymous", "staff"),
    ("POST", "/api/v1/volunteers"): only("anonymous"),
    ("GET", "/api/v1/me"): ANY_USER,
    ("PATCH", "/api/v1/me"): only("newcomer", "volunteer"),
    ("POST", "/api/v1/me/pause"): only("volunteer"),
    ("POST", "/api/v1/me/resume"): only("volunteer"),
    # privacy (GDPR): one's own export and erasure request; staff export and erase anyone
    ("GET", "/api/v1/me/export"): ANY_USER,
    ("POST", "/api/v1/me/erasure"): only("newcomer", "volunteer"),
    ("GET", "/api/v1/people/{person_id}/export"): STAFF,
    ("POST", "/api/v1/people/{person_id}/erase"): STAFF,
    # people: staff screening
    ("GET", "/api/v1/volunteers"): STAFF,
    ("GET", "/api/v1/volunteers/{volunteer_id}"): STAFF,
    ("POST", "/api/v1/volunteers/{volunteer_id}/vetting"): STAFF,
    ("GET", "/api/v1/newcomers"): STAFF,
    ("GET", "/api/v1/newcomers/{newcomer_id}"): STAFF,
    ("POST", "/api/v1/newcomers/{newcomer_id}/intake"): STAFF,
    # matching: staff run rounds; a newcomer sees and answers their own panel
    ("POST", "/api/v1/matching/rounds"): STAFF,
    ("GET", "/api/v1/matching/rounds"): STAFF,
    ("GET", "/api/v1/matching/rounds/{round_id}"): STAFF,
    ("GET", "/api/v1/me/panel"): only("newcomer"),
    ("POST", "/api/v1/me/panel/choice"): only("newcomer"),
    ("POST", "/api/v1/me/panel/decline"): only("newcomer"),
    # contracts: the path's contract is between two other people
    ("GET", "/api/v1/contracts"): ANY_USER,
    ("GET", "/api/v1/contracts/{contract_id:int}"): only("staff", others=HIDDEN),
    ("GET", "/api/v1/contracts/{contract_id:int}.pdf"): only("staff", others=HIDDEN),
    ("GET", "/api/v1/contracts/{contract_id:int}.ics"): only("staff", others=HIDDEN),
    ("POST", "/api/v1/contracts/{contract_id:int}/end"): only("staff", others=HIDDEN),
    # only the two parties sign; only the volunteer declines — not even staff
    ("POST", "/api/v1/contracts/{contract_id:int}/sign"): {
        **only(others=HIDDEN), "staff": FORBIDDEN,
    },
    ("POST", "/api/v1/contracts/{contract_id:int}/decline"): {
        **only(others=HIDDEN), "staff": FORBIDDEN,
    },
    # meetings: the pair logs and confirms (not staff); staff read, change, delete, resolve
    ("POST", "/api/v1/contracts/{contract_id:int}/checkins"): {
        **only(others=HIDDEN), "staff": FORBIDDEN,
    },
    ("GET", "/api/v1/contracts/{contract_id:int}/checkins"): only("staff", others=HIDDEN),
    ("GET", "/api/v1/contracts/{contract_id:int}/progress"): only("staff", others=HIDDEN),
    ("GET", "/api/v1/checkins/{checkin_id:int}"): only("staff", others=HIDDEN),
    ("PATCH", "/api/v1/checkins/{checkin_id:int}"): only("staff", others=HIDDEN),
    ("DELETE", "/api/v1/checkins/{checkin_id:int}"): only("staff", others=HIDDEN),
    ("POST", "/api/v1/checkins/{checkin_id:int}/confirm"): {
        **only(others=HIDDEN), "staff": FORBIDDEN,
    },
    ("POST", "/api/v1/checkins/{checkin_id:int}/resolve-concern"): STAFF,
    # follow-up calls: staff only
    ("GET", "/api/v1/contracts/{contract_id:int}/calls"): STAFF,
    ("POST", "/api/v1/contracts/{contract_id:int}/calls"): STAFF,
    # evaluation: each side writes its own (not staff); certificate: the newcomer, staff
    ("POST", "/api/v1/contracts/{contract_id:int}/evaluation"): {
        **only(others=HIDDEN), "staff": FORBIDDEN,
    },
    ("GET", "/api/v1/contracts/{contract_id:int}/evaluation"): only("staff", others=HIDDEN),
    ("GET", "/api/v1/contracts/{contract_id:int}/certificate.pdf"): only("staff", others=HIDDEN),
    # programme monitoring: the numbers, the at-risk list and the exports are for staff only
    ("GET", "/api/v1/programme/stats"): STAFF,
    ("GET", "/api/v1/programme/at-risk"): STAFF,
    ("GET", "/api/v1/exports/contracts.csv"): STAFF,
    ("GET", "/api/v1/exports/checkins.csv"): STAFF,
    # events: staff run them; the invited person answers (the path's event invites nobody
    # of the acting users, so their answer is refused)
    ("POST", "/api/v1/events"): STAFF,
    ("GET", "/api/v1/events"): STAFF,
    ("GET", "/api/v1/events/{event_id}"): STAFF,
    ("POST", "/api/v1/events/{event_id}/invitations"): STAFF,
    ("POST", "/api/v1/events/{event_id}/rsvp"): {**only(others=HIDDEN), "staff": FORBIDDEN},
    ("GET", "/api/v1/events/{event_id}/timetable"): STAFF,
    ("POST", "/api/v1/events/{event_id}/attendance"): STAFF,
    # intake and screening records: staff only
    ("GET", "/api/v1/newcomers/{newcomer_id}/intake-record"): STAFF,
    ("PUT", "/api/v1/newcomers/{newcomer_id}/intake-record"): STAFF,
    ("GET", "/api/v1/volunteers/{volunteer_id}/screening-record"): STAFF,
    ("PUT", "/api/v1/volunteers/{volunteer_id}/screening-record"): STAFF,
    # intake slots: staff publish them and book at the desk; a newcomer books their own talk
    ("POST", "/api/v1/intake-slots"): STAFF,
    ("GET", "/api/v1/intake-slots"): STAFF,
    ("GET", "/api/v1/intake-slots/{slot_id}"): STAFF,
    ("DELETE", "/api/v1/intake-slots/{slot_id}"): STAFF,
    ("PUT", "/api/v1/newcomers/{newcomer_id}/intake-booking"): STAFF,
    ("DELETE", "/api/v1/newcomers/{newcomer_id}/intake-booking"): STAFF,
    ("GET", "/api/v1/me/intake-slots"): only("newcomer"),
    ("GET", "/api/v1/me/intake-booking"): only("newcomer"),
    ("POST", "/api/v1/me/intake-booking"): only("newcomer"),
    ("DELETE", "/api/v1/me/intake-booking"): only("newcomer"),
}


@dataclass
class World:
    """The acting users, and records that belong to none of them."""

    staff: User
    newcomer: Newcomer
    volunteer: Volunteer
    other_newcomer: Newcomer
    other_volunteer: Volunteer
    # Records other domains need for their path parameters (see RECORD_BUILDERS).
    records: dict[str, Any] = field(default_factory=dict)


# Builders for more records, run after the people exist: e.g. a contract between
# ``other_newcomer`` and ``other_volunteer``, stored as ``world.records["contract"]``.
RECORD_BUILDERS: list[Callable[[Session, World], None]] = []


def _matching_records(db: Session, world: World) -> None:
    """An active contract between the two *other* people, a round, and an open panel for the
    acting newcomer (so their own panel routes get past "you have no panel")."""
    from app.config import Cadence
    from app.contracts.models import Contract, ContractStatus
    from app.db import utcnow
    from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus

    now = utcnow()
    contract = Contract(
        newcomer_id=world.other_newcomer.id, volunteer_id=world.other_volunteer.id,
        status=ContractStatus.active, cadence=Cadence.weekly, months=6,
        meeting_slot="mon-evening", start_date=now.date(),
        end_date=now.date() + timedelta(days=182), end_note="",
    )
    round_ = MatchingRound()
    panel = Panel(round=round_, newcomer_id=world.newcomer.id, status=PanelStatus.open,
                  expires_at=now + timedelta(days=14), decline_reason="")
    panel.candidates = [PanelCandidate(volunteer_id=world.volunteer.id, rank=1, score=0.5,
                                       reasons={}, distance_km=1.0)]
    db.add_all([contract, round_, panel])
    db.flush()
    world.records.update(contract=contract, round=round_)


RECORD_BUILDERS.append(_matching_records)


def _meeting_records(db: Session, world: World) -> None:
    """A meeting of the other pair's contract (logged by their volunteer)."""
    from tests.factories import make_checkin

    contract = world.records["contract"]
    world.records["checkin"] = make_checkin(db, contract, contract.start_date)


RECORD_BUILDERS.append(_meeting_records)


def _event_records(db: Session, world: World) -> None:
    """A speed-dating session inviting only the two *other* people."""
    from app.db import utcnow
    from app.events.models import Event, EventKind, Invitation

    start = utcnow() + timedelta(days=10)
    event = Event(kind=EventKind.speed_dating, title="Speed dating", starts_at=start,
                  ends_at=start + timedelta(hours=2), place="City hall", slot_minutes=10,
                  languages=[])
    event.invitations = [Invitation(person_id=world.other_newcomer.id),
                         Invitation(person_id=world.other_volunteer.id)]
    db.add(event)
    db.flush()
    world.records["event"] = event


RECORD_BUILDERS.append(_event_records)


def _intake_slot_records(db: Session, world: World) -> None:
    """An intake slot where the acting newcomer and the other newcomer have each a booking
    (so cancelling, by the newcomer or by staff at the desk, has something to cancel)."""
    from app.db import utcnow
    from app.intake.models import IntakeBooking, IntakeSlot

    slot = IntakeSlot(starts_at=utcnow() + timedelta(days=5), minutes=30, place="Desk 2",
                      capacity=2, booked=2)
    db.add(slot)
    db.flush()
    db.add_all([IntakeBooking(slot_id=slot.id, newcomer_id=world.newcomer.id),
                IntakeBooking(slot_id=slot.id, newcomer_id=world.other_newcomer.id)])
    db.flush()
    world.records["intake_slot"] = slot


RECORD_BUILDERS.append(_intake_slot_records)


def _inbox_records(db: Session, world: World) -> None:
    """A message in the *other* newcomer's inbox."""
    from app.inbox.models import InboxMessage

    message = InboxMessage(user_id=world.other_newcomer.user_id, dedupe_key="matrix:1",
                           kind="panel_ready", locale="en", subject="Private", body_text="x",
                           body_html="<p>x</p>")
    db.add(message)
    db.flush()
    world.records["message"] = message


RECORD_BUILDERS.append(_inbox_records)


# Values for path parameters. Add one when your route introduces a new parameter name.
PATH_VALUES: dict[str, Callable[[World], object]] = {
    "volunteer_id": lambda w: w.other_volunteer.id,
    "newcomer_id": lambda w: w.other_newcomer.id,
    "person_id": lambda w: w.other_newcomer.id,
    "contract_id": lambda w: w.records["contract"].id,
    "round_id": lambda w: w.records["round"].id,
    "checkin_id": lambda w: w.records["checkin"].id,
    "event_id": lambda w: w.records["event"].id,
    "slot_id": lambda w: w.records["intake_slot"].id,
    "message_id": lambda w: w.records["message"].id,
}


def _api_routes() -> list[tuple[str, str]]:
    """Every (method, path) under ``/api/``, including routes of included routers (which
    FastAPI ≥ 0.16x keeps nested inside ``app.routes`` rather than copying them flat)."""
    # Routes do not depend on the database, so an unconnected app is enough to list them.
    settings = Settings(environment="test", database_url="sqlite://", secret_key="matrix")
    found = set()
    for route in iter_route_contexts(create_app(settings).routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods and path.startswith("/api/"):
            for method in set(methods) - {"HEAD", "OPTIONS"}:
                found.add((method, path))
    assert found, "no API routes found: has FastAPI changed how app.routes looks?"
    return sorted(found, key=lambda key: (key[1], key[0]))


API_ROUTES = _api_routes()


def test_every_expectation_names_a_real_route() -> None:
    stale = sorted(set(EXPECTATIONS) - set(API_ROUTES))
    assert not stale, f"EXPECTATIONS lists routes the app no longer has: {stale}"
    assert all(set(e) == set(ROLES) for e in EXPECTATIONS.values())


def _world(db: Session) -> World:
    world = World(
        staff=make_staff(db),
        newcomer=make_newcomer(db, intake=IntakeStatus.approved),
        volunteer=make_volunteer(db, vetting=VettingStatus.approved),
        other_newcomer=make_newcomer(db, intake=IntakeStatus.pending),
        other_volunteer=make_volunteer(db, vetting=VettingStatus.pending),
    )
    for build in RECORD_BUILDERS:
        build(db, world)
    db.commit()
    return world


def _headers(db: Session, world: World, role: str) -> dict[str, str]:
    user = {
        "anonymous": None,
        "newcomer": world.newcomer.user,
        "volunteer": world.volunteer.user,
        "staff": world.staff,
    }[role]
    if user is None:
        return {}
    token = issue_token(db, user, TokenKind.api, timedelta(hours=1))
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _url(path: str, world: World) -> str:
    for part in [p for p in path.split("/") if p.startswith("{")]:
        name = part[1:-1].split(":")[0]  # "{contract_id:int}" → contract_id
        if name not in PATH_VALUES:
            pytest.fail(f"no value for path parameter {{{name}}}: add it to PATH_VALUES")
        path = path.replace(part, str(PATH_VALUES[name](world)))
    return path


def _matches(expected: str, status: int) -> bool:
    if expected == OK:
        return status not in (401, 403, 404, 405) and status < 500
    if expected == HIDDEN:
        return status in (403, 404)
    return str(status) == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_authorisation_matrix(
    client: TestClient, db: Session, method: str, path: str, role: str
) -> None:
    expectations = EXPECTATIONS.get((method, path))
    if expectations is None:
        pytest.fail(
            f"{method} {path} has no authorisation expectation: add it to EXPECTATIONS in "
            "tests/test_authz_matrix.py"
        )
    world = _world(db)
    headers = _headers(db, world, role)
    kwargs: dict[str, object] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    response = client.request(method, _url(path, world), **kwargs)  # type: ignore[arg-type]
    expected = expectations[role]
    assert _matches(expected, response.status_code), (
        f"{role} {method} {path}: expected {expected}, got {response.status_code} "
        f"{response.text[:200]}"
    )
