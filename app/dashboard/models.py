"""What the dashboard adds to the schema: an index of the check-ins, declared next to the queries
that need it, and the per-contract attendance sums that ``buddy tick`` keeps.

The SQL measures (measures.py) look up, for each contract, its meetings that count — not
disputed — between two dates. This partial index holds exactly those rows, ordered by contract
and date: each lookup reads a few contiguous entries and no status, and "latest meeting" is a
single step from the end. At 500,000 check-ins it makes the dashboard's per-contract work about
a quarter faster than the general (contract, status, date, minutes) index.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from app.checkins.models import Checkin
from app.db import Base

# Must read exactly like measures.COUNTING's condition for PostgreSQL to use the index.
_COUNTING_SQL = text("status IN ('pending', 'confirmed')")
_checkins = cast(Table, Checkin.__table__)

COUNTING_MEETINGS = Index(
    "ix_checkins_counting",
    _checkins.c.contract_id,
    _checkins.c.met_on,
    postgresql_where=_COUNTING_SQL,
    sqlite_where=_COUNTING_SQL,
)


class ContractAttendance(Base):
    """Each dated contract's meetings that count, summed up by ``buddy tick`` (attendance.py):
    ``met`` — distinct periods with a meeting that counts, from the start to the contract's
    last day (no end while it runs) — and ``last_dn`` — the day number of the latest such
    meeting (NULL: none, then ``met`` is 0).

    A row is only ever exact: database triggers (migration 7d2f0c4e9a31) delete a contract's
    row whenever one of its check-ins is added, changed or removed, or its status, dates or
    cadence change; the next tick sums it up again. Until then the measures count that contract
    live (measures.per_contract), so the numbers never lag."""

    __tablename__ = "contract_attendance"

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    met: Mapped[int]
    last_dn: Mapped[int | None]
    # Once the contract is over (``ends_dn``: its last day; NULL while it runs) its attendance is
    # final for any day after it: ``expected`` (NULL while it runs) with ``met`` is its adherence,
    # read without the contract (``start_dn``: its first day) for the median.
    start_dn: Mapped[int]
    ends_dn: Mapped[int | None]
    expected: Mapped[int | None]


class MeetingDay(Base):
    """The meetings of one day across all pairs, summed up by ``buddy tick`` (attendance.py):
    ``meetings`` that count (not disputed) and ``confirmed_minutes``; a row for every day from
    the first meeting to the tick's day, zeros included, so a missing row means "not summed".

    Exact like ContractAttendance: a trigger deletes the day's row when one of its check-ins is
    added, removed or changes date, status or minutes; the dashboard counts the days without a
    row live (series.meetings_by_day)."""

    __tablename__ = "meeting_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    meetings: Mapped[int]
    confirmed_minutes: Mapped[int]


class EntryDay(Base):
    """The newcomers who registered on one day (UTC), by where they are now: the entry
    cohorts' outcomes (entry_cohorts.py), summed up by ``buddy tick`` (attendance.py). A row for
    every day from the first registration to the tick's day, zeros included.

    Exact like the others: triggers delete a day's row when a newcomer registers that day, or
    one of its newcomers' contracts is added, removed or changes status; the dashboard counts
    the days without a row live."""

    __tablename__ = "entry_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    not_matched: Mapped[int]
    ended_early: Mapped[int]
    active: Mapped[int]
    completed: Mapped[int]


class MeetingDayArea(Base):
    """A summed-up day's meetings (MeetingDay) in one neighbourhood — the newcomer's, as the
    dashboard's filter reads it — so a neighbourhood's numbers come from sums too. Rows only
    for neighbourhoods with meetings that day: a summed day (its MeetingDay row exists) without
    a row here had none there. Deleted with the day's row (ON DELETE CASCADE), and by triggers
    when a newcomer's neighbourhood or a contract's newcomer changes (migration 4a7c9e2b5d18)."""

    __tablename__ = "meeting_day_areas"

    day: Mapped[date] = mapped_column(
        ForeignKey("meeting_days.day", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood: Mapped[str] = mapped_column(String(64), primary_key=True)
    meetings: Mapped[int]
    confirmed_minutes: Mapped[int]


class EntryDayArea(Base):
    """A summed-up day's registrations (EntryDay) in one neighbourhood, by outcome; rows only
    for neighbourhoods with registrations that day. Deleted with the day's row, and by a
    trigger when a newcomer's neighbourhood changes."""

    __tablename__ = "entry_day_areas"

    day: Mapped[date] = mapped_column(
        ForeignKey("entry_days.day", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood: Mapped[str] = mapped_column(String(64), primary_key=True)
    not_matched: Mapped[int]
    ended_early: Mapped[int]
    active: Mapped[int]
    completed: Mapped[int]
