"""The people-by-state export: one row per newcomer and volunteer with their programme state.

The state is today's, from ``app.programme.states`` (the one definition the dashboard, the
overview, the lists and ``/api/v1/programme/stats`` count with), so the rows of a state in this
file add up to the number shown everywhere else. A state is a snapshot: the period filter does
not apply (contracts keep only their current status), the neighbourhood filter does.
Only what staff need to follow people up: no contact details, notes or worries.
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.dashboard.filters import Filters
from app.db import utcnow
from app.people.models import Newcomer, Volunteer
from app.programme.states import newcomer_state_sql, volunteer_state_sql

PEOPLE_COLUMNS = [
    "person_id", "role", "first_name", "last_name", "neighbourhood", "state", "registered_on",
]  # fmt: skip
BATCH = 1000


def people_rows(session: Session, city: CityProfile, filters: Filters) -> Iterator[list[object]]:
    zone = ZoneInfo(city.timezone)
    now = utcnow()
    for role, model, state in (
        ("newcomer", Newcomer, newcomer_state_sql(now)),
        ("volunteer", Volunteer, volunteer_state_sql(now)),
    ):
        stmt = select(model.id, model.first_name, model.last_name, model.neighbourhood,
                      state.label("state"), model.created_at).order_by(model.id)
        if filters.neighbourhood:
            stmt = stmt.where(model.neighbourhood == filters.neighbourhood)
        for pid, first, last, area, current, created in session.execute(
            stmt.execution_options(yield_per=BATCH)
        ):
            yield [pid, role, first, last, area, current, created.astimezone(zone).date()]
