"""Every page, in every language, on a 360 px phone: nothing scrolls sideways and axe-core finds
no accessibility violation.

The data is the demo city (every programme state, made by the real services) with the logins'
people given very long names, e-mail addresses and texts. The sweep runs once per locale with
one browser context; the role changes by swapping the session cookie, not by logging in.
Routes are read from the app, so a page added later fails the test until it gets a URL here.

Runs on one backend only (SQLite): the pages render the same rows either way, the database
code is covered by the other tests on both backends, and the sweep is the slowest test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import axe_playwright_python
import pyotp
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.auth import onetime
from app.auth.models import Role, TokenKind, User
from app.auth.service import issue_token
from app.checkins.models import Checkin, Party
from app.config import Settings
from app.contracts.models import Contract, ContractStatus
from app.db import make_sessionmaker, utcnow
from app.demo.generate import DEMO_LOGINS
from app.deps import SESSION_COOKIE
from app.events.models import Event, EventKind, Invitation
from app.inbox.models import InboxMessage
from app.inbox.service import deliver
from app.intake.models import IntakeBooking, IntakeSlot
from app.matches.models import Panel, PanelStatus
from app.people.models import IntakeStatus, Newcomer, Volunteer
from tests.browser.conftest import PHONE
from tests.conftest import _wipe
from tests.demo_copy import load_demo_copy

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routes are copied flat into app.routes

    def iter_route_contexts(routes: Any) -> Any:  # type: ignore[misc]
        return iter(routes)


AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
LOCALES = ("nl", "en", "fr", "ar")
LONG_WORD = "Wolfeschlegelsteinhausenbergerdorff"
# Not pages of the site: files, the third-party API docs, the JSON schema, health probes.
# The data exports are JSON downloads, /metrics is for Prometheus.
NOT_PAGES = {"/docs", "/redoc", "/docs/oauth2-redirect", "/openapi.json", "/healthz", "/readyz",
             "/metrics", "/me/export", "/staff/people/{person_id}/export"}
NOT_PAGE_SUFFIXES = (".pdf", ".ics", ".csv")


@dataclass
class Site:
    tokens: dict[str, str] = field(default_factory=dict)  # role -> session token
    user_ids: list[int] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (role, url)
    routes: set[str] = field(default_factory=set)  # route templates the urls cover


def _lengthen(session: Session, user: User, n: int) -> None:
    """Very long data where it hurts most on a phone: names, e-mails, free text."""
    user.email = f"{'firstname.middlename.lastname' * 2}.{n}@a-very-long-domain-name.example.org"
    person = session.scalar(select(Newcomer).where(Newcomer.user_id == user.id)) or session.scalar(
        select(Volunteer).where(Volunteer.user_id == user.id)
    )
    if person is not None:
        person.first_name = f"Maximiliana-Alexandrina {LONG_WORD}"
        person.last_name = f"{LONG_WORD}-Abdelrahman"
        if isinstance(person, Volunteer):
            person.bio = f"{LONG_WORD} " * 6 + "https://example.org/" + "x" * 80


def _arrange(engine: Engine, settings: Settings) -> Site:
    site = Site()
    with make_sessionmaker(engine)() as session:
        load_demo_copy(session, settings.city)
        session.flush()
        panel = session.scalars(select(Panel).where(Panel.status == PanelStatus.open)).first()
        assert panel is not None, "the demo city has an open panel"
        candidate_id = panel.candidates[0].volunteer_id
        contract = session.scalars(
            select(Contract)
            .where(Contract.status == ContractStatus.active)
            .where(Contract.id.in_(select(Checkin.contract_id)))
        ).first()
        assert contract is not None, "the demo city has an active contract with meetings"
        checkins = session.scalars(
            select(Checkin).where(Checkin.contract_id == contract.id).order_by(Checkin.id)
        ).all()
        assert len(checkins) >= 2, "the demo pair has met at least twice"
        # Each side may change a meeting it logged itself, within the edit window.
        edits: dict[str, int] = {}
        for checkin, side in zip(checkins[-2:], Party, strict=True):
            checkin.logged_by_side, checkin.created_at = side, utcnow()
            checkin.logged_by_id = getattr(contract, side.value).user_id
            edits[side.value] = checkin.id
        users = {
            "panel": session.get_one(Newcomer, panel.newcomer_id).user,
            "newcomer": contract.newcomer.user,
            "volunteer": contract.volunteer.user,
            "staff": session.scalars(select(User).where(User.email == DEMO_LOGINS["staff"])).one(),
        }
        taken = {user.id for user in users.values()}
        newcomers = session.scalars(
            select(Newcomer).where(Newcomer.user_id.not_in(taken)).order_by(Newcomer.id)
        ).all()
        applicant = next(n for n in newcomers if n.intake_status is IntakeStatus.pending)
        others = [n for n in newcomers if n is not applicant]
        users["applicant"] = applicant.user  # waits for the intake talk, booked in a slot
        users["consent"] = others[0].user  # accepted an older privacy notice: asked again
        others[0].consent_version = "2000-01"
        # Staff half-way through logging in: the code page, and the first-time setup page.
        for role, enrolled in (("code", True), ("code_setup", False)):
            half = User(email=f"{role}.{LONG_WORD}@city.example.org".lower(), role=Role.staff,
                        locale="nl", password_hash=users["staff"].password_hash,
                        totp_secret=pyotp.random_base32(),
                        totp_enabled_at=utcnow() if enrolled else None)  # fmt: skip
            session.add(half)
            users[role] = half
        session.flush()
        site.user_ids = [user.id for user in users.values()]
        for n, user in enumerate(users.values()):
            _lengthen(session, user, n)
        for role, user in users.items():
            second = user.role is Role.staff and role not in ("code", "code_setup")
            site.tokens[role] = issue_token(session, user, TokenKind.session, timedelta(hours=2),
                                            second_factor=second)  # fmt: skip
        event, slot = _events_and_slots(session, contract, applicant)
        messages = {role: _message(session, settings, users[role], role)
                    for role in ("newcomer", "volunteer")}  # fmt: skip
        setup_code = onetime.issue_setup_code(session, others[1].user, timedelta(days=7))
        reset = onetime.request_reset(session, others[2].user.email, timedelta(hours=1))
        assert reset is not None
        c, person = contract.id, contract.newcomer_id
        public = ["/", "/login", "/register/newcomer", "/register/volunteer", "/no-such-page",
                  "/password-reset", f"/password-reset/confirm?token={reset[1]}",
                  f"/set-password?code={setup_code}", "/verify/hours"]  # fmt: skip
        mine = ["/me", "/me/edit", "/me/contracts", f"/contracts/{c}", f"/contracts/{c}/meetings",
                f"/contracts/{c}/meetings/new", f"/contracts/{c}/evaluation", "/me/password",
                "/me/messages"]  # fmt: skip
        e = event.id
        staff = ["/staff", "/staff/vetting", "/staff/volunteers", "/staff/newcomers",
                 f"/staff/people/{person}", f"/staff/people/{contract.volunteer_id}",
                 f"/staff/people/{applicant.id}", f"/staff/people/{person}/messages",
                 "/staff/newcomers/new", "/staff/rounds", "/staff/contracts",
                 f"/staff/contracts/{c}/calls/new", "/staff/dashboard", "/staff/dashboard/pairs",
                 "/staff/mail", f"/contracts/{c}", f"/contracts/{c}/meetings",
                 "/staff/evaluations", "/staff/unreachable", "/staff/events", "/staff/events/new",
                 f"/staff/events/{e}", f"/staff/events/{e}/attendance",
                 f"/staff/events/{e}/timetable", "/staff/intake-slots",
                 f"/staff/intake-slots/{slot.id}", "/me/password", "/staff/hours"]  # fmt: skip
        site.pages = [
            *(("visitor", url) for url in public),
            ("code", "/login/code"),
            ("code_setup", "/login/code/setup"),
            ("consent", "/privacy/consent"),
            ("panel", "/me"),
            ("panel", "/me/panel"),
            ("panel", f"/me/panel/confirm?volunteer_id={candidate_id}"),
            ("applicant", "/me"),
            *(("newcomer", url) for url in mine),
            ("newcomer", f"/me/messages/{messages['newcomer']}"),
            ("newcomer", f"/meetings/{edits['newcomer']}/edit"),
            *(("volunteer", url) for url in mine),
            ("volunteer", f"/me/messages/{messages['volunteer']}"),
            ("volunteer", f"/meetings/{edits['volunteer']}/edit"),
            *(("staff", url) for url in staff),
        ]
        session.commit()
    return site


def _events_and_slots(
    session: Session, contract: Contract, applicant: Newcomer
) -> tuple[Event, IntakeSlot]:
    """A speed-dating session with long texts, everyone answered differently, and an intake
    slot with the applicant booked in it."""
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    event = Event(kind=EventKind.speed_dating, title=f"Speed dating {LONG_WORD} " * 2,
                  starts_at=start, ends_at=start + timedelta(hours=2), slot_minutes=10,
                  place=f"{LONG_WORD}straat 1234, {LONG_WORD}zaal", languages=["ar", "fr"])
    event.invitations = [Invitation(person_id=contract.newcomer_id, attending=True),
                         Invitation(person_id=contract.volunteer_id, attending=True),
                         Invitation(person_id=applicant.id)]  # fmt: skip
    slot = IntakeSlot(starts_at=start, minutes=30, place=f"{LONG_WORD}loket 2", capacity=3,
                      booked=1)  # fmt: skip
    session.add_all([event, slot])
    session.flush()
    session.add(IntakeBooking(slot_id=slot.id, newcomer_id=applicant.id))
    session.flush()
    return event, slot


def _message(session: Session, settings: Settings, user: User, role: str) -> int:
    """An inbox message with a long subject and body; its id."""
    text = f"{LONG_WORD} " * 20 + "https://example.org/" + "x" * 80
    assert deliver(session, settings, user=user, kind="sweep", dedupe_key=f"sweep-{role}",
                   locale="nl", subject=f"{LONG_WORD} " * 3, body_text=text,
                   body_html=f"<p>{text}</p>", about=None)  # fmt: skip
    found = session.scalar(
        select(InboxMessage.id).where(InboxMessage.dedupe_key == f"sweep-{role}")
    )
    assert found is not None
    return found


def _page_routes(settings: Settings) -> set[str]:
    from app.main import create_app

    found = set()
    for route in iter_route_contexts(create_app(settings).routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or not methods or "GET" not in methods or path.startswith("/api/"):
            continue
        if path in NOT_PAGES or path.endswith(NOT_PAGE_SUFFIXES) or path.startswith("/static"):
            continue
        found.add(path.replace(":int}", "}"))
    return found


def _route_of(url: str, routes: set[str]) -> str | None:
    parts = url.split("?")[0].split("/")
    for route in routes:
        pattern = route.split("/")
        if len(pattern) == len(parts) and all(
            p == u or (p.startswith("{") and u.isdigit())
            for p, u in zip(pattern, parts, strict=True)
        ):
            return route
    return None


@pytest.fixture(scope="module")
def site(
    live_server: str, engine: Engine, database_url: str, tmp_path_factory: Any
) -> Iterator[Site]:
    if not database_url.startswith("sqlite"):
        pytest.skip("the page sweep runs on SQLite only (see the module docstring)")
    settings = Settings(
        environment="test",
        database_url=database_url,
        secret_key="browser-test-secret-not-for-production",
        secret_file=tmp_path_factory.mktemp("sweep") / "secret",
    )
    _wipe(engine)
    try:
        arranged = _arrange(engine, settings)
        arranged.routes = _page_routes(settings)
        yield arranged
    finally:
        _wipe(engine)


def test_every_page_route_is_visited(site: Site) -> None:
    covered = {_route_of(url, site.routes) for _, url in site.pages}
    missing = site.routes - covered
    assert not missing, f"pages without a URL in the sweep: {sorted(missing)}"


_MEASURE = """() => {
  // The page's width, and what sticks out of the screen (for the report): the innermost
  // elements, and text overflowing its box (a long unbreakable word).
  const width = document.documentElement.scrollWidth, limit = window.innerWidth + 1;
  if (width <= window.innerWidth) return {width, wide: []};
  const out = r => r.width > 1 && (r.right > limit || r.left < -1);
  const skip = el => el.closest('.table-scroll, .skip, .visually-hidden');
  const snippet = text => text.trim().slice(0, 30);
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => out(el.getBoundingClientRect()) && !skip(el)
                  && ![...el.children].some(c => out(c.getBoundingClientRect())))
    .map(el => `${el.tagName.toLowerCase()}.${el.className} "${snippet(el.textContent)}"`);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim() || skip(node.parentElement)) continue;
    range.selectNodeContents(node);
    if (out(range.getBoundingClientRect()))
      wide.push(`text in ${node.parentElement.tagName}: "${snippet(node.textContent)}"`);
  }
  return {width, wide: wide.slice(0, 5)};
}"""


# Only violations are collected: gathering the passes too makes each scan several times slower.
_AXE = """async () => JSON.stringify(
  (await axe.run(document, {resultTypes: ['violations']})).violations)"""


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_fits_a_phone_and_passes_axe(
    browser: Any, live_server: str, engine: Engine, site: Site, locale: str
) -> None:
    with engine.begin() as conn:  # the accounts' saved language decides their pages
        conn.execute(update(User).where(User.id.in_(site.user_ids)).values(locale=locale))
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, locale=locale, bypass_csp=True
    )
    context.set_default_timeout(30_000)  # see _new_page in conftest.py
    host = live_server.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "buddy_locale", "value": locale, "domain": host, "path": "/"}])
    context.add_init_script(path=str(AXE_JS))  # once per context, not sent again per page
    page = context.new_page()
    problems: list[str] = []
    try:
        role = None
        for who, url in site.pages:
            if who != role:
                context.clear_cookies(name=SESSION_COOKIE)
                if who != "visitor":
                    context.add_cookies([{"name": SESSION_COOKIE, "value": site.tokens[who],
                                          "domain": host, "path": "/"}])  # fmt: skip
                role = who
            answer = page.goto(url)
            assert answer is not None
            if answer.status >= 500 or (answer.status >= 400 and url != "/no-such-page"):
                problems.append(f"{who} {url}: HTTP {answer.status}")
                continue
            assert page.locator("html").get_attribute("lang") == locale, url
            measured = page.evaluate(_MEASURE)
            if measured["width"] > PHONE["width"]:
                problems.append(f"{who} {url}: {measured['width']} px wide {measured['wide']}")
            if page.locator("label.tap input[type=checkbox]").count():
                # Ticked choices turn bold: "Nederlands oefenen" once widened the meeting form.
                for box in page.locator("label.tap input[type=checkbox]").all():
                    box.check()
                measured = page.evaluate(_MEASURE)
                if measured["width"] > PHONE["width"]:
                    problems.append(
                        f"{who} {url} ticked: {measured['width']} px {measured['wide']}"
                    )
            result = page.evaluate(_AXE)
            for violation in json.loads(result):
                targets = [n["target"] for n in violation["nodes"][:3]]
                problems.append(f"{who} {url}: axe {violation['id']} {targets}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
