"""Programme states are defined once (app/programme/states.py): the per-person function and the
SQL agree, and every page and endpoint that shows the same number shows the same number."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.config import CITIES_DIR, load_city
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD
from app.matches import panels
from app.matches.models import MatchingRound, Panel, PanelStatus
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer
from app.programme.one_person import state_of_newcomer, state_of_volunteer
from app.programme.states import (
    NewcomerState,
    VolunteerState,
    carries_on,
    newcomer_facts,
    newcomer_state_sql,
    volunteer_state_sql,
)
from tests.demo_copy import load_demo_copy
from tests.factories import bearer, browser_login, make_contract, make_newcomer, make_volunteer
from tests.test_exports_csv import rows_of

MECHELEN = load_city(CITIES_DIR / "mechelen.json")


def _agree(db: Session) -> tuple[dict[int, NewcomerState], dict[int, VolunteerState]]:
    """Every person's state, checked: the Python function equals the SQL column."""
    now = utcnow()
    newcomers: dict[int, NewcomerState] = {}
    for newcomer_id, sql_state in db.execute(select(Newcomer.id, newcomer_state_sql(now))):
        person = db.get(Newcomer, newcomer_id)
        assert person is not None
        assert state_of_newcomer(db, person, now).value == sql_state, person.display_name
        newcomers[newcomer_id] = NewcomerState(sql_state)
    _rungs_agree(db)
    volunteers: dict[int, VolunteerState] = {}
    for volunteer_id, sql_state in db.execute(select(Volunteer.id, volunteer_state_sql(now))):
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        assert state_of_volunteer(db, volunteer, now).value == sql_state
        volunteers[volunteer_id] = VolunteerState(sql_state)
    return newcomers, volunteers


def _rungs_agree(db: Session) -> None:
    """Each newcomer's ``contract_rung`` (kept by triggers) equals their contracts counted now."""
    facts = newcomer_facts()
    live = dict(db.execute(select(facts.c.newcomer_id, facts.c.first)).all())
    kept = dict(db.execute(select(Newcomer.id, Newcomer.contract_rung)).all())
    assert kept == {i: live.get(i) for i in kept}


def _rung(db: Session, newcomer_id: int) -> int | None:
    return db.scalar(select(Newcomer.contract_rung).where(Newcomer.id == newcomer_id))


def test_the_rung_follows_every_contract_change(db: Session) -> None:
    """Added, status changed, moved to another newcomer, removed (by the ORM and by a plain
    statement, as the erasure and retention jobs do): the triggers keep the rung exact."""
    contract = make_contract(db, signed=True)
    db.flush()
    first, other = contract.newcomer_id, make_newcomer(db).id
    db.flush()
    assert (_rung(db, first), _rung(db, other)) == (0, None)
    for status, rung in ((ContractStatus.completed, 2), (ContractStatus.ended_early, None),
                         (ContractStatus.pending, 1), (ContractStatus.declined, None),
                         (ContractStatus.active, 0)):  # fmt: skip
        contract.status = status
        db.flush()
        assert _rung(db, first) == rung, status
    db.execute(update(Contract).where(Contract.id == contract.id).values(newcomer_id=other))
    assert (_rung(db, first), _rung(db, other)) == (None, 0)
    second = make_contract(db, newcomer=db.get(Newcomer, first))  # pending
    db.flush()
    assert _rung(db, first) == 1
    db.execute(delete(Contract).where(Contract.id == second.id))
    assert _rung(db, first) is None
    _rungs_agree(db)


def test_every_state_by_hand(db: Session) -> None:
    pending = make_newcomer(db, intake=IntakeStatus.pending)
    rejected = make_newcomer(db, intake=IntakeStatus.rejected)
    waiting = make_newcomer(db)
    picked = make_contract(db)
    active = make_contract(db, signed=True)
    completed = make_contract(db, signed=True)
    completed.status = ContractStatus.completed
    ended = make_contract(db, signed=True)
    ended.status = ContractStatus.ended_early  # history only: they wait again
    with_panel = make_newcomer(db)
    round_ = MatchingRound(shortage={}, summary={})
    db.add(round_)
    db.flush()
    db.add(Panel(round_id=round_.id, newcomer_id=with_panel.id, status=PanelStatus.open,
                 expires_at=utcnow() + timedelta(days=3), decline_reason=""))  # fmt: skip
    stale_panel = make_newcomer(db)
    db.add(Panel(round_id=round_.id, newcomer_id=stale_panel.id, status=PanelStatus.open,
                 expires_at=utcnow() - timedelta(minutes=1), decline_reason=""))  # fmt: skip
    screening = make_volunteer(db, vetting=VettingStatus.pending)
    paused = make_volunteer(db, vetting=VettingStatus.paused)
    free = make_volunteer(db, max_buddies=3)
    db.flush()
    newcomers, volunteers = _agree(db)
    assert newcomers[pending.id] is NewcomerState.waiting_for_intake
    assert newcomers[rejected.id] is NewcomerState.not_accepted
    assert newcomers[waiting.id] is NewcomerState.waiting_for_round
    assert newcomers[picked.newcomer_id] is NewcomerState.choice_pending
    assert newcomers[active.newcomer_id] is NewcomerState.active
    assert newcomers[completed.newcomer_id] is NewcomerState.completed
    assert newcomers[ended.newcomer_id] is NewcomerState.waiting_for_round
    assert newcomers[with_panel.id] is NewcomerState.panel_open
    assert newcomers[stale_panel.id] is NewcomerState.waiting_for_round
    assert volunteers[screening.id] is VolunteerState.waiting_for_screening
    assert volunteers[paused.id] is VolunteerState.paused
    assert volunteers[free.id] is VolunteerState.available
    assert volunteers[picked.volunteer_id] is VolunteerState.full  # one of one place taken


