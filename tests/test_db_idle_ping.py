"""Pooled PostgreSQL connections: one that sat idle is checked before use (app/db.py), so a
connection the server dropped meanwhile (a restart, an idle cut-off) is replaced, not handed
to a request that would then fail."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from app import db
from app.db import make_engine

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres(clean_db: Engine) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections (and no ping)")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_dropped_while_idle_is_replaced(
    clean_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(clean_db.url.render_as_string(hide_password=False), pool_size=1)
    try:
        first = _backend_pid(engine)
        with clean_db.connect() as admin:  # the server ends the pooled connection
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long"
        assert _backend_pid(engine) != first  # a new connection, and no error
    finally:
        engine.dispose()


def test_a_connection_just_handed_back_is_not_pinged(clean_db: Engine) -> None:
    engine = make_engine(clean_db.url.render_as_string(hide_password=False), pool_size=1)
    pings = 0
    real = engine.dialect.do_ping

    def counted(dbapi: object) -> bool:
        nonlocal pings
        pings += 1
        return real(dbapi)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        for _ in range(5):
            _backend_pid(engine)
        assert pings == 0
    finally:
        engine.dispose()
