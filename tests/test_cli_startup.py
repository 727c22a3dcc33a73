"""`buddy --help` and `buddy tick` start quickly: they import only what the command needs.

Timed in bench/bench_cli.py (a ratio to a bare `python -c pass`); here the cause is checked,
machine-independently: the heavy modules (SciPy and the matching engine, the demo city, Alembic)
are not loaded by a command that does not use them.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import migrate
from app.cli.context import starting
from app.db import make_engine

# The web framework, password hashing and the iCalendar library are not needed by a background
# job either.
HEAVY = (
    "scipy", "matching", "app.demo.history", "alembic", "fpdf", "fastapi", "pwdlib", "icalendar",
    # Loaded when there is something to send:
    "httpx", "jinja2",
)  # fmt: skip

PROBE = f"""
import json, sys
from typer.testing import CliRunner
from app.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({{"exit": result.exit_code, "output": result.output,
                  "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


def run(tmp_path: Path, *args: str) -> dict[str, object]:
    env = {
        **os.environ,
        "BUDDY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "BUDDY_SECRET_FILE": str(tmp_path / "secret"),
        "BUDDY_MAIL_DIR": str(tmp_path / "mail"),
        "BUDDY_ENVIRONMENT": "development",
    }
    out = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_loads_nothing_heavy(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result["exit"] == 0
    assert "worker" in str(result["output"])
    assert result["loaded"] == []


def test_tick_loads_no_matching_engine_when_no_round_is_due(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    result = run(tmp_path, "tick")
    assert result["exit"] == 0, result["output"]
    assert "Mail sent: 0" in str(result["output"])
    assert result["loaded"] == []


def test_start_up_pauses_the_collector_and_hands_it_back() -> None:
    """`starting()` imports with the collector paused, freezes what start-up made (it lives as
    long as the process), and leaves the collector as it found it, even on an error."""
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with starting():
            assert not gc.isenabled()
            made = [[] for _ in range(100)]  # tracked objects created "at start-up"
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
        with pytest.raises(ImportError), starting():
            import app.no_such_module  # type: ignore[import-not-found]  # noqa: F401
        assert gc.isenabled()
        gc.disable()  # a caller that had paused it keeps it paused
        with starting():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # the test process's other objects go back under the collector
