"""``buddy tick``'s privacy step: the retention rules (app/privacy/retention.py)."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console

from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.privacy.retention import RetentionReport, run

unit_of_work = contextmanager(session_scope)


def retention_tick(settings: Settings, console: Console) -> RetentionReport:
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            report = run(session, settings)
    finally:
        engine.dispose()
    console.print(
        f"Retention: {report.login_attempts_deleted} login attempts and {report.tokens_deleted} "
        f"expired tokens deleted, {report.contracts_scrubbed} old contracts' notes emptied, "
        f"{report.warned} inactive people warned, {report.erased} erased"
    )
    return report
