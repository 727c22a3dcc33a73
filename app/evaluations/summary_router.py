"""Evaluations summary API for staff: both sides' answers per period and per neighbourhood."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.dashboard import filters
from app.dashboard.router import Area, From, To
from app.deps import ApiStaff, SessionDep, SettingsDep
from app.evaluations import summary
from app.evaluations.schemas import EvaluationSummaryRead
from app.exports.router import today_in

router = APIRouter(prefix="/api/v1/programme", tags=["programme"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Staff only"},
    422: {"description": "Bad parameter; `field` names it"},
}


@router.get("/evaluations", response_model=EvaluationSummaryRead, responses=_ERRORS)
def evaluations_summary(
    staff: ApiStaff, session: SessionDep, settings: SettingsDep,
    from_: From = None, to: To = None, neighbourhood: Area = None,
    comments: Annotated[bool, Query(description="Include the written comments")] = False,
) -> EvaluationSummaryRead:  # fmt: skip
    """Evaluations submitted in the period (default: the last twelve months): the fixed
    questions per side, the same per neighbourhood of the newcomer, and (only with
    ``comments=true``) the written comments. The CSV is ``/api/v1/exports/evaluations.csv``."""
    city = settings.city
    chosen = filters.parse(city, today_in(city), from_, to, neighbourhood)
    found = summary.summarise(session, city, chosen, comments=comments)
    return EvaluationSummaryRead.build(found, chosen, comments)
