"""The pair's hours outside the meeting pages: a section on the contract page (included by
contracts/detail.html) and one on /me (the newcomer's participation-hours goal)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, object_session

from app.auth.models import User
from app.checkins import labels, queries, rules
from app.config import CityProfile
from app.contracts.list_pages import own_contracts
from app.contracts.models import Contract, ContractStatus
from app.people.models import Newcomer, Person
from app.people.pages import add_me_section
from app.web.templating import templates


def summary(request: Request, session: Session, contract: Contract) -> labels.Summary:
    city: CityProfile = request.app.state.settings.city
    progress = queries.progress(session, contract, city=city)
    return labels.summary(progress, contract.cadence, request.state.locale)


def contract_meetings(request: Request, contract: Contract) -> Any:
    """For the contract page's include (checkins/_contract_section.html): the pair's summary,
    read with the session the page loaded the contract with."""
    session = object_session(contract)
    if session is None or contract.start_date is None:
        return None
    return summary(request, session, contract)


templates.env.globals["contract_meetings"] = contract_meetings


def _me_section(
    request: Request, session: Session, user: User, person: Person
) -> dict[str, Any] | None:
    """The meetings of EVERY running pair (a volunteer may have several buddies); with none
    running, the newest pair that has started (to see its hours after the end)."""
    city: CityProfile = request.app.state.settings.city
    started = [c for c in own_contracts(request, session, user)
               if c.start_date is not None and c.status is not ContractStatus.pending]  # fmt: skip
    running = [c for c in started if c.status is ContractStatus.active] or started[:1]
    minutes = (
        queries.confirmed_minutes_of_newcomer(session, person.id)
        if isinstance(person, Newcomer) else None
    )  # fmt: skip
    if not running and not minutes:
        return None
    locale: str = request.state.locale
    goal = city.participation_hours_goal
    hours = labels.hours_text(rules.hours(minutes or 0), locale)
    pairs = []
    for contract in running:
        side = queries.side_of(contract, user)
        waiting = queries.waiting_count(session, contract, side) if side is not None else 0
        buddy = contract.volunteer if isinstance(person, Newcomer) else contract.newcomer
        pairs.append({
            "contract": contract,
            "buddy": buddy.first_name,
            "summary": summary(request, session, contract),
            "waiting": waiting,
        })  # fmt: skip
    return {
        "pairs": pairs,
        "newcomer": isinstance(person, Newcomer),
        "hours": hours,
        "goal": goal,
        "goal_percent": rules.goal_progress(minutes or 0, goal),
    }


add_me_section("checkins/_me_section.html", _me_section)
