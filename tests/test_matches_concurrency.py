"""Twenty newcomers pick the same one-place volunteer at the same instant: exactly one wins.

This needs real concurrency (separate connections, row locks), so it runs on PostgreSQL; the
losers must get a clear 409 and keep their panel.
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
