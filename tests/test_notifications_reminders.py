"""Which emails the platform queues, and when: the hooks of matching and contracts, and the
periodic reminders of ``buddy tick`` (each once, however often tick runs)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.checkins import rules as meeting_rules
from app.cli import cli
from app.config import CITIES_DIR, Cadence, Settings
from app.contracts import service as contracts
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import add_months, local_date
from app.db import utcnow
from app.matches import panels
from app.matches import service as matching
from app.notifications import reminders, rules
from app.notifications.models import EmailStatus, OutboxEmail
from tests.factories import (
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_volunteer,
    queue_test_email,
)

TODAY = date(2026, 3, 4)


def outbox(db: Session) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def keys(db: Session) -> set[str]:
    return {row.dedupe_key for row in outbox(db)}


# --- pure rules -------------------------------------------------------------------------------


def test_retry_schedule() -> None:
    now = utcnow()
    assert [rules.retry_at(k, now) for k in range(1, 6)] == [now + b for b in rules.BACKOFF]
    assert rules.retry_at(6, now) is None  # the sixth failure is the last
    assert rules.ending_soon(date(2026, 9, 30), date(2026, 8, 30))
    assert not rules.ending_soon(date(2026, 9, 30), date(2026, 8, 29))
    assert not rules.ending_soon(date(2026, 9, 30), date(2026, 9, 30))


@given(
    offset=st.integers(min_value=0, max_value=120),
    fortnightly=st.booleans(),
    meeting_days=st.sets(st.integers(min_value=-5, max_value=130), max_size=12),
)
def test_silence_reminders_follow_the_check_ins_at_risk_rule(
    offset: int, fortnightly: bool, meeting_days: set[int]
) -> None:
    """ "Two periods without a meeting" is exactly the check-ins engineer's ``missed_last_two``
    (the pair shows as at risk); "one period" is the step before it."""
    cadence = Cadence.fortnightly if fortnightly else Cadence.weekly
    start = date(2026, 1, 7)
    today = start + timedelta(days=offset)
    meetings = [start + timedelta(days=d) for d in meeting_days]
    counting = [m for m in meetings if start <= m <= today]
    attendance = meeting_rules.attendance(start, cadence, meetings, today)
    due = rules.reminder_due(
        rules.silence(start, cadence, max(counting, default=None), today).missed
    )
    n = attendance.completed
    assert (due == "nomeet2") == attendance.missed_last_two
    one_missed = (
        n >= 1 and not ({n - 1, n} & attendance.met_periods) and not attendance.missed_last_two
    )
    assert (due == "nomeet1") == one_missed


# --- periodic reminders ---------------------------------------------------------------------


def _contract(db: Session, start: date, **kw: Any) -> Contract:
    return make_active_contract(db, make_newcomer(db), make_volunteer(db), start=start, **kw)


def test_tick_queues_each_reminder_once_per_silence(db: Session, settings: Settings) -> None:
    db.info["settings"] = settings
    one = _contract(db, TODAY - timedelta(days=8))  # period 0 over, nothing counting
    make_checkin(db, one, TODAY - timedelta(days=7), status="disputed")
    two = _contract(db, TODAY - timedelta(days=15))  # periods 0 and 1 over, nothing
    again = _contract(db, TODAY - timedelta(days=22))  # met in period 0, not in 1 and 2
    make_checkin(db, again, TODAY - timedelta(days=21))
    fine = _contract(db, TODAY - timedelta(days=8))
    make_checkin(db, fine, TODAY)  # met in the running period: no silence
    also_fine = _contract(db, TODAY - timedelta(days=15))
    make_checkin(db, also_fine, TODAY - timedelta(days=6))  # period 1 met
    fortnight = _contract(db, TODAY - timedelta(days=20), cadence="fortnightly")  # P0 missed
    ending = _contract(db, add_months(TODAY + timedelta(days=20), -6))
    ending.end_date = TODAY + timedelta(days=20)
    make_checkin(db, ending, TODAY - timedelta(days=1))
    stopped = _contract(db, TODAY - timedelta(days=40))
    stopped.status = ContractStatus.ended_early
    db.commit()

    report = reminders.queue_due_reminders(db, today=TODAY)
    db.commit()
    assert (report.nomeet1, report.nomeet2, report.ending_soon) == (2, 4, 2)
    assert keys(db) == {
        f"nomeet1:{one.id}:0",
        f"nomeet2:{two.id}:0:newcomer", f"nomeet2:{two.id}:0:volunteer",
        f"nomeet2:{again.id}:1:newcomer", f"nomeet2:{again.id}:1:volunteer",
        f"nomeet1:{fortnight.id}:0",
        f"ending:{ending.id}:newcomer", f"ending:{ending.id}:volunteer",
    }  # fmt: skip
    gentle = next(r for r in outbox(db) if r.dedupe_key == f"nomeet1:{one.id}:0")
    assert gentle.to_email == one.volunteer.user.email  # the volunteer only
    assert gentle.kind == "nomeet1"
    assert f"/contracts/{one.id}/meetings/new" in gentle.body_text
    assert "February 24, 2026" in gentle.body_text  # the silence began with the start day
    since = next(r for r in outbox(db) if r.dedupe_key == f"nomeet2:{again.id}:1:newcomer")
    assert "February 17, 2026" in since.body_text  # period 1 of a start on 10 February

    # Twice the same day, or the next day in the same silence: nothing new.
    assert reminders.queue_due_reminders(db, today=TODAY).total == 0
    assert reminders.queue_due_reminders(db, today=TODAY + timedelta(days=1)).total == 0
    db.commit()
    assert len(outbox(db)) == 8
    # A week later the gentle reminder of ``one`` has become "two periods" (to both).
    later = reminders.queue_due_reminders(db, today=TODAY + timedelta(days=7))
    assert {f"nomeet2:{one.id}:0:newcomer", f"nomeet2:{one.id}:0:volunteer"} <= keys(db)
    assert later.nomeet2 >= 2


def test_a_meeting_ends_the_silence_and_a_new_one_starts_afresh(
    db: Session, settings: Settings
) -> None:
    db.info["settings"] = settings
    contract = _contract(db, TODAY - timedelta(days=8))
    assert reminders.queue_due_reminders(db, today=TODAY).nomeet1 == 1
    make_checkin(db, contract, TODAY)  # they met (period 1)
    assert reminders.queue_due_reminders(db, today=TODAY + timedelta(days=7)).total == 0
    # Period 2 passes without a meeting: a new silence, a new gentle reminder.
    assert reminders.queue_due_reminders(db, today=TODAY + timedelta(days=13)).nomeet1 == 1
    assert f"nomeet1:{contract.id}:2" in keys(db)


# --- hooks in the matching and contract services --------------------------------------------


def test_round_pick_and_signatures_queue_their_emails(db: Session, settings: Settings) -> None:
    db.info["settings"] = settings
    newcomer = make_newcomer(db)
    volunteers = [make_volunteer(db) for _ in range(5)]
    db.commit()
    matching.run_round(db, city=settings.city, started_by=None)
    db.commit()
    [ready] = outbox(db)
    assert (ready.kind, ready.to_email) == ("panel_ready", newcomer.user.email)
    assert f"{settings.base_url}/me/panel" in ready.body_text
    assert "5 volunteers" in ready.body_text

    contract = panels.choose(db, newcomer, volunteers[2].id, city=settings.city)
    db.commit()
    by_kind = {r.kind: r for r in outbox(db)}
    assert by_kind["chosen"].to_email == volunteers[2].user.email
    assert by_kind["chosen"].subject == "\u2068Amina\u2069 chose you as a buddy"  # name isolated
    assert by_kind["please_sign"].to_email == newcomer.user.email
    assert f"/contracts/{contract.id}" in by_kind["please_sign"].body_text

    for person in (newcomer, volunteers[2]):
        contracts.sign(db, contract, person.user, contracts.Signature(person.display_name, "::1"),
                       city=settings.city)  # fmt: skip
    db.commit()
    active = [r for r in outbox(db) if r.kind == "contract_active"]
    assert len(active) == 2
    assert all(r.attachments[0]["name"].endswith(".ics") for r in active)


def test_completion_mail_links_the_evaluation_and_the_certificate(
    db: Session, settings: Settings
) -> None:
    db.info["settings"] = settings
    today = local_date(utcnow(), settings.city.timezone)
    contract = _contract(db, today - timedelta(days=200))
    contract.end_date = today - timedelta(days=17)
    db.commit()
    assert contracts.complete_due(db, city=settings.city) == 1
    assert contracts.complete_due(db, city=settings.city) == 0
    db.commit()
    mails = {r.to_email: r for r in outbox(db) if r.kind == "completed"}
    assert len(mails) == 2
    newcomer = mails[contract.newcomer.user.email]
    volunteer = mails[contract.volunteer.user.email]
    base = settings.base_url
    assert f"{base}/contracts/{contract.id}/evaluation" in newcomer.body_text
    assert f"{base}/contracts/{contract.id}/certificate.pdf" in newcomer.body_text
    assert f"{base}/contracts/{contract.id}/evaluation" in volunteer.body_text
    assert "certificate.pdf" not in volunteer.body_text


# --- the commands -----------------------------------------------------------------------------


def test_buddy_tick_twice_queues_and_sends_once(
    db: Session, database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "BUDDY_DATABASE_URL": database_url,
        "BUDDY_SECRET_FILE": str(tmp_path / "secret"),
        "BUDDY_CITY_FILE": str(CITIES_DIR / "mechelen.json"),
        "BUDDY_MAIL_MODE": "file",
        "BUDDY_MAIL_DIR": str(tmp_path / "mail"),
    }
    today = local_date(utcnow(), "Europe/Brussels")
    _contract(db, today - timedelta(days=15))  # two periods without a meeting
    db.commit()
    runner = CliRunner()
    first = runner.invoke(cli, ["tick"], env=env, terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "no meeting for two periods: 2" in first.output
    assert "Mail sent: 2" in first.output
    second = runner.invoke(cli, ["tick"], env=env, terminal_width=200)
    assert second.exit_code == 0, second.output
    assert "no meeting for two periods: 0" in second.output
    assert "Mail sent: 0" in second.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
    assert all(r.status is EmailStatus.sent for r in outbox(db))

    down = {**env, "BUDDY_MAIL_MODE": "smtp", "BUDDY_SMTP_HOST": "127.0.0.1",
            "BUDDY_SMTP_PORT": "9"}  # fmt: skip
    queue_test_email(db, make_newcomer(db).user, key="cli-down")
    db.commit()
    result = runner.invoke(cli, ["send-mail"], env=down, terminal_width=200)
    assert result.exit_code == 1
    assert "unreachable" in result.output
