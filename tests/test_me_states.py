"""/me tells each person where they are in the programme: one test per programme state, for
newcomers and volunteers (the states of app/programme/states.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.contracts.models import ContractStatus
from app.db import utcnow
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from tests.factories import bearer, browser_login, make_contract, make_newcomer, make_volunteer

NEXT_ROUND = "In the next matching round we will propose"


def _panel(db: Session, newcomer: Newcomer) -> None:
    round_ = MatchingRound(shortage={}, summary={})
    db.add(round_)
    db.flush()
    panel = Panel(round_id=round_.id, newcomer_id=newcomer.id, status=PanelStatus.open,
                  expires_at=utcnow() + timedelta(days=5), decline_reason="")  # fmt: skip
    panel.candidates = [PanelCandidate(volunteer_id=make_volunteer(db).id, rank=1, score=0.8,
                                       reasons={}, distance_km=1.0)]  # fmt: skip
    db.add(panel)


def _newcomer_in(state: str, db: Session) -> Person:
    if state == "waiting_for_intake":
        return make_newcomer(db, intake=IntakeStatus.pending)
    if state == "not_accepted":
        return make_newcomer(db, intake=IntakeStatus.rejected)
    if state == "waiting_for_round":
        return make_newcomer(db)
    if state == "panel_open":
        newcomer = make_newcomer(db)
        _panel(db, newcomer)
        return newcomer
    if state == "choice_pending":
        return make_contract(db).newcomer
    contract = make_contract(db, signed=True)
    if state == "completed":
        contract.status = ContractStatus.completed
    return contract.newcomer


NEWCOMER_STATES = ["waiting_for_intake", "not_accepted", "waiting_for_round", "panel_open",
                   "choice_pending", "active", "completed"]  # fmt: skip


def _me(client: TestClient, person: Person) -> str:
    browser_login(client, person.user.email)
    page = client.get("/me")
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize("state", NEWCOMER_STATES)
def test_newcomer_me_in_every_state(client: TestClient, db: Session, state: str) -> None:
    person = _newcomer_in(state, db)
    db.commit()
    api = client.get("/api/v1/me", headers=bearer(client, person.user.email))
    assert api.json()["programme_state"] == state
    html = _me(client, person)
    if state in ("waiting_for_intake", "not_accepted"):
        assert "Waiting for intake" in html or "Not accepted" in html
    else:
        assert f'id="state-{state}"' in html
    # The promise of a round is made only to those who wait for one.
    assert (NEXT_ROUND in html) == (state == "waiting_for_round")
    if state == "panel_open":
        assert 'href="/me/panel"' in html
    if state == "active":
        assert "/meetings/new" in html


def _volunteer_in(state: str, db: Session) -> Volunteer:
    if state == "waiting_for_screening":
        return make_volunteer(db, vetting=VettingStatus.pending)
    if state == "not_approved":
        return make_volunteer(db, vetting=VettingStatus.rejected)
    if state == "paused":
        return make_volunteer(db, vetting=VettingStatus.paused)
    volunteer = make_volunteer(db, max_buddies=2)
    if state == "proposed":
        newcomer = make_newcomer(db)
        _panel(db, newcomer)
        db.flush()
        panel = newcomer_panel(db, newcomer)
        panel.candidates.append(PanelCandidate(volunteer_id=volunteer.id, rank=2, score=0.5,
                                               reasons={}, distance_km=2.0))  # fmt: skip
    if state == "full":
        make_contract(db, volunteer=volunteer, signed=True)
        make_contract(db, volunteer=volunteer, signed=True)
    return volunteer


def newcomer_panel(db: Session, newcomer: Newcomer) -> Panel:
    from app.matches.panels import open_panel

    found = open_panel(db, newcomer)
    assert found is not None
    return found


VOLUNTEER_TEXT: dict[str, Callable[[str], bool]] = {
    "waiting_for_screening": lambda h: "Waiting for screening" in h,
    "not_approved": lambda h: "Not approved" in h,
    "paused": lambda h: 'action="/me/resume"' in h,
    "available": lambda h: 'id="state-available"' in h,
    "proposed": lambda h: 'id="state-proposed"' in h,
    "full": lambda h: 'id="state-full"' in h and "You have 2 buddies" in h,
}


@pytest.mark.parametrize("state", list(VOLUNTEER_TEXT))
def test_volunteer_me_in_every_state(client: TestClient, db: Session, state: str) -> None:
    volunteer = _volunteer_in(state, db)
    db.commit()
    api = client.get("/api/v1/me", headers=bearer(client, volunteer.user.email))
    assert api.json()["programme_state"] == state
    html = _me(client, volunteer)
    assert VOLUNTEER_TEXT[state](html), state
    promise = "Newcomers may be offered you as a buddy in the next matching round"
    assert (promise in html) == (state == "available")


def test_volunteer_with_two_buddies_sees_both_pairs(client: TestClient, db: Session) -> None:
    volunteer = make_volunteer(db, max_buddies=2)
    first = make_contract(db, make_newcomer(db, first_name="Soumaya"), volunteer, signed=True)
    second = make_contract(db, make_newcomer(db, first_name="Yonas"), volunteer, signed=True)
    db.commit()
    html = _me(client, volunteer)
    for contract in (first, second):
        assert f'href="/contracts/{contract.id}/meetings/new"' in html
        assert f'href="/contracts/{contract.id}/meetings"' in html
    assert "With Soumaya" in html
    assert "With Yonas" in html
