"""Retention, enforced by ``buddy tick`` (settings ``BUDDY_RETENTION_*``; docs/privacy.md).

* login attempts older than ``retention_login_days`` (at most 30) and expired tokens: deleted;
* private free text (worries, meeting notes, evaluations, staff-call notes, end notes) of
  contracts that ended more than ``retention_text_months`` ago: emptied (numbers stay);
* people inactive for ``retention_inactive_months``: warned by email, then erased
  ``retention_grace_days`` later if they still have not logged in.

Each run leaves one audit entry with its counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import AuthToken, LoginAttempt, User
from app.checkins.models import Checkin
from app.config import Settings
from app.contracts.models import LIVE_STATUSES, Contract
from app.db import utcnow
from app.evaluations.models import Evaluation
from app.followup.models import StaffCall
from app.notifications import service as notifications
from app.people.models import Person
from app.privacy.erasure import erase


def months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.4375))


@dataclass(frozen=True)
class RetentionReport:
    login_attempts_deleted: int
    tokens_deleted: int
    contracts_scrubbed: int
    warned: int
    erased: int


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _scrub_old_contracts(session: Session, before: datetime) -> int:
    old = select(Contract.id).where(Contract.status.not_in(LIVE_STATUSES),
                                    Contract.ended_at < before)  # fmt: skip
    texty = or_(
        exists().where(Checkin.contract_id == Contract.id,
                       or_(Checkin.note != "", Checkin.concern_reason != "",
                           Checkin.concern_resolution != "")),
        exists().where(Evaluation.contract_id == Contract.id, Evaluation.text != ""),
        exists().where(StaffCall.contract_id == Contract.id, StaffCall.note != ""),
        Contract.end_note != "",
    )  # fmt: skip
    ids = list(session.scalars(select(Contract.id).where(Contract.id.in_(old), texty)))
    if not ids:
        return 0
    for statement in (
        update(Checkin).where(Checkin.contract_id.in_(ids)).values(note="", concern_resolution=""),
        update(Checkin).where(Checkin.contract_id.in_(ids), Checkin.concern_reason.is_not(None))
        .values(concern_reason=""),
        update(Evaluation).where(Evaluation.contract_id.in_(ids)).values(text=""),
        update(StaffCall).where(StaffCall.contract_id.in_(ids)).values(note=""),
        update(Contract).where(Contract.id.in_(ids)).values(end_note=""),
    ):  # fmt: skip
        session.execute(statement.execution_options(synchronize_session=False))
    return len(ids)


def _inactive(session: Session, before: datetime) -> list[Person]:
    last_seen = func.coalesce(User.last_login_at, User.created_at)
    live = exists().where(
        Contract.status.in_(LIVE_STATUSES),
        or_(Contract.newcomer_id == Person.id, Contract.volunteer_id == Person.id),
    )
    stmt = (
        select(Person).join(User, User.id == Person.user_id)
        .where(Person.erased_at.is_(None), last_seen < before, ~live)
        .order_by(Person.id)
    )  # fmt: skip
    return list(session.scalars(stmt))


def run(session: Session, settings: Settings, now: datetime | None = None) -> RetentionReport:
    now = now or utcnow()
    attempts = session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.created_at < now - timedelta(days=settings.retention_login_days)
        )
    )
    tokens = session.execute(delete(AuthToken).where(AuthToken.expires_at < now))
    scrubbed = _scrub_old_contracts(session, months_ago(now, settings.retention_text_months))
    warned = erased = 0
    grace = timedelta(days=settings.retention_grace_days)
    for person in _inactive(session, months_ago(now, settings.retention_inactive_months)):
        last_seen = person.user.last_login_at or person.user.created_at
        if person.inactivity_warned_at is None or last_seen > person.inactivity_warned_at:
            person.inactivity_warned_at = now
            notifications.queue(
                session, user=person.user, kind="inactive_warning",
                dedupe_key=f"inactive_warning:{person.id}:{now.date().isoformat()}",
                context={"name": person.first_name, "erase_on": (now + grace).date(),
                         "url": notifications.link(settings, "/login")},
            )  # fmt: skip
            warned += 1
        elif person.inactivity_warned_at <= now - grace:
            erase(session, person, by=None, city=settings.city, now=now)
            erased += 1
    session.flush()
    report = RetentionReport(_rowcount(attempts), _rowcount(tokens), scrubbed, warned, erased)
    record(session, actor_id=None, action="privacy.retention", subject_type="programme",
           subject_id=None, **asdict(report))  # fmt: skip
    return report
