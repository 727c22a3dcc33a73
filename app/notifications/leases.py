"""A queue table whose rows are claimed with a lease and settled: the email outbox and the SMS
alerts share these steps (see app/notifications/sender.py for why it never sends twice).

A row is due when ``status = 'queued'`` and ``next_attempt_at <= now``. Claiming it is one
conditional UPDATE that adds an attempt and moves ``next_attempt_at`` a lease ahead, committed
before the message leaves; settling marks it sent, or queues it again after the back-off, or
gives up after the last attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.notifications import rules

QUEUED, SENT, FAILED = "queued", "sent", "failed"
ERROR_MAX = 2000


@dataclass(frozen=True)
class LeasedQueue:
    """The claim-and-settle steps over ``model``'s table (columns ``id``, ``status``,
    ``attempts``, ``next_attempt_at``, ``sent_at``, ``last_error``)."""

    model: type[Any]

    @property
    def table(self) -> Table:
        return cast(Table, self.model.__table__)

    def due_ids(self, session: Session, now: datetime, limit: int) -> list[int]:
        t = self.table
        stmt = (
            select(t.c.id)
            .where(t.c.status == QUEUED, t.c.next_attempt_at <= now)
            .order_by(t.c.next_attempt_at, t.c.id)
            .limit(limit)
        )
        return list(session.scalars(stmt))

    def give_up_on_crashed(self, session: Session, now: datetime) -> int:
        """Rows whose every attempt ended in a crash (claimed, never settled) fail for good
        instead of being claimed forever."""
        t = self.table
        result = session.execute(
            update(t)
            .where(t.c.status == QUEUED, t.c.attempts >= rules.MAX_ATTEMPTS,
                   t.c.next_attempt_at <= now)
            .values(status=FAILED, last_error="gave up: no attempt finished")
        )  # fmt: skip
        return int(cast(Any, result).rowcount or 0)

    def claim(self, session: Session, row_id: int, now: datetime) -> Any | None:
        """Reserve one row for this worker; ``None``: another worker has it, or it is done."""
        t = self.table
        result = session.execute(
            update(t)
            .where(t.c.id == row_id, t.c.status == QUEUED, t.c.next_attempt_at <= now,
                   t.c.attempts < rules.MAX_ATTEMPTS)
            .values(attempts=t.c.attempts + 1, next_attempt_at=now + rules.CLAIM_LEASE)
        )  # fmt: skip
        if cast(Any, result).rowcount != 1:
            return None
        return session.get(self.model, row_id, populate_existing=True)

    def mark_sent(self, session: Session, row_id: int, now: datetime) -> None:
        t = self.table
        session.execute(
            update(t).where(t.c.id == row_id).values(status=SENT, sent_at=now, last_error=None)
        )

    def mark_failed_attempt(
        self, session: Session, row_id: int, attempts: int, error: str, now: datetime,
        *, final: bool,
    ) -> bool:  # fmt: skip
        """Queue again after the back-off, or give up; returns whether it will be retried."""
        retry = None if final else rules.retry_at(attempts, now)
        values: dict[str, Any] = {"last_error": error[:ERROR_MAX]}
        if retry is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry
        t = self.table
        session.execute(update(t).where(t.c.id == row_id).values(**values))
        return retry is not None
