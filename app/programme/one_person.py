"""One person's programme state, read from the database on every /me (page and API).

The ladder itself lives in ``app.programme.states`` (defined once); this module only gathers
one person's facts for it, with queries built once at import (their SQL cache keys are made
once, not per request; parameters: person id and now).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, bindparam, exists, func, select
from sqlalchemy.orm import Session

from app.contracts.models import Contract
from app.db import UTCDateTime
from app.matches.models import Panel, PanelCandidate
from app.people.models import Newcomer, Volunteer
from app.programme.states import (
    NewcomerState,
    VolunteerState,
    newcomer_state,
    open_panel_condition,
    shown_volunteer_ids,
    volunteer_state,
)

# The newcomer's facts in one round trip: a row per contract (or one with NULL), each saying
# whether an open panel exists.
_NOW: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
_NEWCOMER_FACTS = (
    select(
        Contract.status,
        exists().where(Panel.newcomer_id == bindparam("person_id"), open_panel_condition(_NOW)),
    )
    .select_from(Newcomer)
    .outerjoin(Contract, Contract.newcomer_id == Newcomer.id)
    .where(Newcomer.id == bindparam("person_id"))
)


def state_of_newcomer(session: Session, newcomer: Newcomer, now: datetime) -> NewcomerState:
    rows = session.execute(_NEWCOMER_FACTS, {"person_id": newcomer.id, "now": now}).all()
    statuses = [status for status, _ in rows if status is not None]
    return newcomer_state(newcomer.intake_status, statuses, bool(rows and rows[0][1]))


_VOLUNTEER_SHOWN = select(func.count()).select_from(
    shown_volunteer_ids(_NOW)
    .where(PanelCandidate.volunteer_id == bindparam("person_id"))
    .subquery()
)


def state_of_volunteer(session: Session, volunteer: Volunteer, now: datetime) -> VolunteerState:
    shown = session.scalar(_VOLUNTEER_SHOWN, {"person_id": volunteer.id, "now": now})
    return volunteer_state(
        volunteer.vetting_status, volunteer.committed_buddies, volunteer.max_buddies, bool(shown)
    )
