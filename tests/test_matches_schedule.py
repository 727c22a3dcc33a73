"""Rounds on the city's schedule: the slot rules, exactly one round per slot however often and
by however many processes ``buddy tick`` runs (threads on PostgreSQL), and /staff/rounds."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.config import RoundSchedule, Settings
from app.db import make_engine, make_sessionmaker
from app.matches.models import MatchingRound, ScheduledRound
from app.matches.schedule import GRACE, due_slot, next_slot, run_due_round, slots_around
from tests.factories import browser_login, make_newcomer, make_staff, make_volunteer

TZ = "Europe/Brussels"
MONTHLY = RoundSchedule(every="month", weekday="mon", week_of_month=1, at=time(9, 0))
CITY = Settings().city.model_copy(update={"round_schedule": MONTHLY})
# Monday 7 December 2026, 09:00 in Brussels = 08:00 UTC: the first Monday of December.
SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_monthly_and_weekly_slots() -> None:
    assert slots_around(MONTHLY, SLOT, TZ) == (SLOT, datetime(2027, 1, 4, 8, tzinfo=UTC))
    just_before = SLOT - timedelta(minutes=1)
    assert slots_around(MONTHLY, just_before, TZ)[1] == SLOT
    third_thursday = RoundSchedule(every="month", weekday="thu", week_of_month=3)
    assert slots_around(third_thursday, SLOT, TZ)[1] == datetime(2026, 12, 17, 8, tzinfo=UTC)
    weekly = RoundSchedule(every="week", weekday="wed", at=time(18, 30))
    last, nxt = slots_around(weekly, SLOT, TZ)
    assert last == datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    assert nxt == datetime(2026, 12, 9, 17, 30, tzinfo=UTC)
    # Summer time: 09:00 in Brussels is 07:00 UTC.
    assert slots_around(MONTHLY, datetime(2027, 6, 1, tzinfo=UTC), TZ)[1] == datetime(
        2027, 6, 7, 7, tzinfo=UTC)


def test_due_only_within_the_grace_and_with_a_schedule() -> None:
    assert due_slot(CITY, SLOT + timedelta(hours=1)) == SLOT
    assert due_slot(CITY, SLOT + GRACE + timedelta(minutes=1)) is None
    assert due_slot(Settings().city, SLOT) is None  # no schedule: rounds by hand only
    assert next_slot(Settings().city, SLOT) is None


def test_one_round_per_slot_however_often(db: Session) -> None:
    make_newcomer(db)
    make_volunteer(db)
    db.commit()
    first = run_due_round(db, city=CITY, now=SLOT + timedelta(minutes=5))
    assert first is not None
    assert first.newcomers_waiting == 1
    db.commit()
    assert run_due_round(db, city=CITY, now=SLOT + timedelta(hours=2)) is None
    assert run_due_round(db, city=CITY, now=SLOT - timedelta(days=1)) is None  # November's: old
    db.commit()
    assert db.scalar(select(func.count()).select_from(MatchingRound)) == 1
    claimed = db.scalar(select(ScheduledRound))
    assert claimed is not None
    assert claimed.slot_at == SLOT
    assert claimed.round_id == first.id


@pytest.mark.postgres_only
def test_concurrent_ticks_run_the_slot_once(
    db: Session, clean_db: Engine, database_url: str
) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("true concurrency between connections is tested on PostgreSQL")
    for _ in range(3):
        make_newcomer(db)
        make_volunteer(db)
    db.commit()
    workers = 8
    engine = make_engine(database_url, pool_size=workers + 2)
    factory = make_sessionmaker(engine)
    start = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def tick() -> None:
        with factory() as session:
            start.wait()
            try:
                done = run_due_round(session, city=CITY, now=SLOT + timedelta(minutes=1))
                session.commit()
                outcome = "ran" if done else "skipped"
            except Exception as exc:  # reported in the assertion below
                session.rollback()
                outcome = f"error: {exc!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=tick) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    engine.dispose()
    assert sorted(outcomes) == ["ran"] + ["skipped"] * (workers - 1), outcomes
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(MatchingRound)) == 1
    assert db.scalar(select(func.count()).select_from(ScheduledRound)) == 1


def test_rounds_page_shows_the_next_round(app: FastAPI, client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    assert "No rounds are scheduled" in client.get("/staff/rounds").text
    app.state.settings = app.state.settings.model_copy(update={"city": CITY})
    assert "Next scheduled round:" in client.get("/staff/rounds").text
