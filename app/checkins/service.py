"""Check-ins: logging, changing, deleting, confirming meetings, and a pair's progress.

Who may do what:
* either side of a contract logs a meeting; the OTHER side confirms it or says it did not
  happen (confirming your own log is refused, 409) and may change that answer later;
* the side that logged it may change or delete it for ``rules.EDIT_DAYS`` days after logging;
  staff may change or delete any, at any time; every deletion leaves an audit entry;
* changing the date or the minutes of an answered meeting asks the other side again;
* only staff resolve a worry flag.
Every rule is checked before anything is written, so a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.checkins import events, rules
from app.checkins.models import (
    MAX_MINUTES,
    MIN_MINUTES,
    Activity,
    Checkin,
    CheckinStatus,
)
from app.checkins.queries import contract_last_day, contract_of, other_side, side_of, today_in
from app.config import CityProfile
from app.contracts.models import Contract
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.i18n.catalog import N_

_REFUSED_DATES = {
    "not_started": (Conflict, N_("Meetings can be logged once the contract is active.")),
    "future": (Invalid, N_("The date of a meeting cannot be in the future.")),
    "before_start": (Invalid, N_("The meeting cannot be before the contract started (%(start)s).")),
    "after_end": (Invalid, N_("The meeting cannot be after the contract ended (%(end)s).")),
    "closed": (Conflict, N_("This contract has ended: meetings can no longer be logged.")),
}
NOTE_MAX = 2000


@dataclass
class CheckinData:
    met_on: date
    minutes: int
    activities: list[Activity]
    note: str = ""
    concern: str | None = None  # the worry's reason; None: no worry


# --- validation -----------------------------------------------------------------------------


def field_problems(
    minutes: int | None, activities: list[Activity] | None, note: str, concern: str | None
) -> list[Invalid]:
    """Every rule a meeting's fields break, in the form's order (``None``: a value that could
    not be read, already reported by the form), so a form can show all its errors at once."""
    problems: list[Invalid] = []
    if minutes is not None and not MIN_MINUTES <= minutes <= MAX_MINUTES:
        problems.append(Invalid(
            N_("A meeting lasts between %(min)s and %(max)s minutes."),
            field="minutes", min=MIN_MINUTES, max=MAX_MINUTES,
        ))  # fmt: skip
    if activities is not None and not activities:
        problems.append(
            Invalid(N_("Choose at least one thing you did together."), field="activities")
        )
    if len(note) > NOTE_MAX:
        problems.append(Invalid(N_("This field is too long."), field="note"))
    if concern is not None and not concern.strip():
        problems.append(
            Invalid(N_("Tell the staff in a few words what worries you."), field="concern")
        )
    if concern is not None and len(concern) > NOTE_MAX:
        problems.append(Invalid(N_("This field is too long."), field="concern"))
    return problems


def _check_fields(data: CheckinData) -> None:
    problems = field_problems(data.minutes, data.activities, data.note, data.concern)
    if problems:
        raise problems[0]


def _check_date(contract: Contract, met_on: date, city: CityProfile, today: date) -> None:
    refusal = rules.can_log_on(
        contract.status, contract.start_date, contract_last_day(contract, city), met_on, today
    )
    if refusal is None:
        return
    error, message = _REFUSED_DATES[refusal]
    field = "met_on" if error is Invalid else None
    last = contract_last_day(contract, city)
    # Dates, not strings: the message shows them in the reader's language.
    raise error(message, field=field, start=contract.start_date, end=last)


def _check_free_day(session: Session, contract_id: int, met_on: date, own_id: int = 0) -> None:
    taken = session.scalar(
        select(Checkin.id).where(
            Checkin.contract_id == contract_id, Checkin.met_on == met_on, Checkin.id != own_id
        )
    )
    if taken is not None:
        raise Conflict(N_("A meeting on this day is already logged."), field="met_on")


def _flush_unique(session: Session) -> None:
    """Flush; two requests logging the same day at once meet the unique constraint."""
    try:
        session.flush()
    except IntegrityError:  # the whole request is rolled back by the caller
        raise Conflict(N_("A meeting on this day is already logged."), field="met_on") from None


# --- changes --------------------------------------------------------------------------------


def log(
    session: Session,
    contract: Contract,
    user: User,
    data: CheckinData,
    *,
    city: CityProfile,
    now: datetime | None = None,
) -> Checkin:
    side = side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the newcomer and the volunteer can log their meetings."))
    now = now or utcnow()
    _check_fields(data)
    _check_date(contract, data.met_on, city, today_in(city, now))
    _check_free_day(session, contract.id, data.met_on)
    checkin = Checkin(
        contract_id=contract.id,
        met_on=data.met_on,
        minutes=data.minutes,
        note=data.note.strip(),
        logged_by_id=user.id,
        logged_by_side=side,
        status=CheckinStatus.pending,
        concern_reason=data.concern.strip() if data.concern is not None else None,
        concern_raised_at=now if data.concern is not None else None,
        concern_resolution="",
        created_at=now,
        updated_at=now,
    )
    checkin.activities = data.activities
    session.add(checkin)
    _flush_unique(session)
    events.publish(
        session, "checkin.logged", checkin_id=checkin.id, contract_id=contract.id,
        by_user_id=user.id, by_side=side.value, confirm_side=other_side(side).value,
    )  # fmt: skip
    if checkin.concern_reason is not None:
        _concern_raised(session, checkin, user)
    return checkin


def _concern_raised(session: Session, checkin: Checkin, user: User) -> None:
    events.publish(
        session, "checkin.concern_raised", checkin_id=checkin.id,
        contract_id=checkin.contract_id, by_user_id=user.id, reason=checkin.concern_reason,
    )  # fmt: skip


def check_may_change(checkin: Checkin, contract: Contract, user: User, now: datetime) -> None:
    """Staff, or the side that logged the meeting within the edit window; else a domain error.
    The edit *page* asks this too: its form holds the worry, which the other side must not see."""
    if user.role is Role.staff:
        return
    if side_of(contract, user) is not checkin.logged_by_side:
        raise Forbidden(N_("Only the person who logged this meeting can change it."))
    if not rules.can_edit(checkin.created_at, now):
        raise Conflict(
            N_("A meeting can only be changed for %(days)s days after it was logged."),
            days=rules.EDIT_DAYS,
        )


def update(
    session: Session,
    checkin: Checkin,
    user: User,
    changes: dict[str, Any],
    *,
    city: CityProfile,
    now: datetime | None = None,
) -> Checkin:
    """Apply ``changes`` (keys of ``CheckinData``; ``concern`` None withdraws an open worry)."""
    now = now or utcnow()
    contract = contract_of(session, checkin)
    check_may_change(checkin, contract, user, now)
    current = CheckinData(
        checkin.met_on, checkin.minutes, checkin.activities, checkin.note,
        checkin.concern_reason if checkin.concern_open else None,
    )  # fmt: skip
    wanted = CheckinData(**{**current.__dict__, **changes})
    _check_fields(wanted)
    if wanted.met_on != checkin.met_on:
        _check_date(contract, wanted.met_on, city, today_in(city, now))
        _check_free_day(session, contract.id, wanted.met_on, checkin.id)
    if "concern" in changes and checkin.concern_resolved_at is not None:
        raise Conflict(N_("The staff have already dealt with this worry."), field="concern")
    answered = checkin.status is not CheckinStatus.pending
    if answered and (wanted.met_on, wanted.minutes) != (checkin.met_on, checkin.minutes):
        checkin.status, checkin.confirmed_at, checkin.confirmed_by_id = (
            CheckinStatus.pending, None, None,
        )  # fmt: skip
    checkin.met_on, checkin.minutes = wanted.met_on, wanted.minutes
    checkin.activities = wanted.activities
    checkin.note = wanted.note.strip()
    raised = "concern" in changes and wanted.concern is not None and not checkin.concern_open
    if "concern" in changes:
        checkin.concern_reason = wanted.concern.strip() if wanted.concern is not None else None
        checkin.concern_raised_at = (checkin.concern_raised_at or now) if wanted.concern else None
    checkin.updated_at = now
    _flush_unique(session)
    if raised:
        _concern_raised(session, checkin, user)
    if user.role is Role.staff:
        record(
            session, actor_id=user.id, action="checkin.changed", subject_type="contract",
            subject_id=contract.id, checkin_id=checkin.id, fields=sorted(changes),
        )  # fmt: skip
    return checkin


def delete(session: Session, checkin: Checkin, user: User, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    contract = contract_of(session, checkin)
    check_may_change(checkin, contract, user, now)
    record(
        session, actor_id=user.id, action="checkin.deleted", subject_type="contract",
        subject_id=contract.id, checkin_id=checkin.id, met_on=checkin.met_on.isoformat(),
        minutes=checkin.minutes, status=checkin.status.value,
        activities=[a.value for a in checkin.activities],
        concern=checkin.concern_reason,
    )  # fmt: skip
    session.delete(checkin)
    session.flush()


def answer(
    session: Session, checkin: Checkin, user: User, happened: bool, *, now: datetime | None = None
) -> Checkin:
    """The other side confirms the meeting, or says it did not happen."""
    contract = contract_of(session, checkin)
    side = side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the newcomer and the volunteer can confirm their meetings."))
    if side is checkin.logged_by_side:
        raise Conflict(N_("You logged this meeting yourself: your buddy confirms it."))
    now = now or utcnow()
    checkin.status = CheckinStatus.confirmed if happened else CheckinStatus.disputed
    checkin.confirmed_at, checkin.confirmed_by_id = now, user.id
    session.flush()
    events.publish(
        session, "checkin.answered", checkin_id=checkin.id, contract_id=contract.id,
        by_user_id=user.id, happened=happened,
    )  # fmt: skip
    return checkin


def resolve_concern(
    session: Session, checkin: Checkin, user: User, note: str = "", *, now: datetime | None = None
) -> Checkin:
    if user.role is not Role.staff:
        raise Forbidden(N_("Only staff can do this."))
    if checkin.concern_reason is None:
        raise Conflict(N_("This meeting has no worry to resolve."))
    if checkin.concern_resolved_at is not None:
        raise Conflict(N_("The staff have already dealt with this worry."))
    now = now or utcnow()
    checkin.concern_resolved_at, checkin.concern_resolved_by_id = now, user.id
    checkin.concern_resolution = note.strip()[:NOTE_MAX]
    session.flush()
    record(
        session, actor_id=user.id, action="checkin.concern_resolved", subject_type="contract",
        subject_id=checkin.contract_id, checkin_id=checkin.id,
        personal={"note": checkin.concern_resolution},
    )  # fmt: skip
    events.publish(
        session, "checkin.concern_resolved", checkin_id=checkin.id,
        contract_id=checkin.contract_id, by_user_id=user.id,
    )  # fmt: skip
    return checkin
