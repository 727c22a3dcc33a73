"""``buddy match`` and ``buddy tick`` against the test databases (both backends)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.config import CITIES_DIR
from app.contracts.models import Contract, ContractStatus
from app.db import make_sessionmaker, utcnow
from app.matches import service
from app.matches.models import MatchingRound, Panel, PanelStatus
from app.people.vocabulary import Level
from tests.factories import make_contract, make_newcomer, make_volunteer

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {
        "BUDDY_DATABASE_URL": database_url,
        "BUDDY_SECRET_FILE": str(tmp_path / "secret"),
        "BUDDY_CITY_FILE": str(CITIES_DIR / "mechelen.json"),
    }


def invoke(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(cli, list(args), env=env, terminal_width=120)


def test_match_prints_progress_and_summary(env: dict[str, str], db: Session) -> None:
    make_newcomer(db)
    make_newcomer(db, languages={"ti": Level.native})
    for _ in range(5):
        make_volunteer(db)
    db.commit()
    result = invoke(env, "match")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Storing panels" in out
    assert "Matching round #" in out
    assert "Newcomers waiting" in out
    assert "Panels made" in out
    assert "Shortage" in out
    assert "language: ti" in out
    db.expire_all()
    record = db.scalar(select(MatchingRound))
    assert record is not None
    assert (record.newcomers_waiting, record.panels_made, record.empty_panels) == (2, 1, 1)


def test_match_refuses_while_a_round_runs(
    env: dict[str, str], db: Session, clean_db: Engine
) -> None:
    holder = make_sessionmaker(clean_db)()
    try:
        service.acquire_round_lock(holder)
        result = invoke(env, "match")
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert "already running" in result.output
    assert db.scalar(select(MatchingRound)) is None


def test_tick_completes_and_expires_and_is_idempotent(env: dict[str, str], db: Session) -> None:
    old = make_contract(db, signed=True, start=date.today() - timedelta(days=200))
    running = make_contract(db, signed=True)
    newcomer = make_newcomer(db)
    make_volunteer(db)
    db.commit()
    service.run_round(db, city=load_city(), started_by=None, now=utcnow() - timedelta(days=30))
    db.commit()
    first = invoke(env, "tick")
    assert first.exit_code == 0, first.output
    assert "Panels expired: 1" in first.output
    assert "Contracts completed: 1" in first.output
    assert "Summed up for the dashboard: 2 contracts" in first.output
    second = invoke(env, "tick")
    assert "Panels expired: 0" in second.output
    assert "Contracts completed: 0" in second.output
    assert "dashboard: 0 contracts, 0 days of meetings, 0 days of" in second.output
    db.expire_all()
    assert db.get(Contract, old.id).status is ContractStatus.completed  # type: ignore[union-attr]
    assert db.get(Contract, running.id).status is ContractStatus.active  # type: ignore[union-attr]
    panel = db.scalar(select(Panel).where(Panel.newcomer_id == newcomer.id))
    assert panel is not None
    assert panel.status is PanelStatus.expired


def load_city() -> Any:
    from app.config import load_city as load

    return load(CITIES_DIR / "mechelen.json")
