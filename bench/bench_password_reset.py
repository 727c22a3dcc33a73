"""Timing of ``POST /api/v1/auth/password-reset`` for an address with and without an account.

The endpoint must not reveal whether an account exists, by its answer or by its timing. This
prints the median of N alternating requests for each case and their ratio (known / unknown),
against a throwaway SQLite database. Run: ``.venv/bin/python bench/bench_password_reset.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app import migrate
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with make_sessionmaker(engine)() as session:
            # One account per run: a second request within the hour for one account is limited.
            shared = hash_password("bench password 1")
            session.add_all(
                User(email=f"known{i}@example.org", password_hash=shared, role=Role.volunteer,
                     locale="en")
                for i in range(RUNS)
            )  # fmt: skip
            session.commit()
        settings = Settings(environment="test", database_url=url, secret_key="bench",
                            secret_file=Path(tmp) / "secret")  # fmt: skip
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        with TestClient(create_app(settings)) as client:
            for i in range(RUNS):
                cases = (("known", f"known{i}@example.org"), ("unknown", f"nobody{i}@example.org"))
                for case, email in cases:
                    start = time.perf_counter()
                    response = client.post("/api/v1/auth/password-reset", json={"email": email})
                    times[case].append(time.perf_counter() - start)
                    assert response.status_code == 202
        engine.dispose()
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    print(f"runs: {RUNS} each")
    print(f"known address   median {known * 1000:7.1f} ms")
    print(f"unknown address median {unknown * 1000:7.1f} ms")
    print(f"ratio known / unknown: {known / unknown:.2f}")


if __name__ == "__main__":
    main()
