"""Benchmark of a whole matching round through the database, on SQLite and PostgreSQL (issue #13).

Usage::

    .venv/bin/python bench/bench_round.py                         # 500 x 800, both backends
    .venv/bin/python bench/bench_round.py --size 200x300 --runs 5 --backends sqlite
    .venv/bin/python bench/bench_round.py --dump /tmp/round.json  # the round's rows, to compare

The city is ``bench/cities.py``'s Mechelen (people, languages, slots, interests; no excluded
pairs), written into a fresh SQLite file and a throwaway PostgreSQL database on the server of
``BENCH_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), built
with the real Alembic migrations and dropped at the end. Recipients: 12 locales, one in ten
without an email address (inbox only), one in five with SMS alerts (a gateway is configured, so
their alerts are queued). ``max_open_panels`` is 4 so that every newcomer can get five
candidates (~2,500 stored).

Each run is what the staff's "Run a round" does: ``run_round`` by a staff user, the audit entry,
the commit (one transaction). Between runs the round's panels are closed as expired (one UPDATE,
committed, not timed), so the next round sees the same waiting newcomers and free volunteers;
the outbox, inbox and audit log keep the earlier rounds' rows, as in real life.

Printed per backend, median of ``--runs`` runs after one warm-up: total; its parts — collect
(lock, expiry, the three queries, building the engine's input), engine (``propose_panels``
alone), store (``_store_panels``), queue (``queue_round_panels``: emails, inbox, SMS), rest
(round record, audit entry, commit) — with the SQL statements each sent (an executemany counts
once) — and the CPU time the round took: this process's (on SQLite all of the work) plus, on
PostgreSQL, its backend process's (read from /proc when the server runs on this machine). On a
shared machine the wall-clock times grow with the load; the CPU times much less.
Target (issue #13): total under 1 s on both backends.

The code measured is the one next to this file: to measure another version, copy this file into
its tree (``git archive <commit> | tar -x -C /tmp/old; cp bench/bench_round.py /tmp/old/bench/``)
and run it there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matching
from app import migrate
from app.audit.service import record
from app.auth.models import Role, User
from app.config import Settings
from app.db import make_engine, make_sessionmaker, utcnow
from app.inbox.models import InboxMessage, SmsAlert
from app.matches import service
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.notifications import service as notifications
from app.notifications.models import OutboxEmail
from app.people.models import IntakeStatus, Newcomer, PersonLanguage, VettingStatus, Volunteer
from app.people.vocabulary import Goal
from bench.cities import synthetic_city

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PHASES = ("collect", "engine", "store", "queue", "rest")
TARGET_S = 1.0


# --- the city -------------------------------------------------------------------------------


def _split_interests(keys: set[str]) -> tuple[list[str], list[str]]:
    goals = sorted(k.removeprefix("goal:") for k in keys if k.startswith("goal:"))
    assert set(goals) <= {g.value for g in Goal}
    return sorted(k for k in keys if not k.startswith("goal:")), goals


def build_city(factory: sessionmaker[Session], settings: Settings, n: int, m: int) -> int:
    """Write the synthetic city; returns the staff user's id."""
    city = settings.city
    hoods = [h.id for h in city.neighbourhoods]
    newcomers, volunteers, _ = synthetic_city(n, m, seed=0, kind="mechelen")
    now = utcnow()
    with factory() as session:
        staff = User(email="staff@bench.example", password_hash="x", role=Role.staff, locale="en")
        session.add(staff)
        session.flush()
        people = [*newcomers, *volunteers]
        users = [
            {"email": None if i % 10 == 9 else f"p{i}@bench.example",
             "phone": f"+3247{i:07d}" if i % 5 == 0 or i % 10 == 9 else None,
             "sms_alerts": i % 5 == 0, "password_hash": "x",
             "role": Role.newcomer if i < n else Role.volunteer,
             "locale": city.locales[i % len(city.locales)], "is_active": True,
             "created_at": now, "updated_at": now}
            for i in range(len(people))
        ]  # fmt: skip
        user_ids = list(session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), users))  # fmt: skip
        rows: list[dict[str, Any]] = []
        for i, (p, uid) in enumerate(zip(people, user_ids, strict=True)):
            interests, goals = _split_interests(p.interests)
            rows.append({
                "user_id": uid, "first_name": f"Name{i}", "last_name": f"Family{i}",
                "year_of_birth": 1960 + i % 45, "gender": "female" if p.gender == "f" else "male",
                "buddy_gender": p.buddy_gender, "neighbourhood": hoods[int(p.area[-2:]) % 13]
                if isinstance(p, matching.Newcomer) else None, "lat": p.lat, "lon": p.lon,
                "availability": sorted(p.availability), "interests": interests, "goals": goals,
                "note": "", "consent_at": now, "created_at": now, "updated_at": now,
            })  # fmt: skip
        for row, p in zip(rows[:n], newcomers, strict=True):
            row.update(civic_integration=p.priority, intake_status=IntakeStatus.approved,
                       waiting_since=now - timedelta(days=p.waiting_days))
        for row, v in zip(rows[n:], volunteers, strict=True):
            row.update(bio="", max_buddies=max(1, v.free_capacity),
                       committed_buddies=0 if v.free_capacity else 1,
                       vetting_status=VettingStatus.approved, vetting_note="")
        ids = [*session.scalars(insert(Newcomer).returning(Newcomer.id,
                                                           sort_by_parameter_order=True),
                                rows[:n]),
               *session.scalars(insert(Volunteer).returning(Volunteer.id,
                                                            sort_by_parameter_order=True),
                                rows[n:])]  # fmt: skip
        session.execute(insert(PersonLanguage), [
            {"person_id": pid, "code": code, "level": level}
            for pid, p in zip(ids, people, strict=True) for code, level in p.languages.items()
        ])  # fmt: skip
        session.commit()
        return staff.id


