"""Matching rounds: who waits, who can be proposed, the engine, and storing its panels.

Who takes part (the queries) is in ``app.matches.participants``, re-exported here.

This is the one module that talks to the ``matching`` engine. A round runs in one transaction
(the caller's): the round record, every panel and every candidate are written together, or —
on any error — not at all. One round at a time: a PostgreSQL advisory lock held until the
transaction ends; on SQLite a lock row inside the same transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import CityProfile
from app.db import utcnow as utcnow
from app.errors import Conflict
from app.i18n.catalog import N_
from app.matches.models import (
    MatchingLock,
    MatchingRound,
    Panel,
    PanelCandidate,
    PanelStatus,
)
from app.matches.participants import DECLINED_PANEL_MEMORY as DECLINED_PANEL_MEMORY
from app.matches.participants import Profile as Profile
from app.matches.participants import available_profiles as available_profiles
from app.matches.participants import available_volunteers as available_volunteers
from app.matches.participants import excluded_pairs as excluded_pairs
from app.matches.participants import exposure as exposure
from app.matches.participants import open_panel_filter as open_panel_filter
from app.matches.participants import to_engine_newcomer as to_engine_newcomer
from app.matches.participants import to_engine_volunteer as to_engine_volunteer
from app.matches.participants import waiting_newcomers as waiting_newcomers
from app.matches.participants import waiting_profiles as waiting_profiles
from app.matches.rules import panel_expires_at
from app.notifications import service as notifications
from app.people.models import Newcomer, Volunteer

if TYPE_CHECKING:
    import matching

ROUND_LOCK = "matching_round"
ROUND_LOCK_KEY = 0x6275_6464_79  # "buddy": the advisory-lock key of matching rounds
_panels = cast(Table, Panel.__table__)
_candidates = cast(Table, PanelCandidate.__table__)

Progress = Callable[[str, int, int], None]


class NobodyWaiting(Conflict):
    """No newcomer waits for a panel: the round would propose nothing, so it is not run.

    Not recorded on purpose: an empty round has no panels and no shortage to report, and as the
    newest round it would hide the last informative report from the rounds page and the
    dashboard. Whoever started it is told, in so many words, that nobody was waiting."""


def _no_progress(step: str, done: int, total: int) -> None:
    return None


# --- the lock -------------------------------------------------------------------------------


def acquire_round_lock(session: Session) -> None:
    """Take the one-round-at-a-time lock for the rest of this transaction, or 409."""
    busy = Conflict(N_("A matching round is already running. Try again in a minute."))
    if session.get_bind().dialect.name == "postgresql":
        got = session.scalar(select(func.pg_try_advisory_xact_lock(ROUND_LOCK_KEY)))
        if not got:
            raise busy
        return
    # SQLite: the insert takes the database's single write lock until commit; a concurrent
    # round waits at most briefly for it and then gets 409 instead of queueing behind us.
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA busy_timeout = 1500")
    try:
        session.add(MatchingLock(name=ROUND_LOCK))
        session.flush()
    except (OperationalError, IntegrityError):
        raise busy from None
    finally:
        connection.exec_driver_sql("PRAGMA busy_timeout = 30000")


def release_round_lock(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        session.execute(delete(MatchingLock).where(MatchingLock.name == ROUND_LOCK))


def engine_config(city: CityProfile) -> matching.MatchingConfig:
    import matching  # lazily: SciPy loads only when a round runs

    return matching.MatchingConfig(
        panel_size=city.panel_size,
        max_open_panels=city.max_open_panels,
        max_distance_km=city.max_distance_km,
        weight_interests=city.interests_weight,
        practice_weight=city.practice_weight,
    )


def _languages(person: Newcomer | Volunteer) -> dict[str, str]:
    return {lang.code: lang.level.value for lang in person.languages}


def session_timetable(
    pairs: Sequence[tuple[int, int]], tables: int | None
) -> list[list[matching.Conversation]]:
    """A speed-dating evening: every pair once, in the fewest rounds (see matching.timetable)."""
    import matching  # lazily: SciPy loads only when a round runs

    return matching.build_timetable(pairs, tables)


def interpreter_needed(newcomer: Newcomer, volunteer: Volunteer, city: CityProfile) -> bool:
    """No shared language at the level the city's matching rule asks."""
    import matching  # lazily: SciPy loads only when a round runs

    return matching.needs_interpreter(_languages(newcomer), _languages(volunteer),
                                      engine_config(city))


# --- the round ------------------------------------------------------------------------------


def expire_panels(session: Session, now: datetime | None = None) -> int:
    """Open panels past their expiry become ``expired`` (their volunteers' exposure is freed,
    their newcomers wait again). Idempotent."""
    now = now or utcnow()
    result = session.execute(
        update(_panels)
        .where(_panels.c.status == PanelStatus.open.value, _panels.c.expires_at <= now)
        .values(status=PanelStatus.expired.value, closed_at=now)
    )
    return int(cast(Any, result).rowcount or 0)


@dataclass(frozen=True)
class _Stored:
    panels: int
    scores: list[float]
    empty_ids: list[int]


