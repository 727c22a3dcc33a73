"""The demo history's clock: events run oldest first, each at its own moment in the past.

Every service the history uses takes the moment as ``now`` (or a ``today``), so the rows it
writes carry the right dates. Audit entries take the event's moment from ``recorded_at`` (they
are hash-chained and append-only: they cannot be re-dated afterwards). Queued emails
(``app.notifications.service.queue``) are stamped with the wall clock; after each event, the ones
it created get the event's moment instead — and count as delivered then, as the hourly
``buddy tick`` would have sent them back then (nothing of the demo's past is left for the mail
sender to deliver now, to addresses that do not exist).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import count
from typing import cast

from sqlalchemy import Table, event, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from app.audit.service import recorded_at
from app.notifications.models import EmailStatus, OutboxEmail

Action = Callable[[datetime], None]
_outbox = cast(Table, OutboxEmail.__table__)
# How long after an event its email was delivered.
DELIVERY_DELAY = timedelta(minutes=2)


class Clock:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._queue: list[tuple[datetime, int, Action]] = []
        self._seq = count()
        self._mail_seen = self._max_id(_outbox)
        self._inserted: set[str] = set()
        self.events = 0
        # The session's identity map holds objects weakly: the people and contracts of the
        # history are kept here, so that each event finds them loaded instead of reading them
        # (and their languages) again.
        self.keep: list[object] = []

    def _max_id(self, table: Table) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)

    def at(self, when: datetime, action: Action) -> None:
        """Run ``action(when)`` in time order. What would happen at or after ``now`` has not
        happened yet, and is left out (a meeting logged yesterday is not confirmed yet …)."""
        if when < self.now:
            heapq.heappush(self._queue, (when, next(self._seq), action))

    def run(self) -> None:
        # Watch this session's connection for inserts into the outbox, so that only the
        # events that queued mail pay for stamping it.
        connection = self.session.connection()
        event.listen(connection, "after_execute", self._watch)
        try:
            while self._queue:
                when, _, action = heapq.heappop(self._queue)
                with recorded_at(when):
                    action(when)
                self._stamp(when)
                self.events += 1
        finally:
            event.remove(connection, "after_execute", self._watch)

    def _watch(self, conn: Connection, statement: object, *args: object) -> None:
        if isinstance(statement, Insert) and statement.table.name == _outbox.name:
            self._inserted.add(statement.table.name)

    def _stamp(self, when: datetime) -> None:
        self.session.flush()
        inserted, self._inserted = self._inserted, set()
        if _outbox.name in inserted:
            mailed = self.session.execute(
                update(_outbox)
                .where(_outbox.c.id > self._mail_seen)
                .values(
                    created_at=when,
                    next_attempt_at=when,
                    status=EmailStatus.sent.value,
                    attempts=1,
                    sent_at=when + DELIVERY_DELAY,
                )
                .returning(_outbox.c.id)
            ).scalars()
            self._mail_seen = max([self._mail_seen, *mailed])
