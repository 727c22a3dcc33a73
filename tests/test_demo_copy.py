"""The demo city copied by tests.demo_copy is the one ``load_demo`` made: every row of every
table, on both backends."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import CITIES_DIR, load_city
from tests.conftest import _wipe
from tests.demo_copy import load_demo_copy
from tests.snapshots import tables

MECHELEN = load_city(CITIES_DIR / "mechelen.json")


def _rows(db: Session) -> dict[str, list[dict[str, object]]]:
    return {
        table.name: sorted(
            (dict(row) for row in db.execute(table.select()).mappings()), key=repr
        )
        for table in tables()
    }


def test_the_copy_equals_the_loaded_city(clean_db: Engine, db: Session) -> None:
    # The real load_demo (and the snapshot of what it made), unless an earlier test of this
    # worker made the snapshot: the snapshot is what it read back from the database, so either
    # way ``first`` is what load_demo made.
    load_demo_copy(db, MECHELEN)
    db.commit()
    first = _rows(db)
    assert len(first["users"]) == 101
    for table in ("contracts", "checkins", "audit_entries", "outbox_emails"):
        assert first[table], table
    _wipe(clean_db)
    db.expire_all()
    load_demo_copy(db, MECHELEN)  # a copy now
    db.commit()
    assert _rows(db) == first
