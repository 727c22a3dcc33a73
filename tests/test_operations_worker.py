"""``buddy worker``: jobs run on their schedule, once across processes, and stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import CITIES_DIR, Settings
from app.db import make_engine
from app.operations.jobs import JOBS, Job
from app.operations.models import JobRun
from app.operations.worker import Worker, advisory_key, claim

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def recording_job(name: str, every: timedelta, calls: list[str], pause: float = 0.0) -> Job:
    def run(_engine: Engine, _settings: Settings) -> list[str]:
        calls.append(name)
        time.sleep(pause)
        return [f"{name} ran"]

    return Job(name, every, run)


def test_jobs_run_when_due_and_not_before(clean_db: Engine, settings: Settings) -> None:
    calls: list[str] = []
    clock = Clock()
    jobs = (
        recording_job("hourly", timedelta(hours=1), calls),
        recording_job("minutely", timedelta(minutes=1), calls),
    )
    worker = Worker(clean_db, settings, jobs=jobs, clock=clock)

    assert worker.run_due() == ["hourly", "minutely"]  # first run ever: everything is due
    assert worker.run_due() == []
    clock.now = T0 + timedelta(seconds=61)
    assert worker.run_due() == ["minutely"]
    clock.now = T0 + timedelta(minutes=59, seconds=59)
    assert worker.run_due() == ["minutely"]
    clock.now = T0 + timedelta(hours=1, minutes=1)
    assert worker.run_due() == ["hourly", "minutely"]
    assert calls == ["hourly", "minutely", "minutely", "minutely", "hourly", "minutely"]

    with Session(clean_db) as session:
        runs = {r.name: r for r in session.scalars(select(JobRun))}
    assert runs["hourly"].runs == 2
    assert runs["minutely"].runs == 4
    assert runs["hourly"].started_at == T0 + timedelta(hours=1, minutes=1)
    assert runs["hourly"].finished_at is not None


def test_a_due_job_runs_once_however_many_workers_race(
    clean_db: Engine, settings: Settings
) -> None:
    """Eight workers (as on eight machines) reach the same due job at the same moment."""
    calls: list[str] = []
    job = recording_job("hourly", timedelta(hours=1), calls, pause=0.2)
    workers = [Worker(clean_db, settings, jobs=(job,), clock=Clock()) for _ in range(8)]
    barrier = threading.Barrier(len(workers))
    results: list[bool] = []

    def race(worker: Worker) -> None:
        barrier.wait()
        results.append(worker.run_job(job))

    threads = [threading.Thread(target=race, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert calls == ["hourly"]
    assert sorted(results) == [False] * 7 + [True]


def test_a_failing_job_does_not_stop_the_others(clean_db: Engine, settings: Settings) -> None:
    calls: list[str] = []

    def broken(_engine: Engine, _settings: Settings) -> list[str]:
        raise RuntimeError("boom")

    jobs = (Job("broken", timedelta(minutes=1), broken),
            recording_job("fine", timedelta(minutes=1), calls))  # fmt: skip
    assert Worker(clean_db, settings, jobs=jobs, clock=Clock()).run_due() == ["broken", "fine"]
    assert calls == ["fine"]


def test_claim_refuses_a_job_that_is_not_due(clean_db: Engine) -> None:
    job = Job("x", timedelta(hours=1), lambda _e, _s: [])
    assert claim(clean_db, job, T0, "a:1")
    assert not claim(clean_db, job, T0 + timedelta(minutes=30), "b:2")
    assert claim(clean_db, job, T0 + timedelta(hours=1), "b:2")


def test_the_real_jobs_run_on_an_empty_programme(clean_db: Engine, settings: Settings) -> None:
    worker = Worker(clean_db, settings)
    assert worker.run_due() == [job.name for job in JOBS]


def test_advisory_keys_are_stable_and_distinct() -> None:
    keys = {advisory_key(job.name) for job in JOBS}
    assert len(keys) == len(JOBS)
    assert advisory_key("mail") == advisory_key("mail")
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_buddy_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    env = {
        **os.environ,
        "BUDDY_DATABASE_URL": url,
        "BUDDY_SECRET_FILE": str(tmp_path / "secret"),
        "BUDDY_CITY_FILE": str(CITIES_DIR / "mechelen.json"),
        "BUDDY_ENVIRONMENT": "production",
        "BUDDY_SECRET_KEY": "k" * 40,
        "BUDDY_MAIL_DIR": str(tmp_path / "mail"),
        "BUDDY_WORKER_POLL_SECONDS": "0.2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import cli; cli()", "worker"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(make_engine(url)) as session:
                if session.scalar(select(JobRun.finished_at).where(JobRun.name == "mail")):
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the worker never ran the mail job")
        proc.send_signal(signal.SIGTERM)
        _out, errors = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, errors
    # Production logs are JSON lines: the start, each job, the signal and the stop.
    assert '"event": "worker_started"' in errors
    assert '"event": "job_done"' in errors
    assert '"signal": "SIGTERM"' in errors
    assert '"event": "worker_stopped"' in errors
