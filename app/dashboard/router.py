"""Programme statistics API for staff: the dashboard's numbers and the at-risk list as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.contracts.rules import local_date
from app.dashboard import filters, lists, service
from app.dashboard.schemas import PairRead, StatsRead
from app.db import utcnow
from app.deps import ApiStaff, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/programme", tags=["programme"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Staff only"},
    422: {"description": "Bad parameter (a date that is not YYYY-MM-DD, from after to, an "
                         "unknown neighbourhood); `field` names it"},
}  # fmt: skip

From = Annotated[str | None, Query(alias="from", description="First day (YYYY-MM-DD)")]
To = Annotated[str | None, Query(description="Last day, inclusive (YYYY-MM-DD); default today")]
Area = Annotated[str | None, Query(description="A neighbourhood id of the city profile")]


@router.get("/stats", response_model=StatsRead, responses=_ERRORS)
def programme_stats(
    staff: ApiStaff,
    session: SessionDep,
    settings: SettingsDep,
    from_: From = None,
    to: To = None,
    neighbourhood: Area = None,
) -> StatsRead:
    """The dashboard's numbers. Snapshots (waiting, panels, pending, active, at risk,
    volunteers) describe now; completed, ended early, completion rate, meetings, hours and
    median adherence cover the period (default: the last twelve months)."""
    city = settings.city
    now = utcnow()
    chosen = filters.parse(city, local_date(now, city.timezone), from_, to, neighbourhood)
    stats = service.programme_stats(session, city, chosen, now)
    return StatsRead.build(stats, city.participation_hours_goal)


@router.get("/at-risk", response_model=list[PairRead], responses=_ERRORS)
def at_risk(
    staff: ApiStaff, session: SessionDep, settings: SettingsDep, neighbourhood: Area = None
) -> list[PairRead]:
    """Active pairs at risk today (two periods without a meeting, or an open worry), the
    longest silent first, with their last staff call and where to record the next one."""
    city = settings.city
    today = local_date(utcnow(), city.timezone)
    area = filters.parse(city, today, None, None, neighbourhood).neighbourhood
    return [PairRead.build(row) for row in lists.at_risk_pairs(session, city, today, area)]
