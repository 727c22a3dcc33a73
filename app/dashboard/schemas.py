"""JSON shapes of the programme statistics API (the dashboard's numbers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.checkins import rules
from app.dashboard.lists import PairRow
from app.dashboard.service import Stats


class VolunteersRead(BaseModel):
    available: int = Field(description="Approved, with a free place, in no open panel")
    exposed: int = Field(description="Approved, with a free place, shown in an open panel")
    at_capacity: int = Field(description="Approved, no free place")


class RoundRead(BaseModel):
    id: int
    started_at: datetime
    newcomers_waiting: int
    volunteers_available: int
    panels_made: int
    empty_panels: int
    shortage: dict[str, Any]


class WeekRead(BaseModel):
    week_start: date = Field(description="Monday")
    meetings: int = Field(description="Meetings that count (not disputed)")
    confirmed_hours: float


class CohortRead(BaseModel):
    month: str = Field(description="YYYY-MM of the start date")
    started: int
    completed: int
    ended_early: int
    running: int
    completion_rate: float | None


class EntryCohortRead(BaseModel):
    month: str = Field(description="YYYY-MM the newcomers registered")
    entered: int
    matched: int = Field(description="Started a contract at some point: the next three")
    completed: int
    active: int = Field(description="A contract running now (none completed)")
    ended_early: int = Field(description="Their contract ended early (none running or completed)")
    not_matched: int


class StatsRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    neighbourhood: str | None
    today: date
    as_of: date = Field(description="Day the period's adherence is judged on: min(to, today)")
    newcomers_waiting: int
    median_waiting_days: float | None
    open_panels: int
    pending_contracts: int
    active_pairs: int
    at_risk_pairs: int
    pairs_missing_staff_calls: int
    volunteers: VolunteersRead
    newcomers_by_state: dict[str, int] = Field(
        description="Every newcomer by programme state (waiting_for_intake, not_accepted, "
        "waiting_for_round, panel_open, choice_pending, active, completed)"
    )
    volunteers_by_state: dict[str, int] = Field(
        description="Every volunteer by programme state (waiting_for_screening, not_approved, "
        "paused, available, proposed, full)"
    )
    completed: int
    completed_carrying_on_as_friends: int = Field(
        description="Of `completed`: the pairs that said they carry on as friends")
    ended_early: int
    ended_early_by_reason: dict[str, int]
    completion_rate: float | None
    median_adherence: float | None
    meetings: int
    confirmed_minutes: int
    total_hours: float
    participation_hours_goal: int
    failed_mail: int
    last_round: RoundRead | None
    meetings_per_week: list[WeekRead]
    cohorts: list[CohortRead]
    entry_cohorts: list[EntryCohortRead] = Field(
        description="Newcomers by month of registration, each in one outcome")

    @classmethod
    def build(cls, stats: Stats, goal_hours: int) -> StatsRead:
        f = stats.filters
        last = stats.last_round
        return cls(
            from_=f.start, to=f.end, neighbourhood=f.neighbourhood, today=f.today, as_of=f.as_of,
            newcomers_waiting=stats.newcomers_waiting,
            median_waiting_days=stats.median_waiting_days,
            open_panels=stats.open_panels, pending_contracts=stats.pending_contracts,
            active_pairs=stats.active_pairs, at_risk_pairs=stats.at_risk_pairs,
            pairs_missing_staff_calls=stats.calls_missing_pairs,
            volunteers=VolunteersRead(**stats.volunteers.__dict__),
            newcomers_by_state=stats.newcomers_by_state,
            volunteers_by_state=stats.volunteers_by_state,
            completed=stats.completed, ended_early=stats.ended_early,
            completed_carrying_on_as_friends=stats.completed_carrying_on,
            ended_early_by_reason=stats.ended_early_by_reason,
            completion_rate=stats.completion_rate, median_adherence=stats.median_adherence,
            meetings=stats.meetings, confirmed_minutes=stats.confirmed_minutes,
            total_hours=stats.total_hours, participation_hours_goal=goal_hours,
            failed_mail=stats.failed_mail,
            last_round=RoundRead(**last.__dict__) if last else None,
            meetings_per_week=[
                WeekRead(week_start=w.monday, meetings=w.meetings,
                         confirmed_hours=rules.hours(w.confirmed_minutes))
                for w in stats.weeks
            ],
            cohorts=[CohortRead(**c.__dict__, completion_rate=c.completion_rate)
                     for c in stats.cohorts],
            entry_cohorts=[EntryCohortRead(**e.__dict__, matched=e.matched,
                                           not_matched=e.not_matched)
                           for e in stats.entry_cohorts],
        )  # fmt: skip


class PairRead(BaseModel):
    contract_id: int
    newcomer: str
    volunteer: str
    neighbourhood: str | None
    start_date: date
    end_date: date | None
    last_met_on: date | None
    weeks_since_meeting: int
    open_worries: int
    silent: bool = Field(description="No meeting in the last two completed periods, nor since")
    last_staff_call: date | None
    staff_calls_missing: int
    record_call_url: str
    contract_url: str

    @classmethod
    def build(cls, row: PairRow) -> PairRead:
        data = {k: v for k, v in row.__dict__.items() if k not in ("last_call", "calls_missing")}
        return cls(
            **data,
            last_staff_call=row.last_call,
            staff_calls_missing=row.calls_missing,
            record_call_url=f"/staff/contracts/{row.contract_id}/calls/new",
            contract_url=f"/contracts/{row.contract_id}",
        )
