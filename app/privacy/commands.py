"""``buddy tick``'s privacy step: the retention rules (app/privacy/retention.py)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Engine

from app.config import Settings
from app.db import make_sessionmaker, session_scope
from app.privacy.retention import run

unit_of_work = contextmanager(session_scope)


def retention_tick(engine: Engine, settings: Settings) -> list[str]:
    """Apply the retention rules in one unit of work; the lines to report."""
    with unit_of_work(make_sessionmaker(engine)) as session:
        report = run(session, settings)
    return [
        f"Retention: {report.login_attempts_deleted} login attempts and {report.tokens_deleted} "
        f"expired tokens deleted, {report.contracts_scrubbed} old contracts' notes emptied, "
        f"{report.warned} inactive people warned, {report.erased} erased"
    ]
