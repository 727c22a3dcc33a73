"""The periodic reminders ``buddy tick`` queues: no meeting for one or two periods, and one month
before the end (rules in rules.py). Safe to run any number of times: every reminder has a
dedupe key, so a second run on the same day — or the next day, in the same silence — queues
nothing new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.checkins.models import Checkin, CheckinStatus
from app.config import Cadence
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.db import utcnow
from app.notifications import contract_mail, rules, service


@dataclass(frozen=True)
class ReminderReport:
    nomeet1: int
    nomeet2: int
    ending_soon: int

    @property
    def total(self) -> int:
        return self.nomeet1 + self.nomeet2 + self.ending_soon


def _last_meetings(session: Session, today: date) -> list[tuple[int, date, Cadence, date | None]]:
    """(contract id, start, cadence, last counting meeting) of every active contract that has
    started, in one aggregate query."""
    last = (
        select(Checkin.contract_id, func.max(Checkin.met_on).label("last_met_on"))
        .join(Contract, Contract.id == Checkin.contract_id)
        .where(
            Contract.status == ContractStatus.active,
            Checkin.status != CheckinStatus.disputed,
            Checkin.met_on >= Contract.start_date,
            Checkin.met_on <= today,
        )
        .group_by(Checkin.contract_id)
        .subquery()
    )
    rows = session.execute(
        select(Contract.id, Contract.start_date, Contract.cadence, last.c.last_met_on)
        .outerjoin(last, last.c.contract_id == Contract.id)
        .where(Contract.status == ContractStatus.active, Contract.start_date <= today)
        .order_by(Contract.id)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def queue_silence_reminders(session: Session, today: date) -> tuple[int, int]:
    counts = {"nomeet1": 0, "nomeet2": 0}
    for contract_id, start, cadence, last_met_on in _last_meetings(session, today):
        gap = rules.silence(start, cadence, last_met_on, today)
        kind = rules.reminder_due(gap.missed)
        if kind is None:
            continue
        contract = session.get(Contract, contract_id)
        assert contract is not None
        since = rules.period_start(start, cadence, gap.gap_start)
        counts[kind] += contract_mail.queue_silence_reminder(
            session, contract, kind, gap.gap_start, since
        )
    return counts["nomeet1"], counts["nomeet2"]


def queue_ending_reminders(session: Session, today: date) -> int:
    # A month is at most 31 days: a cheap range first, the exact calendar rule after.
    contracts = session.scalars(
        select(Contract)
        .where(
            and_(
                Contract.status == ContractStatus.active,
                Contract.end_date > today,
                Contract.end_date <= today + timedelta(days=31),
            )
        )
        .order_by(Contract.id)
    ).all()
    queued = 0
    for contract in contracts:
        if contract.end_date is not None and rules.ending_soon(contract.end_date, today):
            queued += contract_mail.queue_ending_soon(session, contract)
    return queued


def queue_due_reminders(session: Session, *, today: date | None = None) -> ReminderReport:
    """Queue every reminder due on ``today`` (default: today in the city)."""
    if today is None:
        today = local_date(utcnow(), service.settings_for(session).city.timezone)
    first, second = queue_silence_reminders(session, today)
    return ReminderReport(first, second, queue_ending_reminders(session, today))