# --- timing ---------------------------------------------------------------------------------


class Meter:
    """Which phase the round is in, the time spent and the SQL statements sent in each."""

    def __init__(self) -> None:
        self.phase = "collect"
        self.seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.queries: dict[str, int] = dict.fromkeys(PHASES, 0)
        self.cpu = 0.0  # this process's CPU time for the whole round
        self.server_cpu: float | None = None  # the PostgreSQL backend's, if on this machine
        self.cpu_of: dict[str, float] = dict.fromkeys(PHASES, 0.0)  # this process's CPU
        self._since, self._cpu_since = time.perf_counter(), time.process_time()

    def enter(self, phase: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.seconds[self.phase] += now - self._since
        self.cpu_of[self.phase] += cpu - self._cpu_since
        self.phase, self._since, self._cpu_since = phase, now, cpu

    def count(self, *_: Any) -> None:
        self.queries[self.phase] += 1


@contextmanager
def phases(engine: Engine, meter: Meter) -> Iterator[None]:
    """Wrap the engine call, the storing and the queueing to know where the time goes."""
    def timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            meter.enter(phase)
            try:
                return fn(*args, **kwargs)
            finally:
                meter.enter("rest")  # the round record, the audit entry, the commit

        return wrapper

    saved = (matching.propose_panels, service._store_panels, notifications.queue_round_panels)
    matching.propose_panels = timed("engine", saved[0])  # type: ignore[assignment]
    service._store_panels = timed("store", saved[1])  # type: ignore[assignment]
    notifications.queue_round_panels = timed("queue", saved[2])  # type: ignore[assignment]
    event.listen(engine, "before_cursor_execute", meter.count)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", meter.count)
        matching.propose_panels, service._store_panels, notifications.queue_round_panels = saved


def one_round(engine: Engine, factory: sessionmaker[Session], settings: Settings,
              staff_id: int) -> tuple[Meter, float, int]:
    meter = Meter()
    with factory() as session:
        staff = session.get(User, staff_id)  # in the transaction, as the request's login
        server = _server_pid(session)
        with phases(engine, meter):
            began, cpu, server_cpu = time.perf_counter(), time.process_time(), _cpu(server)
            meter.enter("collect")
            done = service.run_round(session, city=settings.city, started_by=staff)
            meter.enter("rest")
            record(session, actor_id=staff_id, action="matching.round",
                   subject_type="matching_round", subject_id=done.id, panels=done.panels_made,
                   waiting=done.newcomers_waiting)  # fmt: skip
            session.commit()
            total = time.perf_counter() - began
            meter.cpu = time.process_time() - cpu
            meter.server_cpu = _cpu(server) - server_cpu if server else None
            meter.enter("rest")
            round_id = done.id
    return meter, total, round_id


def _server_pid(session: Session) -> int | None:
    """The PostgreSQL backend serving this session, when it runs on this machine."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = int(session.scalar(text("SELECT pg_backend_pid()")) or 0)
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _cpu(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 10 ms steps)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset(factory: sessionmaker[Session]) -> None:
    """Close the round's panels so that the same newcomers wait again (not timed)."""
    with factory() as session:
        session.execute(update(Panel).where(Panel.status == PanelStatus.open)
                        .values(status=PanelStatus.expired, closed_at=utcnow()))
        session.commit()


def dump(factory: sessionmaker[Session], round_id: int) -> dict[str, Any]:
    """What one round wrote, without ids and clocks: compare two versions of the code."""
    with factory() as session:
        panels = session.execute(
            select(Panel.newcomer_id, Panel.status, PanelCandidate.volunteer_id,
                   PanelCandidate.rank, PanelCandidate.score, PanelCandidate.reasons,
                   PanelCandidate.distance_km)
            .join(PanelCandidate).where(Panel.round_id == round_id)
            .order_by(Panel.newcomer_id, PanelCandidate.rank)).all()  # fmt: skip
        keys = select(Panel.id).where(Panel.round_id == round_id)
        about = [f"panel_ready:{i}" for i in session.scalars(keys)]
        mails = session.execute(
            select(OutboxEmail.to_email, OutboxEmail.locale, OutboxEmail.kind,
                   OutboxEmail.subject, OutboxEmail.body_text, OutboxEmail.body_html,
                   OutboxEmail.attachments, OutboxEmail.about, OutboxEmail.status,
                   OutboxEmail.attempts, OutboxEmail.dedupe_key)
            .where(OutboxEmail.dedupe_key.in_(about)).order_by(OutboxEmail.id)).all()
        inbox = session.execute(
            select(InboxMessage.user_id, InboxMessage.kind, InboxMessage.locale,
                   InboxMessage.subject, InboxMessage.body_text, InboxMessage.body_html,
                   InboxMessage.about, InboxMessage.dedupe_key, InboxMessage.read_at)
            .where(InboxMessage.dedupe_key.in_(about)).order_by(InboxMessage.id)).all()
        sms = session.execute(
            select(InboxMessage.dedupe_key, SmsAlert.to_phone, SmsAlert.body_text,
                   SmsAlert.status, SmsAlert.attempts)
            .join(InboxMessage).where(InboxMessage.dedupe_key.in_(about))
            .order_by(SmsAlert.id)).all()  # fmt: skip
    plain = [[list(r) for r in rows] for rows in (panels, mails, inbox, sms)]
    return {"panels": plain[0], "emails": plain[1], "inbox": plain[2], "sms": plain[3]}


# --- one backend ----------------------------------------------------------------------------


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/round.db"
        return
    server = make_url(Settings(database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
                      .database_url)  # fmt: skip
    name = f"buddy_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_backend(backend: str, n: int, m: int, runs: int, dump_to: Path | None
                  ) -> dict[str, Any]:
    with database(backend) as url:
        settings = Settings(database_url=url, sms_url="http://127.0.0.1:9/sms")
        settings.city.max_open_panels = 4
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_sessionmaker(engine)
            notifications.bind_settings(factory, settings)
            began = time.perf_counter()
            staff_id = build_city(factory, settings, n, m)
            if backend == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("VACUUM ANALYZE"))
            print(f"{backend}: city written in {time.perf_counter() - began:.1f} s")
            measured: list[tuple[Meter, float]] = []
            for i in range(runs + 1):  # the first is a warm-up
                meter, total, round_id = one_round(engine, factory, settings, staff_id)
                if i == 0 and dump_to is not None:
                    dump_to.with_suffix(f".{backend}.json").write_text(
                        json.dumps(dump(factory, round_id), default=str, indent=0))
                if i == 0:
                    with factory() as s:
                        made = s.scalar(text("SELECT count(*) FROM panel_candidates"))
                        mails = s.scalar(text("SELECT count(*) FROM outbox_emails"))
                        inbox = s.scalar(text("SELECT count(*) FROM inbox_messages"))
                        sms = s.scalar(text("SELECT count(*) FROM sms_alerts"))
                    print(f"  one round: {made} candidates, {mails} emails, {inbox} inbox "
                          f"messages, {sms} SMS alerts")
                else:
                    measured.append((meter, total))
                    print(f"  run {i}: {total:.3f} s (cpu {meter.cpu:.3f} + {meter.server_cpu}) "
                          + " ".join(f"{p} {meter.seconds[p]:.3f}" for p in PHASES))
                reset(factory)
        finally:
            engine.dispose()
    return {
        "total": statistics.median(t for _, t in measured),
        "cpu": statistics.median(mt.cpu for mt, _ in measured),
        "server_cpu": statistics.median(mt.server_cpu for mt, _ in measured)
        if all(mt.server_cpu is not None for mt, _ in measured) else None,
        **{p: statistics.median(mt.seconds[p] for mt, _ in measured) for p in PHASES},
        "cpu_of": {p: statistics.median(mt.cpu_of[p] for mt, _ in measured) for p in PHASES},
        "queries": {p: measured[-1][0].queries[p] for p in PHASES},
    }