def _number(pattern: str, html: str) -> int:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return int(found.group(1).replace(",", ""))


def _listed(client: TestClient, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200
    if "Nobody matches this search." in page.text:
        return 0
    return _number(r"Showing \d+–\d+ of (\d+)", page.text)


def test_every_page_and_endpoint_agrees_on_the_demo_city(client: TestClient, db: Session) -> None:
    load_demo_copy(db, MECHELEN)
    db.commit()
    # One newcomer turns their candidates down: they wait for the next round.
    declined = db.scalars(select(Panel).where(Panel.status == PanelStatus.open)).first()
    assert declined is not None
    newcomer = db.get(Newcomer, declined.newcomer_id)
    assert newcomer is not None
    panels.decline(db, newcomer, "None of them is free on Saturdays.")
    db.commit()

    newcomers, volunteers = _agree(db)
    expected = {state: list(newcomers.values()).count(state) for state in NewcomerState}
    expected_v = {state: list(volunteers.values()).count(state) for state in VolunteerState}
    assert expected[NewcomerState.waiting_for_round] >= 1
    assert expected[NewcomerState.panel_open] >= 1
    assert expected[NewcomerState.active] >= 1

    staff = DEMO_LOGINS["staff"]
    stats = client.get("/api/v1/programme/stats", headers=bearer(client, staff, DEMO_PASSWORD))
    assert stats.status_code == 200
    api = stats.json()
    browser_login(client, staff, DEMO_PASSWORD)
    overview = client.get("/staff").text
    dashboard = client.get("/staff/dashboard").text
    rounds = client.get("/staff/rounds").text

    assert api["newcomers_by_state"] == {s.value: n for s, n in expected.items()}
    # The people-by-state export: its rows of each state add up to the same numbers.
    people = rows_of(client.get("/api/v1/exports/people.csv",
                                headers=bearer(client, staff, DEMO_PASSWORD)).content)
    by_role = {role: Counter(r["state"] for r in people if r["role"] == role)
               for role in ("newcomer", "volunteer")}
    assert by_role["newcomer"] == {s.value: n for s, n in expected.items() if n}
    assert by_role["volunteer"] == {s.value: n for s, n in expected_v.items() if n}
    assert api["volunteers_by_state"] == {s.value: n for s, n in expected_v.items()}
    for state, n in expected.items():
        assert _number(rf'id="newcomers-{state.value}">.*?<td>(\d+)</td>', overview) == n
    waiting = expected[NewcomerState.waiting_for_round]
    assert api["newcomers_waiting"] == waiting
    assert _number(r'id="count-newcomers-waiting">\s*<strong>(\d+)', overview) == waiting
    assert _number(r'id="n-waiting"><strong>([\d,]+)', dashboard) == waiting
    assert _number(r"(\d+) newcomers? (?:is|are) waiting for a panel", rounds) == waiting
    assert _listed(client, "/staff/newcomers?state=waiting_for_round") == waiting
    person = client.get(f"/staff/people/{newcomer.id}").text
    assert '<span id="programme-state">Waiting for a matching round</span>' in person
    assert _number(r'id="newcomers-waiting_for_round">.*?<td>(\d+)</td>', overview) == waiting

    for state, key, card in (
        (NewcomerState.panel_open, "open_panels", "n-panels"),
        (NewcomerState.choice_pending, "pending_contracts", "n-pending"),
        (NewcomerState.active, "active_pairs", "n-active"),
    ):
        n = expected[state]
        assert api[key] == n, state
        assert _number(rf'id="{card}"><strong>([\d,]+)', dashboard) == n, state
        assert _number(rf'id="newcomers-{state.value}">.*?<td>(\d+)</td>', overview) == n
        assert _listed(client, f"/staff/newcomers?state={state.value}") == n, state

    # Completed, carrying on as friends: one definition (carries_on / carrying_on_sql), the
    # same number on the dashboard, in the statistics and in the contracts export.
    completed = list(db.scalars(
        select(Contract).where(Contract.status == ContractStatus.completed)))
    friends = sum(carries_on(c.status, c.newcomer_carrying_on_at, c.volunteer_carrying_on_at)
                  for c in completed)  # fmt: skip
    assert friends == 2
    assert api["completed"] == len(completed)
    assert api["completed_carrying_on_as_friends"] == friends
    assert _number(r'id="n-carrying-on"><strong>([\d,]+)', dashboard) == friends
    export = client.get("/staff/exports/contracts.csv").content.decode("utf-8-sig")
    assert export.count(",yes\r\n") == friends  # the last column: carrying_on_as_friends

    pending = expected[NewcomerState.waiting_for_intake]
    assert _number(r'id="count-newcomers-pending">\s*<strong>(\d+)', overview) == pending
    assert _listed(client, "/staff/newcomers?state=waiting_for_intake") == pending
    assert _listed(client, "/staff/newcomers?status=pending") == pending

    for state, key in (
        (VolunteerState.available, "available"),
        (VolunteerState.proposed, "exposed"),
        (VolunteerState.full, "at_capacity"),
    ):
        n = expected_v[state]
        assert api["volunteers"][key] == n, state
        assert _number(rf'id="volunteers-{state.value}">.*?<td>(\d+)</td>', overview) == n
        assert _listed(client, f"/staff/volunteers?state={state.value}") == n, state
    approved = sum(expected_v[s] for s in (VolunteerState.available, VolunteerState.proposed,
                                           VolunteerState.full))  # fmt: skip
    assert _number(r'id="count-volunteers-approved">\s*<strong>(\d+)', overview) == approved
    assert _listed(client, "/staff/volunteers?status=approved") == approved
