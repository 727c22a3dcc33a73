"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

The databases are built by running the real Alembic migrations. PostgreSQL gets a throwaway
database per test run (created on the server named by ``TEST_DATABASE_URL``, dropped at the end).
Tests commit for real, like the application does; each test's rows are deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import migrate
from app.auth import passwords, totp
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.models import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = [b for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b]

# Argon2id at its production cost (64 MiB, 3 passes for passwords; 19 MiB, 2 passes for
# recovery codes) takes 0.1-0.3 s per hash and per login on a 2-core CI machine, and the suite
# registers, logs in and checks recovery codes thousands of times. In this process the tests
# use the same library and algorithm at its smallest cost, set here, before any module hashes
# (tests.factories hashes its password once at import, and a hash carries its own cost).
# Servers and commands the tests start as subprocesses keep the production cost;
# test_accounts_passwords checks the production parameters themselves.
PRODUCTION_HASHER = passwords._hasher
PRODUCTION_RECOVERY_HASHER = totp._recovery_hasher
_CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
passwords._hasher = lambda: _CHEAP_HASHER  # type: ignore[assignment]
totp._recovery_hasher = _CHEAP_HASHER


def _pg_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    return Settings(database_url=url).database_url  # normalises the driver name


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        yield f"sqlite:///{path}"
        return
    server = make_url(_pg_server_url())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"buddy_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL at {server.render_as_string(hide_password=True)} unreachable: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The audit log's append-only trigger refuses DELETE; the test superuser turns
            # user triggers off for this one transaction.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def clean_db(engine: Engine) -> Iterator[Engine]:
    """The migrated engine, emptied after the test."""
    try:
        yield engine
    finally:
        _wipe(engine)


@pytest.fixture
def db(clean_db: Engine) -> Iterator[Session]:
    """A session for arranging and checking data; tests commit explicitly when they need to."""
    with make_sessionmaker(clean_db)() as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        secret_file=tmp_path / "secret",
    )


@pytest.fixture
def app(settings: Settings, clean_db: Engine) -> Iterator[FastAPI]:
    from app.main import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # The city's default language is Dutch; tests read English unless they ask for another.
    with TestClient(app, headers={"Accept-Language": "en"}) as test_client:
        yield test_client
