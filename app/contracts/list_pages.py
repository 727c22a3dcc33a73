"""The contract lists: a person's own (/me/contracts and the /me section) and the staff's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.contracts import rules, service
from app.contracts.models import LIVE_STATUSES, Contract, ContractStatus
from app.contracts.text import STATUS_LABELS, long_date
from app.deps import PageStaff, PageUser, SessionDep
from app.i18n.catalog import gettext
from app.matches.reasons import languages_phrase
from app.people.models import Person
from app.people.pages import add_me_section
from app.web.templating import redirect, render

router = APIRouter(include_in_schema=False)
STAFF_PAGE = 300  # newest first; the state filter narrows it down


def _rows(request: Request, contracts: list[Contract], user: User) -> list[dict[str, Any]]:
    locale: str = request.state.locale
    rows = []
    for c in contracts:
        side = service.side_of(c, user)
        partner = c.volunteer if side == service.Side.newcomer else c.newcomer
        rows.append({
            "contract": c,
            "status": gettext(locale, STATUS_LABELS[c.status]),
            "partner": partner,
            "languages": languages_phrase([x.code for x in partner.languages], locale),
            "show_contact": rules.contact_visible(c.status),
            "start": long_date(c.start_date, locale) if c.start_date else "",
            "end": long_date(c.end_date, locale) if c.end_date else "",
            "needs_my_signature": c.status is ContractStatus.pending
            and side is not None and getattr(c, f"{side}_signed_at") is None,
        })  # fmt: skip
    return rows


@router.get("/me/contracts")
def my_contracts(request: Request, session: SessionDep, user: PageUser) -> Response:
    if user.role is Role.staff:
        return redirect("/staff/contracts")
    contracts = service.list_for_user(session, user)
    current = [c for c in contracts if c.status in LIVE_STATUSES]
    past = [c for c in contracts if c.status not in LIVE_STATUSES]
    return render(request, "contracts/mine.html", {
        "current": _rows(request, current, user),
        "past": _rows(request, past, user),
    })  # fmt: skip


@router.get("/staff/contracts")
def staff_contracts(
    request: Request, session: SessionDep, user: PageStaff, state: str | None = None
) -> Response:
    chosen = ContractStatus(state) if state in set(ContractStatus) else None
    contracts = service.list_for_user(session, user, chosen, limit=STAFF_PAGE + 1)
    locale: str = request.state.locale
    return render(request, "contracts/staff_list.html", {
        "contracts": contracts[:STAFF_PAGE],
        "more": len(contracts) > STAFF_PAGE,
        "state": chosen.value if chosen else "",
        "states": [(s.value, gettext(locale, STATUS_LABELS[s])) for s in ContractStatus],
        "status_labels": {s: gettext(locale, label) for s, label in STATUS_LABELS.items()},
        "long_date": lambda d: long_date(d, locale) if d else "",
    })  # fmt: skip


def own_contracts(request: Request, session: Session, user: User) -> list[Contract]:
    """The reader's contracts, read once per request (several /me sections list them)."""
    cached: list[Contract] | None = getattr(request.state, "own_contracts", None)
    if cached is None:
        cached = request.state.own_contracts = service.list_for_user(session, user)
    return cached


def _me_section(
    request: Request, session: Session, user: User, person: Person
) -> dict[str, Any] | None:
    contracts = [c for c in own_contracts(request, session, user) if c.status in LIVE_STATUSES]
    return {"rows": _rows(request, contracts, user)} if contracts else None


add_me_section("contracts/_me_section.html", _me_section)
