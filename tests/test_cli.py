"""The ``buddy`` command against a throwaway SQLite file named by ``BUDDY_DATABASE_URL``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.cli import cli
from app.config import CITIES_DIR, Settings, load_city
from app.db import make_engine
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD
from app.notifications.models import OutboxEmail
from app.people.models import Newcomer, Volunteer
from tests.test_demo import assert_demo_city

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # Settings also read a .env file from the working directory: make sure none is picked up.
    monkeypatch.chdir(tmp_path)
    # ``buddy run`` sets BUDDY_BASE_URL for the app it serves: recorded here (set, then
    # deleted) so monkeypatch restores the developer's environment after each test.
    monkeypatch.setenv("BUDDY_BASE_URL", "unset")
    monkeypatch.delenv("BUDDY_BASE_URL")
    return {
        "BUDDY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "BUDDY_SECRET_FILE": str(tmp_path / "secret"),
        "BUDDY_CITY_FILE": str(CITIES_DIR / "mechelen.json"),
        "BUDDY_ENVIRONMENT": "development",
    }


@pytest.fixture
def cli_engine(env: dict[str, str]) -> Iterator[Engine]:
    eng = make_engine(env["BUDDY_DATABASE_URL"])
    yield eng
    eng.dispose()


def invoke(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return runner.invoke(cli, list(args), env=env, input=input)


def _count(cli_engine: Engine, model: type[Any]) -> int:
    with Session(cli_engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_db_upgrade_and_current(env: dict[str, str], cli_engine: Engine) -> None:
    result = invoke(env, "db", "current")
    assert result.exit_code == 0, result.output
    assert "base (empty)" in result.output

    result = invoke(env, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert {"users", "people", "newcomers", "volunteers"} <= set(
        inspect(cli_engine).get_table_names()
    )

    result = invoke(env, "db", "current")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    # Upgrading an up-to-date database is harmless.
    assert invoke(env, "db", "upgrade").exit_code == 0


def test_create_staff_with_password_option(env: dict[str, str], cli_engine: Engine) -> None:
    invoke(env, "db", "upgrade")
    result = invoke(env, "create-staff", "Coordinator@City.example", "--password", "kettle-lamp-42")
    assert result.exit_code == 0, result.output
    assert "coordinator@city.example" in result.output
    with Session(cli_engine) as session:
        user = session.scalar(select(User).where(User.email == "coordinator@city.example"))
        assert user is not None
        assert user.role is Role.staff
        assert user.locale == "nl"
        assert verify_password("kettle-lamp-42", user.password_hash)
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.created"))
        assert audit is not None
        assert audit.subject_id == user.id

    # The same address twice is refused, and nothing changes.
    again = invoke(env, "create-staff", "coordinator@city.example", "--password", "other-pass-77")
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert _count(cli_engine, User) == 1


def test_create_staff_prompts_for_password_twice(env: dict[str, str], cli_engine: Engine) -> None:
    invoke(env, "db", "upgrade")
    result = invoke(
        env, "create-staff", "desk@city.example", input="river-stone-9\nriver-stone-9\n"
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert "river-stone-9" not in result.output  # hidden input
    with Session(cli_engine) as session:
        user = session.scalar(select(User).where(User.email == "desk@city.example"))
        assert user is not None
        assert verify_password("river-stone-9", user.password_hash)

    # A mismatched confirmation asks again; the second pair is used.
    answers = "first-try-111\nsecond-try-22\ngood-choice-33\ngood-choice-33\n"
    result = invoke(env, "create-staff", "desk2@city.example", input=answers)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


def test_create_staff_refuses_weak_password(env: dict[str, str], cli_engine: Engine) -> None:
    invoke(env, "db", "upgrade")
    result = invoke(env, "create-staff", "weak@city.example", "--password", "short")
    assert result.exit_code == 1
    assert "password: Use at least 10 characters." in result.output
    assert _count(cli_engine, User) == 0


def test_commands_need_a_migrated_database(env: dict[str, str]) -> None:
    commands = (
        ["demo-data"],
        ["create-staff", "x@city.example", "--password", "long-enough-1"],
        ["match"],
        ["tick"],
    )
    for args in commands:
        result = invoke(env, *args)
        assert result.exit_code == 1, args
        assert "buddy db upgrade" in result.output


def test_tick_runs_on_a_migrated_database(env: dict[str, str]) -> None:
    invoke(env, "db", "upgrade")
    for _ in range(2):  # idempotent: nothing due, nothing done, twice
        result = invoke(env, "tick")
        assert result.exit_code == 0, result.output
        assert "Panels expired: 0" in result.output


def test_demo_data_twice_keeps_the_data(env: dict[str, str], cli_engine: Engine) -> None:
    invoke(env, "db", "upgrade")
    first = invoke(env, "demo-data")
    assert first.exit_code == 0, first.output
    assert "Loaded the demo city of Mechelen" in first.output
    for email in DEMO_LOGINS.values():
        assert email in first.output
    assert DEMO_PASSWORD in first.output
    assert "Contracts:  23 (12 active, 6 completed, 3 ended_early, 2 pending)" in first.output
    counts = (_count(cli_engine, User), _count(cli_engine, Volunteer), _count(cli_engine, Newcomer))
    assert counts == (101, 60, 40)

    second = invoke(env, "demo-data")
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert (
        _count(cli_engine, User),
        _count(cli_engine, Volunteer),
        _count(cli_engine, Newcomer),
    ) == counts
    with Session(cli_engine) as session:
        assert_demo_city(session, load_city(CITIES_DIR / "mechelen.json"))


def test_demo_data_for_another_city(env: dict[str, str], cli_engine: Engine) -> None:
    env = {**env, "BUDDY_CITY_FILE": str(CITIES_DIR / "vilvoorde.json")}
    invoke(env, "db", "upgrade")
    result = invoke(env, "demo-data")
    assert result.exit_code == 0, result.output
    assert "Vilvoorde" in result.output
    with Session(cli_engine) as session:
        assert_demo_city(session, load_city(CITIES_DIR / "vilvoorde.json"))


def test_run_migrates_loads_demo_and_serves(
    env: dict[str, str], cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[dict[str, Any]] = []

    def fake_uvicorn_run(app: str, **kwargs: Any) -> None:
        served.append({"app": app, **kwargs})

    monkeypatch.setattr("uvicorn.run", fake_uvicorn_run)
    result = invoke(env, "run", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert served == [{"app": "app.main:app", "host": "127.0.0.1", "port": 8123, "reload": False}]
    assert "http://127.0.0.1:8123/login" in result.output
    assert "http://127.0.0.1:8123/docs" in result.output
    assert DEMO_LOGINS["staff"] in result.output
    assert "Try this" in result.output
    assert "/me/panel" in result.output
    assert _count(cli_engine, Volunteer) == 60

    # Starting again keeps the data and still shows the logins.
    result = invoke(env, "run", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    assert DEMO_LOGINS["newcomer"] in result.output
    assert _count(cli_engine, Volunteer) == 60


def test_run_links_follow_the_port_it_serves_on(
    env: dict[str, str], cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    # What the served app will read: a fresh Settings() inside uvicorn.run.
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.append(Settings().base_url))
    result = runner.invoke(cli, ["run", "--port", "8765"], env={**env, "BUDDY_BASE_URL": None})
    assert result.exit_code == 0, result.output
    assert seen == ["http://127.0.0.1:8765"]
    assert "http://127.0.0.1:8765/login" in result.output
    with Session(cli_engine) as session:
        bodies = list(session.scalars(select(OutboxEmail.body_text)))
    assert bodies, "the demo's history queues emails"
    assert all("http://127.0.0.1:8000" not in b for b in bodies)
    assert any("http://127.0.0.1:8765/" in b for b in bodies)

    # An explicit address wins.
    seen.clear()
    public = {**env, "BUDDY_BASE_URL": "https://buddy.mechelen.example"}
    result = runner.invoke(cli, ["run", "--port", "8765"], env=public)
    assert result.exit_code == 0, result.output
    assert seen == ["https://buddy.mechelen.example"]


def test_serve_passes_options_to_uvicorn(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.append({"app": app, **kw}))
    result = invoke(env, "serve", "--host", "0.0.0.0", "--port", "9000", "--reload")
    assert result.exit_code == 0, result.output
    assert served == [{"app": "app.main:app", "host": "0.0.0.0", "port": 9000, "reload": True}]


def test_bad_configuration_is_reported(env: dict[str, str]) -> None:
    # ``None`` unsets the variable for the run, in case the developer's shell has one.
    env_: dict[str, str | None] = {
        **env,
        "BUDDY_ENVIRONMENT": "production",
        "BUDDY_SECRET_KEY": None,
    }
    result = runner.invoke(cli, ["db", "upgrade"], env=env_)
    assert result.exit_code == 2
    assert "BUDDY_SECRET_KEY is required" in result.output


@pytest.mark.parametrize("command", ["demo-data", "run"])
def test_production_refuses_demo_data(
    env: dict[str, str], cli_engine: Engine, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: pytest.fail("must not serve"))
    prod = {**env, "BUDDY_ENVIRONMENT": "production", "BUDDY_SECRET_KEY": "k" * 48}
    invoke(prod, "db", "upgrade")
    result = invoke(prod, command)
    assert result.exit_code == 1, result.output
    assert "never loaded in production" in result.output
    assert _count(cli_engine, Volunteer) == 0
def test_create_staff_says_two_steps_and_otp_uri_enrols(
    env: dict[str, str], cli_engine: Engine
) -> None:
    import pyotp

    invoke(env, "db", "upgrade")
    plain = invoke(env, "create-staff", "two@city.example", "--password", "kettle-lamp-42")
    assert plain.exit_code == 0, plain.output
    assert "two steps" in plain.output
    assert not any(line.startswith("otpauth://") for line in plain.output.splitlines())

    scripted = invoke(
        env, "create-staff", "script@city.example", "--password", "kettle-lamp-43", "--otp-uri"
    )
    assert scripted.exit_code == 0, scripted.output
    uri = next(line for line in scripted.output.splitlines() if line.startswith("otpauth://"))
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    with Session(cli_engine) as session:
        user = session.scalar(select(User).where(User.email == "script@city.example"))
        other = session.scalar(select(User).where(User.email == "two@city.example"))
        assert user is not None
        assert other is not None
        assert user.totp_enabled_at is not None
        assert user.totp_secret == parsed.secret
        assert other.totp_enabled_at is None


def test_create_staff_refuses_the_city_name(env: dict[str, str], cli_engine: Engine) -> None:
    invoke(env, "db", "upgrade")
    result = invoke(env, "create-staff", "city@city.example", "--password", "I-love-Mechelen!")
    assert result.exit_code == 1
    assert "city's name" in result.output


def test_demo_code_prints_the_demo_staff_code(env: dict[str, str]) -> None:
    import pyotp

    from app.demo.generate import DEMO_TOTP_SECRET

    result = invoke(env, "demo-code")
    assert result.exit_code == 0, result.output
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(result.output.strip(), valid_window=1)
    production = invoke(env | {"BUDDY_ENVIRONMENT": "production", "BUDDY_SECRET_KEY": "x" * 40},
                        "demo-code")  # fmt: skip
    assert production.exit_code == 2
