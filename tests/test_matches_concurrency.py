"""Twenty newcomers pick the same one-place volunteer at the same instant: exactly one wins.

The real race needs concurrency (separate connections, row locks), so it runs on PostgreSQL;
the losers must get a clear 409 and keep their panel. On SQLite (writers serialised) two picks
are interleaved by hand: the conditional update must refuse the second all the same.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.models import Contract
from app.db import make_engine, make_sessionmaker, utcnow
from app.errors import Conflict
from app.matches import panels
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.people.models import Newcomer, Volunteer
from tests.factories import make_newcomer, make_volunteer

PICKERS = 20


@pytest.mark.postgres_only
def test_twenty_simultaneous_picks_make_one_contract(
    db: Session, clean_db: Engine, database_url: str, settings: Settings
) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("true concurrency (row locks between connections) is tested on PostgreSQL")
    volunteer = make_volunteer(db, max_buddies=1)
    round_ = MatchingRound()
    db.add(round_)
    newcomer_ids = []
    for _ in range(PICKERS):
        newcomer = make_newcomer(db)
        panel = Panel(round=round_, newcomer_id=newcomer.id, status=PanelStatus.open,
                      expires_at=utcnow() + timedelta(days=14), decline_reason="")
        panel.candidates = [PanelCandidate(volunteer_id=volunteer.id, rank=1, score=0.8,
                                           reasons={}, distance_km=1.0)]
        db.add(panel)
        newcomer_ids.append(newcomer.id)
    db.commit()

    engine = make_engine(database_url, pool_size=PICKERS + 2)
    factory = make_sessionmaker(engine)
    start = threading.Barrier(PICKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pick(newcomer_id: int) -> None:
        with factory() as session:
            newcomer = session.get(Newcomer, newcomer_id)
            assert newcomer is not None
            start.wait()
            try:
                panels.choose(session, newcomer, volunteer.id, city=settings.city)
                session.commit()
                outcome = "won"
            except Conflict as exc:
                session.rollback()
                outcome = "lost: " + exc.message
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=pick, args=(nid,)) for nid in newcomer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.dispose()

    assert len(outcomes) == PICKERS
    assert outcomes.count("won") == 1
    losses = [o for o in outcomes if o != "won"]
    assert all("chosen by someone else" in o for o in losses), losses
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Contract)) == 1
    assert db.get(Volunteer, volunteer.id).committed_buddies == 1  # type: ignore[union-attr]
    statuses = list(db.scalars(select(Panel.status)))
    assert statuses.count(PanelStatus.chosen) == 1
    assert statuses.count(PanelStatus.open) == PICKERS - 1  # the losers keep their panel


def test_two_interleaved_picks_on_sqlite_make_one_contract(
    db: Session, clean_db: Engine, settings: Settings
) -> None:
    """SQLite serialises writers, so the race is staged: both pickers have read the volunteer
    with a free place before either writes. The second pick must still be refused by the
    conditional update of the volunteer's capacity (not by a check of a stale read), and
    leave the loser's panel open."""
    if clean_db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs the truly concurrent version above")
    volunteer = make_volunteer(db, max_buddies=1)
    round_ = MatchingRound()
    db.add(round_)
    ids = []
    for _ in range(2):
        newcomer = make_newcomer(db)
        panel = Panel(round=round_, newcomer_id=newcomer.id, status=PanelStatus.open,
                      expires_at=utcnow() + timedelta(days=14), decline_reason="")
        panel.candidates = [PanelCandidate(volunteer_id=volunteer.id, rank=1, score=0.8,
                                           reasons={}, distance_km=1.0)]
        db.add(panel)
        ids.append(newcomer.id)
    db.commit()

    factory = make_sessionmaker(clean_db)
    with factory() as first, factory() as second:
        pickers = [first.get(Newcomer, ids[0]), second.get(Newcomer, ids[1])]
        for session in (first, second):  # both see a free place before anyone picks
            seen = session.get(Volunteer, volunteer.id)
            assert seen is not None
            assert seen.committed_buddies < seen.max_buddies
        assert pickers[0] is not None
        assert pickers[1] is not None
        panels.choose(first, pickers[0], volunteer.id, city=settings.city)
        first.commit()
        with pytest.raises(Conflict) as refused:
            panels.choose(second, pickers[1], volunteer.id, city=settings.city)
        second.rollback()
    assert "chosen by someone else" in refused.value.message

    db.expire_all()
    assert list(db.scalars(select(Contract.newcomer_id))) == [ids[0]]
    assert db.get(Volunteer, volunteer.id).committed_buddies == 1  # type: ignore[union-attr]
    status = {p.newcomer_id: p.status for p in db.scalars(select(Panel))}
    assert status == {ids[0]: PanelStatus.chosen, ids[1]: PanelStatus.open}
