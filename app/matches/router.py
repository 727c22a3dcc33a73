"""Matching JSON API: staff run and read rounds; a newcomer reads their panel and chooses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from app.audit.service import record
from app.auth.models import Role
from app.contracts.schemas import ContractRead
from app.deps import ApiStaff, ApiUser, SessionDep, SettingsDep
from app.errors import Forbidden, NotFound
from app.i18n.catalog import N_
from app.matches import panels, service
from app.matches.models import MatchingRound
from app.matches.schemas import (
    CandidateRead,
    ChoiceIn,
    PanelDeclinedRead,
    PanelDeclineIn,
    PanelRead,
    RoundRead,
)
from app.people.models import Newcomer
from app.people.service import person_for_user

router = APIRouter(prefix="/api/v1", tags=["matching"])


def api_newcomer(user: ApiUser, session: SessionDep) -> Newcomer:
    """The caller's newcomer profile, or 403 — checked before any body is validated."""
    person = person_for_user(session, user) if user.role is Role.newcomer else None
    if not isinstance(person, Newcomer):
        raise Forbidden(N_("Only newcomers have a panel of candidates."))
    return person


ApiNewcomer = Annotated[Newcomer, Depends(api_newcomer)]


@router.post(
    "/matching/rounds",
    response_model=RoundRead,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A round is already running, or nobody is waiting"}},
)
def start_round(user: ApiStaff, session: SessionDep, settings: SettingsDep) -> MatchingRound:
    """Run a matching round now: every waiting newcomer gets a ranked panel."""
    done = service.run_round(session, city=settings.city, started_by=user)
    record(session, actor_id=user.id, action="matching.round", subject_type="matching_round",
           subject_id=done.id, panels=done.panels_made, waiting=done.newcomers_waiting)
    return done


@router.get("/matching/rounds", response_model=list[RoundRead])
def list_rounds(user: ApiStaff, session: SessionDep) -> list[MatchingRound]:
    return service.list_rounds(session)


@router.get("/matching/rounds/{round_id}", response_model=RoundRead)
def get_round(round_id: int, user: ApiStaff, session: SessionDep) -> MatchingRound:
    found = session.get(MatchingRound, round_id)
    if found is None:
        raise NotFound(N_("No such matching round."))
    return found


@router.get(
    "/me/panel",
    response_model=PanelRead,
    responses={404: {"description": "No open panel"}, 403: {"description": "Not a newcomer"}},
)
def my_panel(request: Request, newcomer: ApiNewcomer, session: SessionDep) -> PanelRead:
    """Your open panel: up to five volunteers, best first, each with why they were proposed."""
    panel = panels.open_panel(session, newcomer)
    if panel is None:
        raise NotFound(N_("You have no open panel at the moment."))
    views = panels.candidate_views(session, panel, newcomer, request.state.locale)
    return PanelRead(
        panel_id=panel.id,
        expires_at=panel.expires_at,
        candidates=[CandidateRead.model_validate(v) for v in views],
    )


@router.post(
    "/me/panel/choice",
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "No open panel, or the volunteer was just taken"},
               422: {"description": "Not on your panel"}},
)
def choose(
    newcomer: ApiNewcomer, body: ChoiceIn, session: SessionDep, settings: SettingsDep
) -> ContractRead:
    """Choose your buddy: makes a contract waiting for both signatures."""
    contract = panels.choose(session, newcomer, body.volunteer_id, city=settings.city)
    return ContractRead.build(contract, side="newcomer", staff=False)


@router.post("/me/panel/decline", response_model=PanelDeclinedRead)
def decline(
    newcomer: ApiNewcomer, body: PanelDeclineIn, session: SessionDep
) -> PanelDeclinedRead:
    """Turn the whole panel down; you wait for the next round."""
    panel = panels.decline(session, newcomer, body.reason)
    return PanelDeclinedRead(panel_id=panel.id, status=panel.status)