def report(results: dict[str, dict[str, Any]], size: str, runs: int,
           load_at_start: tuple[float, float, float]) -> str:
    load = os.getloadavg()
    lines = [
        f"Round of {size} (newcomers x volunteers), median of {runs} runs after one warm-up; "
        f"load average (1 min) {load_at_start[0]:.1f} at the start, {load[0]:.1f} at the end, "
        f"on {os.cpu_count()} CPUs shared with other work.",
        "",
        "| backend | total s | collect s | engine s | store s | queue s | rest s | "
        "outside the engine | CPU s: client + server | client CPU s by phase | statements "
        "by phase | under 1 s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for backend, r in results.items():
        q = "/".join(str(r["queries"][p]) for p in PHASES)
        c = "/".join(f"{r['cpu_of'][p]:.2f}" for p in PHASES)
        lines.append(
            f"| {backend} | {r['total']:.3f} | {r['collect']:.3f} | {r['engine']:.3f} | "
            f"{r['store']:.3f} | {r['queue']:.3f} | {r['rest']:.3f} | "
            f"{1 - r['engine'] / r['total']:.0%} | {r['cpu']:.2f} + "
            f"{'—' if r['server_cpu'] is None else format(r['server_cpu'], '.2f')} | {c} | {q} | "
            f"{'yes' if r['total'] < TARGET_S else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="500x800")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--dump", type=Path, help="write the first round's rows here (JSON)")
    args = parser.parse_args()
    n, m = (int(x) for x in args.size.split("x"))
    load_at_start = os.getloadavg()
    results = {b: bench_backend(b, n, m, args.runs, args.dump) for b in args.backends}
    print()
    print(report(results, args.size, args.runs, load_at_start))


if __name__ == "__main__":
    main()