def _store_panels(
    session: Session,
    record: MatchingRound,
    result: matching.PanelResult,
    expires_at: datetime,
    progress: Progress,
) -> _Stored:
    """Every panel in one multi-row INSERT … RETURNING, every candidate in one executemany.

    Core statements on the tables, not ORM objects: building and flushing 3,000 objects through
    the unit of work took longer than the engine's whole solve (and the ORM's bulk INSERT still
    spends a tenth of a millisecond per row). The candidates need no ids back, so no RETURNING:
    psycopg then pipelines the rows, three times faster than multi-row VALUES … RETURNING on
    PostgreSQL (sqlite3's executemany is as fast either way). The round's ``panels`` collection
    is left unloaded, so whoever reads it gets the stored rows."""
    total = len(result.panels)
    progress("store", 0, total)
    filled = [(int(newcomer_id), cs) for newcomer_id, cs in result.panels.items() if cs]
    empty = [int(newcomer_id) for newcomer_id, cs in result.panels.items() if not cs]
    scores = [float(c.score) for _, cs in filled for c in cs]
    if filled:
        session.flush()  # the round's id
        created = utcnow()  # the wall clock, as the column default would give
        # Matched back by newcomer (one panel each), not by the order of the rows: SQLite can
        # promise that order only by inserting one row at a time.
        panel_of: dict[int, int] = dict(session.execute(
            insert(_panels).returning(_panels.c.newcomer_id, _panels.c.id),
            [
                {"round_id": record.id, "newcomer_id": newcomer_id,
                 "status": PanelStatus.open, "created_at": created, "expires_at": expires_at,
                 "decline_reason": ""}
                for newcomer_id, _ in filled
            ],
        ).all())  # fmt: skip
        session.execute(
            insert(_candidates),
            [
                {"panel_id": panel_of[newcomer_id], "volunteer_id": int(c.volunteer_id),
                 "rank": c.rank, "score": float(c.score), "reasons": c.reasons.to_dict(),
                 "distance_km": float(c.reasons.distance_km)}
                for newcomer_id, cs in filled
                for c in cs
            ],
        )  # fmt: skip
        session.expire(record, ["panels"])
    progress("store", total, total)
    return _Stored(len(filled), scores, empty)


def _summary(result: matching.PanelResult, empty_ids: Sequence[int]) -> dict[str, Any]:
    s = result.summary
    busiest = max(s.exposure.values(), default=0)
    return {
        "objective": s.objective,
        "total_score": s.total_score,
        "certificate": s.certificate.to_dict() if s.certificate else None,
        "max_exposure": busiest,
        "timings": s.timings,
        "empty_newcomer_ids": list(empty_ids[:500]),
    }


def run_round(
    session: Session,
    *,
    city: CityProfile,
    started_by: User | None,
    now: datetime | None = None,
    progress: Progress = _no_progress,
) -> MatchingRound:
    """Run one matching round. Never commits: the caller's transaction makes it all-or-nothing."""
    with _collector_paused():
        return _run(session, city=city, started_by=started_by, now=now, progress=progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a round runs, back on at the end (errors
    included). A round makes ~100,000 short-lived objects (rows, the engine's input, reasons,
    messages), which set off one or two full collections of the whole process heap per round:
    0.15–0.6 s at 500 × 800, more than all its SQL. Reference counting frees nearly all of
    them anyway; the few cycles wait for the next collection."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:  # a round running meanwhile in another thread left it to us
            gc.enable()


def _run(
    session: Session,
    *,
    city: CityProfile,
    started_by: User | None,
    now: datetime | None,
    progress: Progress,
) -> MatchingRound:
    import matching  # lazily: SciPy loads only when a round runs

    acquire_round_lock(session)
    now = now or utcnow()
    expire_panels(session, now)
    progress("collect", 0, 3)
    newcomers = waiting_profiles(session, now)
    if not newcomers:
        raise NobodyWaiting(N_("Nobody is waiting for a panel, so no matching round was run."))
    volunteers = available_profiles(session, city, now)
    excluded = excluded_pairs(session, now)
    progress("collect", 3, 3)
    progress("solve", 0, 1)
    result = matching.propose_panels(
        [to_engine_newcomer(n, now) for n in newcomers],
        [to_engine_volunteer(v) for v in volunteers],
        engine_config(city),
        frozenset(excluded),
    )
    progress("solve", 1, 1)
    record = MatchingRound(
        started_at=now,
        started_by_id=started_by.id if started_by else None,
        newcomers_waiting=len(newcomers),
        volunteers_available=len(volunteers),
        full_panels=result.summary.full_panels,
        partial_panels=result.summary.partial_panels,
        empty_panels=result.summary.empty_panels,
        shortage=result.summary.shortage.to_dict(),
    )
    session.add(record)
    stored = _store_panels(
        session, record, result, panel_expires_at(now, city.panel_expiry_days), progress
    )
    record.panels_made = stored.panels
    record.average_score = fmean(stored.scores) if stored.scores else None
    record.summary = _summary(result, stored.empty_ids)
    record.finished_at = utcnow()
    session.flush()
    notifications.queue_round_panels(session, record.id)  # "your candidates are ready"
    release_round_lock(session)
    session.flush()
    return record


def list_rounds(session: Session, limit: int = 50) -> list[MatchingRound]:
    stmt = select(MatchingRound).order_by(MatchingRound.started_at.desc(), MatchingRound.id.desc())
    return list(session.scalars(stmt.limit(limit)))
