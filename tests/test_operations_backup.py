"""docs/operations.md's backup and restore, done for real: ``pg_dump`` the database, restore
it into a fresh database with ``pg_restore``, and the application serves the restored data."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.main import create_app
from app.migrate import alembic_config
from tests.factories import bearer, make_active_contract, make_checkin

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def restored_url(engine: Engine, database_url: str) -> Iterator[str]:
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_dump/pg_restore are PostgreSQL's backup tools")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore come with PostgreSQL's client package")
    url = make_url(database_url)
    name = f"buddy_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _libpq(url: str) -> str:
    """pg_dump speaks libpq URLs, without SQLAlchemy's ``+psycopg`` driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_dump_and_restore_into_a_fresh_database(
    db: Session, database_url: str, restored_url: str, settings: Settings, tmp_path: Path
) -> None:
    contract = make_active_contract(db, start=utcnow().date() - timedelta(days=21))
    make_checkin(db, contract, utcnow().date() - timedelta(days=7), status="confirmed")
    email = contract.newcomer.user.email
    db.commit()

    dump = tmp_path / "buddy.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _libpq(database_url)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored_url)}",
         str(dump)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip

    restored = create_app(settings.model_copy(update={"database_url": restored_url}))
    try:
        with TestClient(restored, headers={"Accept-Language": "en"}) as client:
            headers = bearer(client, email)
            me = client.get("/api/v1/me", headers=headers)
            assert me.status_code == 200
            assert me.json()["user"]["email"] == email
            meetings = client.get(f"/api/v1/contracts/{contract.id}/checkins", headers=headers)
            assert meetings.status_code == 200
            assert len(meetings.json()) == 1
            assert client.get("/readyz").status_code == 200
        # The restored schema is at the newest migration: `buddy db upgrade` has nothing to do.
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with restored.state.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == (head,)
    finally:
        restored.state.engine.dispose()
