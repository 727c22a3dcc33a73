"""Reading a pair's meetings: access, lists, and the pair's progress (hours, adherence, streak,
at risk — the definitions are in rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus, Party
from app.config import CityProfile
from app.contracts import service as contracts
from app.contracts.models import Contract
from app.contracts.rules import local_date
from app.db import utcnow
from app.errors import NotFound
from app.i18n.catalog import N_


def side_of(contract: Contract, user: User) -> Party | None:
    side = contracts.side_of(contract, user)
    return Party(side) if side else None


def other_side(side: Party) -> Party:
    return Party.volunteer if side is Party.newcomer else Party.newcomer


def contract_last_day(contract: Contract, city: CityProfile) -> date | None:
    return rules.last_day(contract.status, contract.end_date, contract.ended_at, city.timezone)


def today_in(city: CityProfile, now: datetime | None = None) -> date:
    return local_date(now or utcnow(), city.timezone)


# --- reading --------------------------------------------------------------------------------


def get_for_user(session: Session, user: User, checkin_id: int) -> Checkin:
    """A check-in of one of the user's contracts (staff: any); others' are 404."""
    checkin = session.get(Checkin, checkin_id)
    if checkin is None:
        raise NotFound(N_("No such meeting."))
    try:
        contracts.get_for_user(session, user, checkin.contract_id)
    except NotFound:
        raise NotFound(N_("No such meeting.")) from None
    return checkin


def contract_of(session: Session, checkin: Checkin) -> Contract:
    contract = session.get(Contract, checkin.contract_id)
    assert contract is not None  # the foreign key cascades
    return contract


def list_for_contract(session: Session, contract_id: int) -> list[Checkin]:
    stmt = (
        select(Checkin)
        .where(Checkin.contract_id == contract_id)
        .order_by(Checkin.met_on.desc(), Checkin.id.desc())
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Progress:
    contract_id: int
    meetings: int
    waiting_for_confirmation: int
    confirmed_minutes: int
    periods_completed: int
    adherence: float | None
    streak: int
    at_risk: bool
    open_concerns: int
    last_met_on: date | None
    goal_hours: int

    @property
    def confirmed_hours(self) -> float:
        return rules.hours(self.confirmed_minutes)

    @property
    def goal_percent(self) -> int:
        return rules.goal_progress(self.confirmed_minutes, self.goal_hours)


def progress(
    session: Session, contract: Contract, *, city: CityProfile, today: date | None = None
) -> Progress:
    today = today or today_in(city)
    # The open worries counted from the same rows: one round trip instead of two.
    open_concern = and_(Checkin.concern_reason.is_not(None), Checkin.concern_resolved_at.is_(None))
    rows = session.execute(
        select(Checkin.met_on, Checkin.status, Checkin.minutes, open_concern.label("open")).where(
            Checkin.contract_id == contract.id
        )
    ).all()
    counting = [r.met_on for r in rows if r.status is not CheckinStatus.disputed]
    open_concerns = sum(1 for r in rows if r.open)
    attendance = None
    if contract.start_date is not None:
        last = contract_last_day(contract, city)
        attendance = rules.attendance(contract.start_date, contract.cadence, counting, today, last)
    at_risk = rules.is_at_risk(
        contract.status, contract.start_date, contract.cadence, counting, today,
        open_concern=bool(open_concerns),
    )  # fmt: skip
    return Progress(
        contract_id=contract.id,
        meetings=len(counting),
        waiting_for_confirmation=sum(1 for r in rows if r.status is CheckinStatus.pending),
        confirmed_minutes=sum(r.minutes for r in rows if r.status is CheckinStatus.confirmed),
        periods_completed=attendance.completed if attendance else 0,
        adherence=attendance.adherence if attendance else None,
        streak=attendance.streak if attendance else 0,
        at_risk=at_risk,
        open_concerns=open_concerns or 0,
        last_met_on=max(counting, default=None),
        goal_hours=city.participation_hours_goal,
    )


def confirmed_minutes_of_newcomer(session: Session, newcomer_id: int) -> int:
    """All confirmed buddy time of a newcomer, over every contract they had (a newcomer matched
    again keeps the hours of the first pair)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Checkin.minutes), 0))
        .join(Contract, Contract.id == Checkin.contract_id)
        .where(Contract.newcomer_id == newcomer_id, Checkin.status == CheckinStatus.confirmed)
    )
    return int(total or 0)


def waiting_count(session: Session, contract: Contract, side: Party) -> int:
    """How many meetings the other side logged that ``side`` has not answered yet."""
    stmt = select(func.count()).where(
        Checkin.contract_id == contract.id,
        Checkin.status == CheckinStatus.pending,
        Checkin.logged_by_side == other_side(side),
    )
    return int(session.scalar(stmt) or 0)
