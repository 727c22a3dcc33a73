"""Two application instances behind a load balancer, sharing one PostgreSQL database.

Two real uvicorn processes serve the same database: a session made on one is valid on the
other, a matching round started on both at once runs once, and mail sent by two processes at
once reaches every recipient exactly once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db import make_sessionmaker
from app.matches.models import MatchingRound
from app.notifications.models import EmailStatus, OutboxEmail
from tests.factories import PASSWORD, make_newcomer, make_staff, make_volunteer, staff_otp
from tests.test_notifications_outbox import Inbox, SmtpServer, free_port

pytestmark = pytest.mark.postgres_only


def _wait_until_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the instance died: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def instance_env(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    if engine.dialect.name != "postgresql":
        pytest.skip("several instances share one PostgreSQL server (SQLite is one-machine)")
    return {
        **os.environ,
        "BUDDY_ENVIRONMENT": "test",
        "BUDDY_DATABASE_URL": database_url,
        "BUDDY_SECRET_KEY": "shared-secret-of-the-two-instances-0123456789",
        "BUDDY_MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
    }


@pytest.fixture(scope="module")
def instances(
    instance_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    """Started once for the module (start-up is the slow part); each test's rows are wiped
    by the ``db`` fixture as usual."""
    workdir = tmp_path_factory.mktemp("instances")
    procs, urls = [], []
    try:
        for _ in range(2):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                env=instance_env, cwd=workdir, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            _wait_until_up(url, proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _token(url: str, email: str, engine: Engine | None = None) -> str:
    data = {"username": email, "password": PASSWORD}
    if engine is not None:  # staff send their second-factor code too
        code = staff_otp(make_sessionmaker(engine), email)
        assert code is not None
        data["otp"] = code
    response = httpx.post(f"{url}/api/v1/auth/token", data=data)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_a_login_on_one_instance_is_valid_on_the_other(
    instances: list[str], db: Session
) -> None:
    first, second = instances
    email = make_newcomer(db).user.email
    db.commit()

    token = _token(first, email)
    me = httpx.get(f"{second}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["user"]["email"] == email

    # A browser session: the CSRF token signed by one instance is accepted by the other.
    with httpx.Client(base_url=first) as browser:
        browser.get("/login")
        csrf = browser.cookies["csrftoken"]
        logged_in = browser.post(
            f"{second}/login", data={"email": email, "password": PASSWORD, "csrftoken": csrf}
        )
        assert logged_in.status_code == 303, logged_in.text
        page = browser.get(f"{first}/me")
        assert page.status_code == 200
        assert "/login" not in str(page.url)


def test_a_round_started_on_both_instances_at_once_runs_once(
    instances: list[str], db: Session, clean_db: Engine
) -> None:
    staff = make_staff(db)
    for _ in range(150):
        make_newcomer(db)
    for _ in range(200):
        make_volunteer(db)
    db.commit()
    tokens = [_token(url, staff.email, clean_db) for url in instances]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def start(url: str, token: str) -> None:
        barrier.wait()
        response = httpx.post(
            f"{url}/api/v1/matching/rounds",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=start, args=pair) for pair in zip(instances, tokens,
                                                                         strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sorted(statuses) == [201, 409]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(MatchingRound)) == 1


def test_mail_sent_by_two_processes_at_once_arrives_once(
    instances: list[str], instance_env: dict[str, str], db: Session, clean_db: Engine,
    tmp_path: Path,
) -> None:
    staff = make_staff(db)
    for _ in range(30):
        make_newcomer(db)
    for _ in range(45):
        make_volunteer(db)
    db.commit()
    token = _token(instances[0], staff.email, clean_db)
    made = httpx.post(
        f"{instances[0]}/api/v1/matching/rounds",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert made.status_code == 201, made.text
    queued = db.scalar(select(func.count()).select_from(OutboxEmail)) or 0
    assert queued >= 20  # "your panel is ready", one per newcomer

    inbox = Inbox()
    smtp = SmtpServer(free_port(), inbox)
    smtp.start()
    try:
        env = {**instance_env, "BUDDY_MAIL_MODE": "smtp", "BUDDY_SMTP_HOST": "127.0.0.1",
               "BUDDY_SMTP_PORT": str(smtp.port)}  # fmt: skip
        senders = [
            subprocess.Popen([sys.executable, "-c", "from app.cli import cli; cli()",
                              "send-mail"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]  # fmt: skip
        for proc in senders:
            _out, errors = proc.communicate(timeout=120)
            assert proc.returncode == 0, errors
    finally:
        smtp.stop()
    ids = [message["Message-ID"] for message in inbox.messages]
    assert len(ids) == queued
    assert len(set(ids)) == queued
    db.expire_all()
    assert set(db.scalars(select(OutboxEmail.status))) == {EmailStatus.sent}
