"""The Alembic migrations build the schema the models describe, and can be undone, on both backends.

Each test gets a database of its own (a fresh SQLite file, or a fresh database on the test
PostgreSQL server), because it takes the schema down and up again: the shared test database
must not be touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import migrate
from app.db import make_engine
from app.models import Base
from tests.conftest import BACKENDS, IN_CI, _pg_server_url


@pytest.fixture(params=BACKENDS)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    server = make_url(_pg_server_url())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"buddy_migr_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _differences(engine: Engine) -> list[Any]:
    """What autogenerate would put in a new migration: must be nothing."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _current(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1, "migrations have branched: merge them"


def test_empty_to_head_matches_the_models(fresh_engine: Engine) -> None:
    assert _tables(fresh_engine) == set()
    migrate.upgrade(fresh_engine)
    assert _tables(fresh_engine) == set(Base.metadata.tables)
    assert _differences(fresh_engine) == []


def test_downgrade_to_base_and_up_again(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    migrate.downgrade(fresh_engine, "base")
    assert _tables(fresh_engine) == set()
    assert _current(fresh_engine) == set()
    migrate.upgrade(fresh_engine)
    assert _differences(fresh_engine) == []


def test_every_step_can_be_undone(fresh_engine: Engine) -> None:
    """Up one revision, down one, up again: each migration's downgrade really reverses it."""
    previous = "base"
    for revision in _revisions():
        migrate.upgrade(fresh_engine, revision)
        after_upgrade = _tables(fresh_engine)
        migrate.downgrade(fresh_engine, previous)
        assert _current(fresh_engine) == (set() if previous == "base" else {previous})
        migrate.upgrade(fresh_engine, revision)
        assert _tables(fresh_engine) == after_upgrade
        assert _current(fresh_engine) == {revision}
        previous = revision
