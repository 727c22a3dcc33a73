"""Row-for-row copies of what a test arranged, to arrange the same again without redoing it.

A snapshot is every row of every table (ids included), read in the session's transaction; it
is taken of an emptied database, right after the arranging, so it holds nothing else. Restoring
it inserts the rows into an emptied database. The sums the database triggers forget when a
contract, person or check-in row is inserted are restored last, or the triggers would delete
them again. The schema is the migrated one; only rows are copied.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from app.dashboard.models import (
    ContractAttendance,
    EntryDay,
    EntryDayArea,
    MeetingDay,
    MeetingDayArea,
)
from app.models import Base

Snapshot = list[tuple[Table, list[dict[str, Any]]]]
_DERIVED = {
    model.__table__.name
    for model in (ContractAttendance, EntryDay, MeetingDay, EntryDayArea, MeetingDayArea)
}


def tables() -> list[Table]:
    """Every table, in an order rows can be inserted in."""
    ordered = Base.metadata.sorted_tables
    return [t for t in ordered if t.name not in _DERIVED] + [
        t for t in ordered if t.name in _DERIVED
    ]


def take(session: Session) -> Snapshot:
    session.flush()
    return [
        (table, rows)
        for table in tables()
        if (rows := [dict(row) for row in session.execute(table.select()).mappings()])
    ]


def restore(session: Session, snapshot: Snapshot) -> None:
    """Insert the snapshot's rows (flushed, not committed) into an emptied database."""
    for table, rows in snapshot:
        session.execute(table.insert(), rows)
    for table, rows in snapshot:
        count = session.scalar(select(func.count()).select_from(table))
        assert count == len(rows), f"{table.name}: {count} rows restored of {len(rows)}"
