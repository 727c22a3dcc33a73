"""CPU per request of the real application, in-process, against the bare FastAPI endpoint.

Usage::

    .venv/bin/python bench/profile_http.py                     # CPU ms per request and queries
    .venv/bin/python bench/profile_http.py --profile me_api    # + cProfile of one endpoint

The ASGI apps are called directly (no server, no client library in between), so the numbers
are the application's own cost: ``time.process_time`` over ``--requests`` requests (CPU time is
less noisy than wall time on a shared machine). Same database set-up as ``bench_http.py``
(a throwaway PostgreSQL database with the demo city and 120 active pairs), dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.deps import ApiUser, SessionDep  # noqa: E402
from bench.bench_http import DEFAULT_SERVER, prepare  # noqa: E402

Request = tuple[str, str, list[tuple[bytes, bytes]], bytes]


async def call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]],
               body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def cpu_per_request(app: Any, make: Callable[[int], Request], n: int,
                    profile: bool = False, concurrency: int = 1) -> float:  # fmt: skip
    async def run() -> float:
        for i in range(5):  # warm up (template compilation, caches, pool)
            status, _ = await call(app, *make(10_000 + i))
            assert status < 400, status
        profiler = cProfile.Profile() if profile else None
        if profile or os.environ.get("INLINE"):
            # cProfile sees one thread: run the sync endpoints and dependencies inline.
            import anyio.to_thread

            async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
                return func(*args)

            anyio.to_thread.run_sync = inline  # type: ignore[assignment]
        gc_time = [0.0, 0.0, 0, 0]  # start, total, collections, gen2

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_time[0] = time.process_time()
            else:
                gc_time[1] += time.process_time() - gc_time[0]
                gc_time[2] += 1
                gc_time[3] += info["generation"] == 2

        gc.callbacks.append(on_gc)
        started = time.process_time()
        if profiler:
            profiler.enable()
        async def worker(k: int) -> None:
            # ``concurrency`` requests in flight, as a load generator's connections would be.
            for i in range(k, n, concurrency):
                status, out = await call(app, *make(i))
                assert status < 400, (status, out[:300])

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        spent = (time.process_time() - started) / n * 1000
        gc.callbacks.remove(on_gc)
        print(f"  gc: {gc_time[1] / n * 1000:.2f} ms/request in {gc_time[2]} collections "
              f"({gc_time[3]} full), {len(gc.get_objects())} tracked objects")
        return spent

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests in flight at once (the thread pool and the GIL then "
                             "count too)")
    parser.add_argument("--repeat", type=int, default=1, help="report the min and the median")
    parser.add_argument("--database-url", help="reuse this prepared database (kept)")
    parser.add_argument("--only", help="comma-separated cases (default: all)")
    parser.add_argument("--profile", choices=["bare", "healthz", "x_session", "x_user", "me_api",
                                              "me_page", "checkin"])  # fmt: skip
    args = parser.parse_args()

    if args.database_url:  # an existing database prepared by this script or bench_http.py
        run(args.database_url, args)
        return
    server = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    name = f"buddy_bench_prof_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        run(url, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, args: argparse.Namespace) -> None:
    if args.database_url:
        from app.config import Settings
        from tests.factories import make_active_contract  # noqa: F401  (the models' mappers)

        settings = Settings(database_url=url, environment="test",
                            secret_key="bench-secret-key-0123456789")  # fmt: skip
        engine = create_engine(url)
        with engine.connect() as conn:
            pairs = [(cid, email) for cid, email in conn.execute(text(
                "SELECT c.id, u.email FROM contracts c JOIN people p ON p.id = c.volunteer_id "
                "JOIN users u ON u.id = p.user_id WHERE u.email LIKE 'volunteer%@example.org' "
                "AND c.status = 'active' ORDER BY c.id"))]  # fmt: skip
        engine.dispose()
    else:
        pairs, settings = prepare(url)
    import httpx

    from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD
    from app.main import create_app
    from bench.bare_app import app as bare
    from tests.factories import PASSWORD

    app = create_app(settings)
    if os.environ.get("PROBES"):
        from fastapi import APIRouter

        probes = APIRouter()

        @probes.get("/x/session")
        def x_session(session: SessionDep) -> dict[str, int]:
            return {"ok": 1}

        @probes.get("/x/user")
        def x_user(user: ApiUser) -> dict[str, int]:
            return {"ok": user.id}

        app.include_router(probes)
        app.router.routes.insert(0, app.router.routes.pop())
        app.router.routes.insert(0, app.router.routes.pop())
    queries = 0

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        nonlocal queries
        queries += 1

    async def logins() -> tuple[str, str, dict[str, str]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            async def token(email: str, password: str) -> str:
                r = await client.post("/api/v1/auth/token",
                                      data={"username": email, "password": password})  # fmt: skip
                r.raise_for_status()
                return str(r.json()["access_token"])

            newcomer = await token(DEMO_LOGINS["newcomer"], DEMO_PASSWORD)
            await client.get("/login")
            login = {"email": DEMO_LOGINS["volunteer"], "password": DEMO_PASSWORD,
                     "csrftoken": client.cookies["csrftoken"]}  # fmt: skip
            await client.post("/login", data=login)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            tokens = {email: await token(email, PASSWORD) for _, email in pairs[:20]}
            return newcomer, cookie, tokens

    newcomer, cookie, tokens = asyncio.run(logins())
    from app.db import utcnow

    today = utcnow().date()
    rows = [(cid, tokens[email], today - timedelta(days=day))
            for day in range(1, 160) for cid, email in pairs[:20]]  # fmt: skip

    def checkin(i: int) -> Request:
        cid, tok, day = rows[i % len(rows)] if i < 10_000 else rows[-1 - (i - 10_000)]
        body = f'{{"met_on":"{day}","minutes":60,"activities":["dutch"]}}'.encode()
        return ("POST", f"/api/v1/contracts/{cid}/checkins",
                [(b"authorization", f"Bearer {tok}".encode()),
                 (b"content-type", b"application/json"),
                 (b"content-length", str(len(body)).encode())], body)  # fmt: skip

    cases: dict[str, tuple[Any, Callable[[int], Request]]] = {
        "bare": (bare, lambda i: ("GET", "/bare", [], b"")),
        "healthz": (app, lambda i: ("GET", "/healthz", [], b"")),
        "x_session": (app, lambda i: ("GET", "/x/session", [], b"")),
        "x_user": (app, lambda i: ("GET", "/x/user",
                                   [(b"authorization", f"Bearer {newcomer}".encode())], b"")),
        "me_api": (app, lambda i: ("GET", "/api/v1/me",
                                   [(b"authorization", f"Bearer {newcomer}".encode())], b"")),
        "me_page": (app, lambda i: ("GET", "/me", [(b"cookie", cookie.encode()),
                                                   (b"accept-encoding", b"gzip")], b"")),
        "checkin": (app, checkin),
    }  # fmt: skip
    n = args.requests
    for key, (target, make) in cases.items():
        if args.profile and key != args.profile and key != "bare":
            continue
        if args.only and key not in args.only.split(","):
            continue
        runs = []
        for _ in range(args.repeat):
            queries = 0
            runs.append(cpu_per_request(target, make, n, profile=args.profile == key,
                                        concurrency=args.concurrency))  # fmt: skip
        per = (queries / (n + 5)) if target is app else 0
        print(f"{key:8s} {min(runs):7.2f} ms CPU/request (min; median "
              f"{statistics.median(runs):.2f})  {per:5.1f} queries/request", flush=True)
    app.state.engine.dispose()


if __name__ == "__main__":
    main()
