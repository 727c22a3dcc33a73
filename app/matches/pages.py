"""Pages: the newcomer's candidates (pick with a confirmation step, or decline), and the
staff's matching rounds. Everything works without JavaScript."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.contracts.service import live_contract_of_newcomer
from app.db import utcnow
from app.deps import CityDep, PageNewcomer, PageStaff, SessionDep
from app.errors import DomainError, NotFound
from app.i18n.catalog import N_, gettext
from app.matches import panels, service
from app.matches.models import MatchingRound
from app.matches.reasons import (
    distance_phrase,
    languages_phrase,
    moment_phrase,
    slot_label,
    slots_phrase,
)
from app.matches.schedule import next_slot
from app.people.models import Newcomer, Person
from app.people.pages import add_me_section
from app.people.service import person_for_user
from app.people.vocabulary import language_name
from app.programme.counts import newcomer_counts
from app.programme.states import NewcomerState
from app.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

_DONE = {
    "declined": N_("You declined these candidates. We will look again in the next round."),
    "round": N_("The matching round is done."),
    "nobody": N_("Nobody is waiting for a panel, so no matching round was run."),
}


def _newcomer(session: Session, user: User) -> Newcomer:
    person = person_for_user(session, user)
    if not isinstance(person, Newcomer):  # an account whose profile is missing
        raise NotFound(N_("Your profile is missing. Please contact the programme's staff."))
    return person


def _when(request: Request, city: CityProfile, value: Any) -> str:
    return moment_phrase(value, city.timezone, request.state.locale)


def _panel_context(
    request: Request, session: Session, newcomer: Newcomer, city: CityProfile
) -> dict[str, Any]:
    locale: str = request.state.locale
    panel = panels.open_panel(session, newcomer)
    cards = []
    if panel is not None:
        for view in panels.candidate_views(session, panel, newcomer, locale):
            cards.append({
                "view": view,
                "languages": languages_phrase(view.shared_languages, locale),
                "slots": slots_phrase(view.shared_slots, locale),
                "distance": distance_phrase(view.distance_km, locale),
            })  # fmt: skip
    return {
        "panel": panel,
        "cards": cards,
        "expires": _when(request, city, panel.expires_at) if panel else "",
        "contract": live_contract_of_newcomer(session, newcomer.id),
    }


def _panel_page(
    request: Request,
    session: Session,
    user: User,
    city: CityProfile,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> Response:
    context = _panel_context(request, session, _newcomer(session, user), city)
    context.update(errors=errors or {}, values=values or {}, flash=flash)
    return render(request, "matches/panel.html", context, status_code=status_code)


def _message(request: Request, exc: DomainError) -> str:
    return gettext(request.state.locale, exc.message, **exc.params)


@router.get("/me/panel")
def my_panel(
    request: Request, session: SessionDep, user: PageNewcomer, city: CityDep,
    done: str | None = None,
) -> Response:  # fmt: skip
    flash = gettext(request.state.locale, _DONE[done]) if done in _DONE else None
    return _panel_page(request, session, user, city, flash=flash)


@router.get("/me/panel/confirm")
def confirm(
    request: Request, session: SessionDep, user: PageNewcomer, city: CityDep,
    volunteer_id: int = 0,
) -> Response:  # fmt: skip
    """The confirmation step before a pick, as a page: no JavaScript needed."""
    context = _panel_context(request, session, _newcomer(session, user), city)
    card = next((c for c in context["cards"] if c["view"].volunteer_id == volunteer_id), None)
    if card is None:
        message = gettext(request.state.locale, "This volunteer is not on your panel.")
        return _panel_page(request, session, user, city, errors={"form": message},
                           status_code=404)
    return render(request, "matches/confirm.html", {**context, "card": card})


@router.post("/me/panel/choice")
def choose(
    request: Request, session: SessionDep, user: PageNewcomer, city: CityDep,
    volunteer_id: int = Form(0),
) -> Response:  # fmt: skip
    try:
        contract = panels.choose(session, _newcomer(session, user), volunteer_id, city=city)
    except DomainError as exc:
        session.rollback()  # the panel stays as it was
        return _panel_page(request, session, user, city, errors={"form": _message(request, exc)},
                           status_code=exc.status_code)
    return redirect(f"/contracts/{contract.id}")


@router.post("/me/panel/decline")
def decline(
    request: Request, session: SessionDep, user: PageNewcomer, city: CityDep,
    reason: str = Form(""),
) -> Response:  # fmt: skip
    try:
        panels.decline(session, _newcomer(session, user), reason)
    except DomainError as exc:
        session.rollback()
        field = "reason" if exc.field == "reason" else "form"
        return _panel_page(request, session, user, city, errors={field: _message(request, exc)},
                           values={"reason": reason}, status_code=exc.status_code)
    return redirect("/me/panel?done=declined")


# --- staff ----------------------------------------------------------------------------------


def _shortage(request: Request, city: CityProfile, shortage: dict[str, Any]) -> dict[str, Any]:
    locale: str = request.state.locale

    def area(key: str) -> str:
        found = city.neighbourhood(key)
        return found.name if found else key

    def top(group: str, label: Any) -> list[dict[str, Any]]:
        rows = shortage.get(group, {})
        return [{"label": label(k), **v} for k, v in list(rows.items())[:10]]

    return {
        "missing": shortage.get("missing", 0),
        "nobody": shortage.get("newcomers_without_eligible_volunteer", 0),
        "languages": top("by_language", lambda code: language_name(code, locale)),
        "slots": top("by_slot", lambda slot: slot_label(slot, locale)),
        "areas": top("by_area", area),
    }


def _rounds_page(
    request: Request, session: Session, city: CityProfile, *,
    error: str | None = None, flash: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    locale: str = request.state.locale
    rounds = service.list_rounds(session)
    rows = [{
        "round": r,
        "when": _when(request, city, r.started_at),
        "average": format_decimal(round(r.average_score, 2), locale=locale)
        if r.average_score is not None else "—",
        "shortage": _shortage(request, city, r.shortage),
    } for r in rounds]  # fmt: skip
    return render(request, "matches/rounds.html", {
        "rows": rows, "error": error, "flash": flash,
        "waiting": newcomer_counts(session, utcnow())[NewcomerState.waiting_for_round],
        "next_round": _when(request, city, upcoming) if (upcoming := next_slot(city, utcnow()))
        else None,
    }, status_code=status_code)  # fmt: skip


@router.get("/staff/rounds")
def rounds(
    request: Request, session: SessionDep, user: PageStaff, city: CityDep,
    done: str | None = None,
) -> Response:  # fmt: skip
    flash = gettext(request.state.locale, _DONE[done]) if done in _DONE else None
    return _rounds_page(request, session, city, flash=flash)


@router.post("/staff/rounds")
def start_round(request: Request, session: SessionDep, user: PageStaff, city: CityDep) -> Response:
    try:
        done: MatchingRound = service.run_round(session, city=city, started_by=user)
    except service.NobodyWaiting:
        session.rollback()
        return redirect("/staff/rounds?done=nobody")
    except DomainError as exc:
        session.rollback()
        return _rounds_page(request, session, city, error=_message(request, exc),
                            status_code=exc.status_code)
    record(session, actor_id=user.id, action="matching.round", subject_type="matching_round",
           subject_id=done.id, panels=done.panels_made, waiting=done.newcomers_waiting)
    return redirect("/staff/rounds?done=round")


def _me_section(
    request: Request, session: Session, user: User, person: Person
) -> dict[str, Any] | None:
    if not isinstance(person, Newcomer):
        return None
    panel = panels.open_panel(session, person)
    if panel is None:
        return None
    live = [c for c in panel.candidates if c.withdrawn_at is None]
    return {"count": len(live), "expires": _when(request, request.app.state.settings.city,
                                                 panel.expires_at)}


add_me_section("matches/_me_section.html", _me_section)
