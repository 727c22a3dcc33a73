"""How many people are in each programme state (app/programme/states.py defines the states):
the staff overview, the dashboard, the metrics and the matching page count with these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from app.people.models import Newcomer, Person, Volunteer
from app.programme.states import (
    NewcomerState,
    VolunteerState,
    newcomer_state_sql,
    volunteer_state_sql,
)


def _grouped(session: Session, inner: Select[Any]) -> list[tuple[str, int]]:
    # Grouped outside: the CASE holds bound parameters, which PostgreSQL would not recognise
    # as "the same expression" in SELECT and GROUP BY.
    states = inner.subquery("states")
    stmt = select(states.c.state, func.count()).group_by(states.c.state)
    return [(str(s), int(n)) for s, n in session.execute(stmt)]


def _in_area(id_column: Any, neighbourhood: str | None) -> list[Any]:
    # The people table only when a neighbourhood is asked for: counting everyone reads the
    # newcomers' or volunteers' own table, without joining every person.
    if not neighbourhood:
        return []
    return [id_column.in_(select(Person.id).where(Person.neighbourhood == neighbourhood))]


def newcomer_counts(
    session: Session, now: datetime, neighbourhood: str | None = None
) -> dict[NewcomerState, int]:
    """How many newcomers are in each state (every state present, zeros included)."""
    table = cast(Table, Newcomer.__table__)
    inner = (
        select(newcomer_state_sql(now).label("state"))
        .select_from(table)
        .where(*_in_area(table.c.id, neighbourhood))
    )
    found = {NewcomerState(s): n for s, n in _grouped(session, inner)}
    return {state: found.get(state, 0) for state in NewcomerState}


def volunteer_counts(
    session: Session, now: datetime, neighbourhood: str | None = None
) -> dict[VolunteerState, int]:
    table = cast(Table, Volunteer.__table__)
    inner = (
        select(volunteer_state_sql(now).label("state"))
        .select_from(table)
        .where(*_in_area(table.c.id, neighbourhood))
    )
    found = {VolunteerState(s): n for s, n in _grouped(session, inner)}
    return {state: found.get(state, 0) for state in VolunteerState}
