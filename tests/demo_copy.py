"""The demo city for tests that only need it as data: loaded once per process and database by the
real ``load_demo``, then copied row for row into each later test's (emptied) database.

``load_demo`` simulates months of programme history through the real services (6-8 s on the CI
machine); copying its rows back takes a fraction of a second. The tests of ``load_demo`` itself
(tests/test_demo.py: once, twice, another city; tests/test_cli.py: the commands) still call it.

The copy is exact (tests/snapshots.py): every column of every table, ids included. The first
load happens in a test's emptied database, so the snapshot holds the demo city and nothing
else; each xdist worker and each backend has its own database and so its own snapshot (the key
is the database URL). A copy made on another day would date the history a day late, so the day
is part of the key too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.config import CityProfile
from app.demo.service import load_demo
from tests import snapshots

_SNAPSHOTS: dict[tuple[str, str, str], snapshots.Snapshot] = {}


def load_demo_copy(session: Session, city: CityProfile) -> None:
    """What ``load_demo(session, city)`` does to an empty database, flushed, not committed."""
    bind = session.get_bind()
    key = (bind.url.render_as_string(hide_password=False), city.name,
           datetime.now(UTC).date().isoformat())  # fmt: skip
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        load_demo(session, city)
        _SNAPSHOTS[key] = snapshots.take(session)
    else:
        snapshots.restore(session, snapshot)
