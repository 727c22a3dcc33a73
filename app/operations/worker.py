"""``buddy worker``: one long-running process that runs the background jobs on their schedule.

Safe on several machines at once. Two things decide who works:

* on PostgreSQL, a session-level advisory lock per job, held on its own connection while the
  job runs, so a slow job (a long mail queue) never runs twice at the same time;
* on every backend, an atomic *claim* of the job's row in ``job_runs`` (a conditional UPDATE
  that succeeds only when the job is due), so an hourly job runs once an hour across all
  machines, not once per machine.

SIGTERM (or Ctrl-C) stops the loop after the job in progress; nothing is cut off half-way, and
every job is a sequence of committed units of work anyway.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import FrameType

import structlog
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.config import Settings
from app.db import utcnow
from app.operations.jobs import JOBS, Job
from app.operations.models import JobRun

log = structlog.get_logger("buddy.worker")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key per job name (PostgreSQL's advisory-lock key space)."""
    digest = hashlib.sha256(b"buddy-job:" + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield whether this process may run the job now. On PostgreSQL the advisory lock lives on
    a connection of its own until the job ends (a crash closes the connection and frees it)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = advisory_key(name)
    with engine.connect() as conn:
        got = bool(conn.scalar(select(func.pg_try_advisory_lock(key))))
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()


def claim(engine: Engine, job: Job, now: datetime, holder: str) -> bool:
    """Atomically mark the job as started if it is due; ``False`` if another process did."""
    with engine.begin() as conn:
        claimed = conn.execute(
            update(JobRun)
            .where(JobRun.name == job.name, JobRun.started_at <= now - job.every)
            .values(started_at=now, holder=holder, runs=JobRun.runs + 1)
        ).rowcount
        if claimed:
            return True
        if conn.scalar(select(JobRun.name).where(JobRun.name == job.name)) is not None:
            return False
    try:  # the job's first run ever: whoever inserts the row has it
        with engine.begin() as conn:
            conn.execute(
                insert(JobRun).values(name=job.name, started_at=now, holder=holder, runs=1)
            )
    except IntegrityError:
        return False
    return True


def _finished(engine: Engine, job: Job) -> None:
    with engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.name == job.name).values(finished_at=utcnow()))


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        jobs: Sequence[Job] = JOBS,
        poll_seconds: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.jobs = jobs
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def run_job(self, job: Job) -> bool:
        """Run ``job`` if it is due and nobody else is running it; whether it ran."""
        with job_lock(self.engine, job.name) as got:
            if not got or not claim(self.engine, job, self.clock(), self.holder):
                return False
            started = utcnow()
            try:
                lines = job.run(self.engine, self.settings)
            except Exception:
                # One failing job must not stop the others; the next interval tries again.
                log.exception("job_failed", job=job.name)
                return True
            finally:
                _finished(self.engine, job)
            seconds = (utcnow() - started).total_seconds()
            log.info("job_done", job=job.name, seconds=round(seconds, 3), report=lines)
            return True

    def run_due(self) -> list[str]:
        """One pass over the jobs: the names of those that ran."""
        ran = []
        for job in self.jobs:
            if self.stopping.is_set():
                break
            if self.run_job(job):
                ran.append(job.name)
        return ran

    def run_forever(self) -> None:
        log.info("worker_started", holder=self.holder, jobs=[j.name for j in self.jobs])
        while not self.stopping.is_set():
            self.run_due()
            self.stopping.wait(self.poll_seconds)
        log.info("worker_stopped", holder=self.holder)


def install_signal_handlers(worker: Worker) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("worker_stopping", signal=signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
