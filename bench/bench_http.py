"""HTTP throughput of the real application against a bare FastAPI endpoint, on PostgreSQL.

Usage::

    .venv/bin/python bench/bench_http.py                    # 3 runs of 10 s per row, c=32
    .venv/bin/python bench/bench_http.py --runs 5 --seconds 15 --write bench/RESULTS-http.md

Needs ``wrk`` (Debian package ``wrk``). It creates a throwaway database on the server of
``BENCH_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), runs the
real migrations, loads the demo city, adds 120 active pairs for the check-in POSTs, and then,
for one and for two uvicorn workers, serves (one at a time, same options) the bare app
(``bench/bare_app.py``) and the real one, and loads each endpoint with ``wrk -t1 -c32``:

* ``GET /bare`` — the reference (a sync endpoint returning a small dict);
* ``GET /api/v1/me`` with a bearer token (the demo newcomer);
* ``POST /api/v1/contracts/{id}/checkins`` — every request logs a new meeting (a different
  pair or day each time; all must answer 201); the check-ins are deleted before each run;
* ``GET /me`` — the HTML page with a session cookie (the demo volunteer, with buddies);
* ``GET /floor`` (``bench/floor_app.py``, not the application) — an async endpoint that checks
  the same bearer token with one raw query: what reading the database costs by itself here.

Each row is the median of ``--runs`` runs (req/s, p50 and p99 from wrk's latency
distribution); the share is req/s over the bare endpoint's req/s in the same worker setting.
The machine is shared: compare ratios, not absolute numbers. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_sessionmaker, utcnow  # noqa: E402
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD  # noqa: E402
from app.demo.service import load_demo  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PAIRS = 120
TARGETS = {"GET /api/v1/me": 0.4, "POST check-in": 0.3, "GET /me (HTML)": 0.25}
FLOOR = "floor: async, token checked by one raw query (bench/floor_app.py)"
LOADS: list[float] = []


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> Sample:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    p50 = re.match(r"([\d.]+)(\w+)", lat["50"])
    p99 = re.match(r"([\d.]+)(\w+)", lat["99"])
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return Sample(
        rps=rps,
        p50_ms=_ms(*p50.groups()),  # type: ignore[union-attr]
        p99_ms=_ms(*p99.groups()),  # type: ignore[union-attr]
        errors=(int(errors.group(1)) if errors else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(app: str, workers: int, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:  # the server's warnings, errors
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    httpx.get(url + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"{app} did not start") from None
                    time.sleep(0.3)
            time.sleep(1.0 * workers)  # every worker process up
            yield url
        finally:
            proc.terminate()
            proc.wait(30)
            log.seek(0)
            errors = [line for line in log if "ERROR" in line or "Error" in line]
            if errors:
                print(f"{app}: {len(errors)} error lines in its log", *errors[:10], sep="\n  ")


def wrk(url: str, seconds: int, connections: int, *, header: str = "",
        script: Path | None = None) -> Sample:  # fmt: skip
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if header:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    LOADS.append(os.getloadavg()[0])  # the shared machine's load, at the end of each load test
    sample = parse_wrk(out)
    if sample.errors:  # say which: non-2xx answers or socket errors (timeouts)
        print(url, *re.findall(r"^.*(?:Non-2xx|Socket errors).*$", out, re.M), flush=True)
    return sample


# --- data -----------------------------------------------------------------------------------


def prepare(database_url: str) -> tuple[list[tuple[int, str]], Settings]:
    settings = Settings(database_url=database_url, environment="test",
                        secret_key="bench-secret-key-0123456789")  # fmt: skip
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        load_demo(session, settings.city)
        session.commit()
    # Active pairs that started long ago: every POST logs a meeting on a new (pair, day).
    from tests.factories import make_active_contract

    pairs = []
    with factory() as session:
        for _ in range(PAIRS):
            contract = make_active_contract(session, start=utcnow().date() - timedelta(days=170))
            pairs.append((contract.id, contract.volunteer.user.email))
        session.commit()
    engine.dispose()
    return pairs, settings


def checkin_script(pairs: list[tuple[int, str]], tokens: dict[str, str], path: Path) -> Path:
    today = utcnow().date()
    rows = [
        f'{{"/api/v1/contracts/{cid}/checkins","Bearer {tokens[email]}",'
        f'"{today - timedelta(days=day)}"}}'
        for day in range(1, 160)
        for cid, email in pairs
    ]
    path.write_text(
        "local rows = {" + ",\n".join(rows) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #rows + 1\n"
        "  local r = rows[i]\n"
        '  local body = \'{"met_on":"\' .. r[3] .. \'","minutes":60,"activities":["dutch"]}\'\n'
        '  return wrk.format("POST", r[1], {["Authorization"]=r[2],'
        ' ["Content-Type"]="application/json"}, body)\n'
        "end\n"
        # Every answer that is not a 201 is written down, so that a failure says what it was.
        f'local log = io.open("{path.with_suffix(".errors")}", "a")\n'
        "response = function(status, headers, body)\n"
        "  if status ~= 201 then\n"
        '    log:write(status, " ", string.sub(body, 1, 300), "\\n")\n'
        "    log:flush()\n"
        "  end\n"
        "end\n",
        encoding="utf-8",
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--write", type=Path, help="also write the table (Markdown) here")
    args = parser.parse_args()

    server = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    name = f"buddy_bench_http_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        print(f"preparing {name} (demo city + {PAIRS} pairs)…", flush=True)
        pairs, _settings = prepare(url)
        env = {**os.environ, "BUDDY_DATABASE_URL": url, "BUDDY_ENVIRONMENT": "test",
               "BUDDY_SECRET_KEY": "bench-secret-key-0123456789",
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        floor_env = {**env, "FLOOR_DSN": dsn}
        results: dict[tuple[int, str], list[Sample]] = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            for _ in range(args.runs):
                with served("bench.bare_app:app", workers, env) as bare:
                    s = wrk(bare + "/bare", args.seconds, args.connections)
                    results.setdefault((workers, "bare FastAPI endpoint"), []).append(s)
                with served("app.main:app", workers, env) as real:
                    token = results_for_app(real, pairs, args, workers, results, url)
                with served("bench.floor_app:app", workers, floor_env) as floor:
                    s = wrk(floor + "/floor", args.seconds, args.connections,
                            header=f"Authorization: Bearer {token}")  # fmt: skip
                    results.setdefault((workers, FLOOR), []).append(s)
                print(f"workers={workers}: run done", flush=True)
        table = report(results, args)
        print(table)
        if args.write:
            args.write.write_text(table + "\n", encoding="utf-8")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def results_for_app(base: str, pairs: list[tuple[int, str]], args: argparse.Namespace,
                    workers: int, results: dict[tuple[int, str], list[Sample]],
                    database_url: str) -> str:  # fmt: skip
    """Load the real application's endpoints; return the newcomer's bearer token."""
    from tests.factories import PASSWORD

    def token(email: str, password: str = DEMO_PASSWORD) -> str:
        r = httpx.post(base + "/api/v1/auth/token",
                       data={"username": email, "password": password}, timeout=30)  # fmt: skip
        r.raise_for_status()
        return str(r.json()["access_token"])

    newcomer = token(DEMO_LOGINS["newcomer"])
    s = wrk(base + "/api/v1/me", args.seconds, args.connections,
            header=f"Authorization: Bearer {newcomer}")  # fmt: skip
    results.setdefault((workers, "GET /api/v1/me"), []).append(s)

    with httpx.Client(base_url=base, timeout=30) as browser:
        browser.get("/login")
        browser.post("/login", data={"email": DEMO_LOGINS["volunteer"], "password": DEMO_PASSWORD,
                                     "csrftoken": browser.cookies["csrftoken"]})  # fmt: skip
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    s = wrk(base + "/me", args.seconds, args.connections, header=f"Cookie: {cookie}")
    results.setdefault((workers, "GET /me (HTML)"), []).append(s)

    # Start from no meetings, so that every POST logs a new (pair, day). This must happen here,
    # not after the load test: when wrk stops, up to one request per connection is still being
    # served and commits later, and an earlier run's server has stopped only now.
    engine = create_engine(database_url)
    with engine.begin() as conn:
        ids = [cid for cid, _ in pairs]
        conn.execute(text("DELETE FROM checkins WHERE contract_id = ANY(:ids)"), {"ids": ids})
    engine.dispose()
    tokens = {email: token(email, PASSWORD) for _, email in pairs}
    with tempfile.TemporaryDirectory() as tmp:
        script = checkin_script(pairs, tokens, Path(tmp) / "checkins.lua")
        s = wrk(base, args.seconds, args.connections, script=script)
        failures = script.with_suffix(".errors")
        if failures.exists() and (lines := failures.read_text(encoding="utf-8").splitlines()):
            print(f"check-in answers other than 201: {len(lines)}", *lines[:5], sep="\n  ")
    results.setdefault((workers, "POST check-in"), []).append(s)
    return newcomer


def report(results: dict[tuple[int, str], list[Sample]], args: argparse.Namespace) -> str:
    lines = [
        f"`wrk -t1 -c{args.connections} -d{args.seconds}s`, median of {args.runs} runs, "
        "PostgreSQL, demo city.",
        "",
        f"1-minute load average after each load test: min {min(LOADS, default=0):.1f}, "
        f"median {statistics.median(LOADS or [0]):.1f}, max {max(LOADS, default=0):.1f} "
        f"({os.cpu_count()} CPUs; wrk, PostgreSQL and the server share them).",
        "",
        "| workers | endpoint | req/s | p50 ms | p99 ms | errors | share of bare | target |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    med: dict[tuple[int, str], float] = {}
    for (workers, name), samples in sorted(results.items()):
        rps = statistics.median(s.rps for s in samples)
        med[(workers, name)] = rps
        bare = statistics.median(s.rps for s in results[(workers, "bare FastAPI endpoint")])
        share = rps / bare
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"≥ {target}: " + ("met" if share >= target
                                                               else "NOT met"))  # fmt: skip
        lines.append(
            f"| {workers} | {name} | {rps:,.0f} | "
            f"{statistics.median(s.p50_ms for s in samples):,.0f} | "
            f"{statistics.median(s.p99_ms for s in samples):,.0f} | "
            f"{sum(s.errors for s in samples)} | {share:.2f} | {verdict} |"
        )
    if (2, "GET /api/v1/me") in med and (1, "GET /api/v1/me") in med:
        lines += ["", "Two workers over one, same endpoint (target ≥ 1.7×):", ""]
        for name in ("bare FastAPI endpoint", FLOOR, *TARGETS):
            if (2, name) in med and (1, name) in med:
                lines.append(f"- {name}: {med[(2, name)] / med[(1, name)]:.2f}×")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
