"""The sums ``buddy tick`` keeps for the dashboard (attendance per contract, meetings per day)
give exactly the live numbers — after the tick, and after check-ins and contracts change
between ticks (triggers drop what changed; the dashboard counts that live) — on SQLite and
PostgreSQL, for every number of the dashboard, the pairs lists and the contracts export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, exists, func, select, text, update
from sqlalchemy.orm import Session

from app.checkins.models import Checkin, CheckinStatus
from app.config import Settings
from app.contracts.models import Contract, ContractStatus, EndReason
from app.dashboard import attendance, filters, lists, service
from app.dashboard.models import ContractAttendance, EntryDayArea, MeetingDay, MeetingDayArea
from app.db import make_sessionmaker
from app.exports.service import contract_rows
from app.people.models import Newcomer, Person
from tests.factories import make_active_contract, make_checkin
from tests.test_dashboard_entry_cohorts import cohort_city, registered
from tests.test_dashboard_stats import NOW, T, at, programme

TRIGGERS = {
    "checkins_attendance_insert", "checkins_attendance_update", "checkins_attendance_delete",
    "contracts_attendance_update", "contracts_entry_insert", "contracts_entry_update",
    "contracts_entry_delete", "people_entry_insert", "people_entry_update",
    "people_entry_delete", "newcomers_entry_insert", "newcomers_entry_delete",
    "contracts_rung_insert", "contracts_rung_update", "contracts_rung_delete",
    "people_area_update", "contracts_area_update",
}  # fmt: skip
PERIODS = [
    (None, None, None),  # the default: the last twelve months
    ("2023-06-15", None, None),  # three years
    (None, None, "battel"),
    ("2026-01-01", "2026-06-30", None),  # ends after today
    ("2025-06-01", "2026-03-31", None),  # judged on its end: contracts over after it run
    ("2026-02-01", "2026-04-10", "battel"),
]


def everything(db: Session, settings: Settings) -> list[object]:
    """Every number the sums could change: the dashboard's for each period, the pairs lists,
    the contracts export."""
    city = settings.city
    found: list[object] = []
    for raw in PERIODS:
        chosen = filters.parse(city, T, *raw)
        found.append(service.programme_stats(db, city, chosen, NOW))
        found.append(list(contract_rows(db, city, chosen)))
    for area in (None, "battel"):
        pairs = (
            lists.at_risk_pairs(db, city, T, area),
            lists.pairs_missing_calls(db, city, T, area),
        )
        # The pairs page reads both from one pass: the same lists, in the same order.
        assert lists.pairs_to_call(db, city, T, area) == pairs
        found.append(pairs)
    db.rollback()
    return found


def world(db: Session) -> dict[str, object]:
    """The hand-computed programme, and newcomers who registered in January and February."""
    made = programme(db)
    cohort_city(db)
    return made


def live(db: Session, settings: Settings) -> list[object]:
    attendance.forget_all(db)
    db.commit()
    return everything(db, settings)


def tick(db: Session, settings: Settings) -> attendance.Refreshed:
    done = attendance.refresh(db, settings.city.timezone, T)
    db.commit()
    return done


def summed_contracts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(ContractAttendance)) or 0)


def test_the_triggers_exist_at_head(clean_db: Engine) -> None:
    """A SQLite batch migration that rebuilds checkins or contracts drops their triggers:
    this says so."""
    with clean_db.connect() as conn:
        if clean_db.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        else:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        assert {name for (name,) in rows} >= TRIGGERS


def test_the_sums_give_the_live_numbers(db: Session, settings: Settings) -> None:
    world(db)
    before = live(db, settings)
    done = tick(db, settings)
    # Every contract with a start date, every day from the first meeting (registration) on.
    dated = db.scalar(select(func.count()).where(Contract.start_date.is_not(None)))
    assert done == attendance.Refreshed(
        int(dated or 0), (T - date(2025, 12, 2)).days + 1, (T - date(2025, 12, 10)).days + 1
    )
    assert everything(db, settings) == before
    assert tick(db, settings) == attendance.Refreshed(0, 0, 0)  # incremental: nothing new
    cohorts = service.programme_stats(
        db, settings.city, filters.parse(settings.city, T, "2026-01-01", "2026-06-30", None), NOW
    ).entry_cohorts
    assert [(c.month, c.entered, c.completed, c.active, c.ended_early) for c in cohorts] == [
        ("2026-01", 3, 1, 1, 0),
        ("2026-02", 3, 0, 1, 1),
    ]  # test_dashboard_entry_cohorts


def test_the_hand_computed_numbers_from_the_sums(db: Session, settings: Settings) -> None:
    programme(db)
    tick(db, settings)
    # The hand-computed numbers of test_dashboard_stats, now from the sums.
    s = service.programme_stats(
        db, settings.city, filters.parse(settings.city, T, "2026-01-01", "2026-06-30", None), NOW
    )
    assert s.median_adherence == pytest.approx(3 / 26)
    assert (s.meetings, s.confirmed_minutes, s.at_risk_pairs) == (7, 435, 2)


def _new_checkin(db: Session, made: dict[str, object]) -> None:
    make_checkin(db, made["A2"], T - timedelta(days=1), minutes=60, status="pending")  # type: ignore[arg-type]


def _disputed(db: Session, made: dict[str, object]) -> None:
    first = db.scalars(select(Checkin).order_by(Checkin.met_on)).first()
    assert first is not None
    first.status = CheckinStatus.disputed


def _moved(db: Session, made: dict[str, object]) -> None:
    latest = db.scalars(select(Checkin).order_by(Checkin.met_on.desc())).first()
    assert latest is not None
    latest.met_on -= timedelta(days=9)


def _deleted(db: Session, made: dict[str, object]) -> None:
    latest = db.scalars(select(Checkin).order_by(Checkin.met_on.desc())).first()
    db.delete(latest)


def _ended_early(db: Session, made: dict[str, object]) -> None:
    a1 = made["A1"]
    assert isinstance(a1, Contract)
    a1.status, a1.ended_at = ContractStatus.ended_early, at(T - timedelta(days=12), 23)
    a1.end_reason = EndReason.no_time


def _fortnightly(db: Session, made: dict[str, object]) -> None:
    c = db.scalars(select(Contract).where(Contract.status == ContractStatus.completed)).first()
    assert c is not None
    c.cadence = "fortnightly"  # type: ignore[assignment]


def _bulk(db: Session, made: dict[str, object]) -> None:
    # A statement, not the ORM (like the erasure and retention jobs): the triggers see it too.
    db.execute(update(Checkin).where(Checkin.minutes == 60).values(status=CheckinStatus.pending))


def _new_contract(db: Session, made: dict[str, object]) -> None:
    fresh = make_active_contract(db, start=T - timedelta(days=20))
    make_checkin(db, fresh, T - timedelta(days=19), minutes=90, status="confirmed")


def _registered(db: Session, made: dict[str, object]) -> None:
    registered(db, 2)  # a February day already summed up


def _cohort_completed(db: Session, made: dict[str, object]) -> None:
    # An active contract of a newcomer who registered in January is completed.
    january = datetime(2026, 1, 10, 9, tzinfo=UTC)
    running = db.scalars(
        select(Contract)
        .join(Person, Person.id == Contract.newcomer_id)
        .where(Contract.status == ContractStatus.active, Person.created_at == january)
    ).first()
    assert running is not None
    running.status = ContractStatus.completed


def _matched(db: Session, made: dict[str, object]) -> None:
    # A newcomer registered in January, never matched, gets a buddy.
    lonely = db.scalars(
        select(Newcomer).where(
            Newcomer.created_at >= datetime(2026, 1, 1, tzinfo=UTC),
            Newcomer.created_at < datetime(2026, 2, 1, tzinfo=UTC),
            ~exists().where(Contract.newcomer_id == Newcomer.id),
        )
    ).first()
    assert lonely is not None
    make_active_contract(db, lonely, start=T - timedelta(days=3))


def _contract_removed(db: Session, made: dict[str, object]) -> None:
    db.delete(db.scalars(select(Contract).where(Contract.status == ContractStatus.pending)).first())


def _moved_house(db: Session, made: dict[str, object]) -> None:
    # A2's newcomer leaves Battel (their meetings' days); a January newcomer moves in (their
    # registration's day).
    a2 = made["A2"]
    assert isinstance(a2, Contract)
    leaving = db.get(Newcomer, a2.newcomer_id)
    assert leaving is not None
    assert leaving.neighbourhood == "battel"
    leaving.neighbourhood = "binnenstad"
    arriving = db.scalars(
        select(Newcomer).where(Newcomer.created_at == datetime(2026, 1, 10, 9, tzinfo=UTC))
    ).first()
    assert arriving is not None
    assert arriving.neighbourhood != "battel"
    arriving.neighbourhood = "battel"


def _reassigned(db: Session, made: dict[str, object]) -> None:
    # A statement gives A2 (Battel) to a newcomer elsewhere: its meetings change neighbourhood.
    a2 = made["A2"]
    assert isinstance(a2, Contract)
    live_contract = exists().where(
        Contract.newcomer_id == Newcomer.id,
        Contract.status.in_((ContractStatus.pending, ContractStatus.active)),
    )  # a newcomer holds one live contract at most (a unique index)
    other = db.scalars(
        select(Newcomer)
        .where(Newcomer.neighbourhood != "battel", ~live_contract)
        .order_by(Newcomer.id)
    ).first()
    assert other is not None
    db.execute(update(Contract).where(Contract.id == a2.id).values(newcomer_id=other.id))


@pytest.mark.parametrize(
    "change",
    [_new_checkin, _disputed, _moved, _deleted, _ended_early, _fortnightly, _bulk,
     _new_contract, _registered, _cohort_completed, _matched, _contract_removed, _moved_house,
     _reassigned],
)  # fmt: skip
def test_after_changes_between_ticks_the_numbers_stay_live(
    db: Session, settings: Settings, change: Callable[[Session, dict[str, object]], None]
) -> None:
    made = world(db)
    tick(db, settings)
    kept = summed_contracts(db)
    change(db, made)
    db.commit()
    assert summed_contracts(db) <= kept  # what changed lost its sum...
    between = everything(db, settings)  # ...and is counted live
    assert between == live(db, settings)
    assert tick(db, settings) != attendance.Refreshed(0, 0, 0)
    assert everything(db, settings) == between


def test_a_neighbourhood_reads_its_sums(db: Session, settings: Settings) -> None:
    """After a tick a neighbourhood's meetings and registrations come from its own sums:
    what is written there (here by hand, to see it) is what the dashboard shows."""
    world(db)
    tick(db, settings)
    city = settings.city
    chosen = filters.parse(city, T, None, None, "battel")
    before = service.programme_stats(db, city, chosen, NOW)
    meetings = db.scalars(
        select(MeetingDayArea).where(MeetingDayArea.neighbourhood == "battel")
    ).first()
    entries = db.scalars(
        select(EntryDayArea).where(EntryDayArea.neighbourhood == "battel")
    ).first()
    assert meetings is not None
    assert entries is not None
    meetings.meetings += 100
    entries.completed += 1
    db.flush()
    after = service.programme_stats(db, city, chosen, NOW)
    assert after.meetings == before.meetings + 100
    assert sum(c.entered for c in after.entry_cohorts) == (
        sum(c.entered for c in before.entry_cohorts) + 1
    )
    db.rollback()


def test_a_new_checkin_drops_its_contract_and_day(db: Session, settings: Settings) -> None:
    made = programme(db)
    tick(db, settings)
    a2 = made["A2"]
    assert isinstance(a2, Contract)
    day = T - timedelta(days=1)
    assert db.get(ContractAttendance, a2.id) is not None
    assert db.get(MeetingDay, day) is not None
    make_checkin(db, a2, day, minutes=60, status="confirmed")
    db.commit()
    db.expire_all()
    assert db.get(ContractAttendance, a2.id) is None
    assert db.get(MeetingDay, day) is None
    assert tick(db, settings) == attendance.Refreshed(1, 1, 0)
    row = db.get(MeetingDay, day)
    assert row is not None
    assert (row.meetings, row.confirmed_minutes) == (1, 60)


def test_the_tick_never_waits_for_writers(clean_db: Engine, settings: Settings) -> None:
    """On PostgreSQL the sums are computed under SHARE locks taken without waiting: while a
    writer is at work the refresh says Busy (the job tries again) instead of queueing behind
    it (and perhaps deadlocking with a writer that takes the tables in another order)."""
    if clean_db.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers itself")
    factory = make_sessionmaker(clean_db)
    with clean_db.connect() as writer:
        writer.begin()
        writer.execute(text("LOCK TABLE checkins IN ROW EXCLUSIVE MODE"))
        with factory() as session, pytest.raises(attendance.Busy):
            attendance.refresh(session, settings.city.timezone, T)
        writer.rollback()
    with factory() as session:
        assert attendance.refresh(session, settings.city.timezone, T) == attendance.Refreshed(
            0, 0, 0
        )
        session.rollback()
