"""CSV exports for staff, over the API (bearer token) and from the dashboard (session cookie).

The response streams: rows are read and written while they are sent, in a session of their own
(the request's session is committed and closed before a streamed body is produced).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.contracts.rules import local_date
from app.dashboard import filters
from app.dashboard.router import Area, From, To
from app.db import utcnow
from app.deps import ApiStaff, SessionDep, SettingsDep
from app.evaluations import summary as evaluations
from app.exports import people, service

router = APIRouter(prefix="/api/v1/exports", tags=["programme"])

_CSV: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV (with a byte-order mark)"},
    403: {"description": "Staff only"},
    422: {"description": "Bad parameter; `field` names it"},
}

Rows = Callable[[Session, CityProfile, filters.Filters], Iterator[Sequence[object]]]
KINDS: dict[str, tuple[list[str], Rows]] = {
    "contracts": (service.CONTRACT_COLUMNS, service.contract_rows),
    "checkins": (service.CHECKIN_COLUMNS, service.checkin_rows),
    "evaluations": (evaluations.CSV_COLUMNS, evaluations.csv_rows),
    "people": (people.PEOPLE_COLUMNS, people.people_rows),
}
# Exports of today's state rather than of a period: named by the day they were taken.
SNAPSHOTS = frozenset({"people"})


def today_in(city: CityProfile) -> date:
    return local_date(utcnow(), city.timezone)


def csv_response(
    request: Request,
    kind: str,
    city: CityProfile,
    chosen: filters.Filters,
    *,
    session: Session,
    staff: User,
) -> StreamingResponse:
    """The CSV, streamed; the export itself is audited (who, what, which period) in the
    request's session, which commits before the body streams."""
    period: dict[str, Any] = chosen.query()
    record(session, actor_id=staff.id, action="export.csv", subject_type="programme",
           subject_id=None, kind=kind, **period)  # fmt: skip
    header, rows = KINDS[kind]
    factory = request.app.state.sessionmaker
    name = (f"{kind}-{chosen.today.isoformat()}.csv" if kind in SNAPSHOTS
            else f"{kind}-{chosen.start.isoformat()}-{chosen.end.isoformat()}.csv")
    body = service.stream(factory, header, lambda session: rows(session, city, chosen))
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@router.get("/contracts.csv", response_class=StreamingResponse, responses=_CSV)
def export_contracts(
    request: Request, staff: ApiStaff, settings: SettingsDep, session: SessionDep,
    from_: From = None, to: To = None, neighbourhood: Area = None,
) -> StreamingResponse:  # fmt: skip
    """Contracts live in the period (default: the last twelve months), with meetings, confirmed
    hours, adherence (judged on min(to, today)), at risk, open worries and staff calls."""
    city = settings.city
    chosen = filters.parse(city, today_in(city), from_, to, neighbourhood)
    return csv_response(request, "contracts", city, chosen, session=session, staff=staff)


@router.get("/checkins.csv", response_class=StreamingResponse, responses=_CSV)
def export_checkins(
    request: Request, staff: ApiStaff, settings: SettingsDep, session: SessionDep,
    from_: From = None, to: To = None, neighbourhood: Area = None,
) -> StreamingResponse:  # fmt: skip
    """Meetings met in the period, every status, with activities, notes and worries."""
    city = settings.city
    chosen = filters.parse(city, today_in(city), from_, to, neighbourhood)
    return csv_response(request, "checkins", city, chosen, session=session, staff=staff)


@router.get("/evaluations.csv", response_class=StreamingResponse, responses=_CSV)
def export_evaluations(
    request: Request, staff: ApiStaff, session: SessionDep, settings: SettingsDep,
    from_: From = None, to: To = None, neighbourhood: Area = None,
) -> StreamingResponse:  # fmt: skip
    """Evaluations submitted in the period, both sides, with the fixed answers and comments."""
    city = settings.city
    chosen = filters.parse(city, today_in(city), from_, to, neighbourhood)
    return csv_response(request, "evaluations", city, chosen, session=session, staff=staff)


@router.get("/people.csv", response_class=StreamingResponse, responses=_CSV)
def export_people(
    request: Request, staff: ApiStaff, session: SessionDep, settings: SettingsDep,
    neighbourhood: Area = None,
) -> StreamingResponse:  # fmt: skip
    """Every newcomer and volunteer with today's programme state (the states the dashboard
    and `/api/v1/programme/stats` count), neighbourhood and registration day."""
    city = settings.city
    chosen = filters.parse(city, today_in(city), None, None, neighbourhood)
    return csv_response(request, "people", city, chosen, session=session, staff=staff)
