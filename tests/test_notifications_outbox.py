"""The email outbox against a real SMTP server (aiosmtpd on 127.0.0.1): sent exactly once, kept
and retried with back-off while the server is down, given up after the last attempt, never lost,
and written in the recipient's language — on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from icalendar import Calendar
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.contracts import service as contracts
from app.contracts.service import Signature
from app.db import make_engine, make_sessionmaker, utcnow
from app.i18n import catalog
from app.notifications import contract_mail, rules, sender, service
from app.notifications.models import EmailStatus, OutboxEmail
from tests.factories import make_contract, make_newcomer, make_volunteer, queue_test_email


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it accepts; ``refuse`` makes RCPT fail 550."""

    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, port: int, inbox: Inbox) -> None:
        self.port, self.inbox = port, inbox
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp(inbox: Inbox) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), inbox)
    server.start()
    yield server
    server.stop()


def smtp_settings(settings: Settings, port: int, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"mail_mode": "smtp", "smtp_host": "127.0.0.1", "smtp_port": port,
                "smtp_timeout_seconds": 5.0, "mail_from": "Buddy <buddy@example.org>",
                "mail_dir": tmp_path / "mail"}
    )  # fmt: skip


@pytest.fixture
def factory(clean_db: Engine, settings: Settings) -> sessionmaker[Session]:
    made = make_sessionmaker(clean_db)
    service.bind_settings(made, settings)
    return made


def rows(db: Session) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def active_contract(db: Session, settings: Settings) -> Any:
    """A contract signed by both through the real service: queues "contract active" twice."""
    db.info["settings"] = settings
    contract = make_contract(db)
    for person in (contract.newcomer, contract.volunteer):
        contracts.sign(db, contract, person.user, Signature(person.display_name, "127.0.0.1"),
                       city=settings.city)  # fmt: skip
    db.commit()
    return contract


# --- sent once --------------------------------------------------------------------------------


def test_contract_active_mail_is_sent_once_with_a_parseable_calendar(
    db: Session, settings: Settings, factory: sessionmaker[Session], smtp: SmtpServer,
    inbox: Inbox, tmp_path: Path,
) -> None:  # fmt: skip
    contract = active_contract(db, settings)
    mail = smtp_settings(settings, smtp.port, tmp_path)

    report = sender.send_due(factory, mail)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    again = sender.send_due(factory, mail, now=utcnow() + timedelta(days=1))
    assert again.sent == 0  # nothing is due twice
    assert len(inbox.messages) == 2
    assert {m["To"] for m in inbox.messages} == {
        contract.newcomer.user.email, contract.volunteer.user.email,
    }  # fmt: skip
    assert all(r.status is EmailStatus.sent and r.attempts == 1 for r in rows(db))

    message = inbox.messages[0]
    assert message["Message-ID"] == sender.message_id(rows(db)[0], mail)
    assert message["Auto-Submitted"] == "auto-generated"
    assert "has started" in message["Subject"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert f"{settings.base_url}/contracts/{contract.id}" in text.get_content()
    assert f'href="{settings.base_url}/contracts/{contract.id}"' in html.get_content()
    [ics] = [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert ics.get_filename() == f"buddy-contract-{contract.id}.ics"
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]).startswith(f"contract-{contract.id}@")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART").date() >= contract.start_date


def test_two_senders_at_once_deliver_each_message_exactly_once(
    db: Session, settings: Settings, clean_db: Engine, database_url: str, smtp: SmtpServer,
    inbox: Inbox, tmp_path: Path,
) -> None:  # fmt: skip
    user = make_newcomer(db).user
    for i in range(24):
        queue_test_email(db, user, key=f"race:{i}")
    db.commit()
    mail = smtp_settings(settings, smtp.port, tmp_path)
    engine = (
        make_engine(database_url, pool_size=4)
        if database_url.startswith("postgresql")
        else clean_db
    )
    barrier = threading.Barrier(3)
    reports: list[sender.SendReport] = []

    def worker() -> None:
        made = make_sessionmaker(engine)
        barrier.wait()
        reports.append(sender.send_due(made, mail))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if engine is not clean_db:
        engine.dispose()
    assert sum(r.sent for r in reports) == 24
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 24
    assert len(set(ids)) == 24
    assert all(r.status is EmailStatus.sent for r in rows(db))


# --- server down --------------------------------------------------------------------------


def test_smtp_down_keeps_the_mail_and_delivers_it_when_the_server_is_back(
    db: Session, settings: Settings, factory: sessionmaker[Session], inbox: Inbox, tmp_path: Path
) -> None:
    user = make_newcomer(db).user
    first = queue_test_email(db, user, key="down:1")
    second = queue_test_email(db, user, key="down:2")
    db.commit()
    port = free_port()  # nobody listens here yet
    mail = smtp_settings(settings, port, tmp_path)
    now = utcnow()

    report = sender.send_due(factory, mail, now=now)
    assert report.unreachable
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    by_id = {r.id: r for r in rows(db)}
    # The claimed message used one attempt and waits its back-off; the other kept its attempts.
    assert by_id[first].status is EmailStatus.queued
    assert by_id[first].attempts == 1
    assert by_id[first].next_attempt_at == now + rules.BACKOFF[0]
    assert "unreachable" in (by_id[first].last_error or "")
    assert by_id[second].attempts == 0

    server = SmtpServer(port, inbox)
    server.start()
    try:
        later = sender.send_due(factory, mail, now=now + timedelta(seconds=10))
        assert later.sent == 1  # the second; the first is still in its back-off
        assert sender.send_due(factory, mail, now=now + rules.BACKOFF[0]).sent == 1
    finally:
        server.stop()
    assert len(inbox.messages) == 2
    assert all(r.status is EmailStatus.sent for r in rows(db))
    assert {r.attempts for r in rows(db)} == {1, 2}


def test_backoff_schedule_then_failed_for_staff_to_see(
    db: Session, settings: Settings, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    user = make_newcomer(db).user
    queue_test_email(db, user, key="never")
    db.commit()
    mail = smtp_settings(settings, free_port(), tmp_path)
    now = utcnow()
    waits = []
    for _ in range(rules.MAX_ATTEMPTS):
        report = sender.send_due(factory, mail, now=now)
        assert report.sent == 0
        [row] = rows(db)
        if row.status is EmailStatus.failed:
            break
        waits.append(row.next_attempt_at - now)
        # Not due a moment before its back-off ends…
        assert (
            sender.send_due(factory, mail, now=row.next_attempt_at - timedelta(seconds=1)).retrying
            == 0
        )
        now = row.next_attempt_at
    assert waits == list(rules.BACKOFF)  # 1 min, 5 min, 30 min, 2 h, 12 h
    [row] = rows(db)
    assert row.status is EmailStatus.failed
    assert row.attempts == rules.MAX_ATTEMPTS == 6
    assert row.sent_at is None
    assert sender.send_due(factory, mail, now=now + timedelta(days=30)).retrying == 0


def test_recipient_refused_for_good_fails_at_once(
    db: Session, settings: Settings, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    refusing = SmtpServer(free_port(), Inbox(refuse=True))
    refusing.start()
    try:
        queue_test_email(db, make_newcomer(db).user, key="refused")
        db.commit()
        report = sender.send_due(factory, smtp_settings(settings, refusing.port, tmp_path))
    finally:
        refusing.stop()
    assert report.failed == 1
    [row] = rows(db)
    assert row.status is EmailStatus.failed
    assert row.attempts == 1
    assert "550" in (row.last_error or "")


def test_a_crash_after_the_claim_only_delays_the_message(
    db: Session, settings: Settings, factory: sessionmaker[Session], smtp: SmtpServer,
    inbox: Inbox, tmp_path: Path,
) -> None:  # fmt: skip
    email_id = queue_test_email(db, make_newcomer(db).user, key="crash")
    db.commit()
    now = utcnow()
    with factory() as session:  # a worker claims the message, then dies before sending
        assert sender.claim(session, email_id, now) is not None
        session.commit()
    mail = smtp_settings(settings, smtp.port, tmp_path)
    assert sender.send_due(factory, mail, now=now + timedelta(minutes=1)).sent == 0  # leased
    assert sender.send_due(factory, mail, now=now + rules.CLAIM_LEASE).sent == 1
    assert len(inbox.messages) == 1


# --- language, files, dedupe --------------------------------------------------------------


def _dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny Dutch catalog, so the test sees real translation (the .po files come later)."""
    dutch = Catalog(locale="nl")
    dutch.add("Please sign your buddy contract", "Teken je buddycontract")
    dutch.add("Hello %(name)s,", "Dag %(name)s,")
    buffer = BytesIO()
    write_mo(buffer, dutch)
    buffer.seek(0)
    translated = Translations(buffer)
    original = catalog.translations
    monkeypatch.setattr(
        catalog, "translations", lambda locale: translated if locale == "nl" else original(locale)
    )


def test_each_recipient_reads_their_own_language(
    db: Session, settings: Settings, factory: sessionmaker[Session], smtp: SmtpServer,
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    _dutch(monkeypatch)
    db.info["settings"] = settings
    newcomer = make_newcomer(db)
    newcomer.user.locale = "nl"
    volunteer = make_volunteer(db)
    volunteer.user.locale = "ar"
    contract = make_contract(db, newcomer, volunteer)
    contract_mail.queue_contract_proposed(db, contract)
    db.commit()
    sender.send_due(factory, smtp_settings(settings, smtp.port, tmp_path))

    by_to = {m["To"]: m for m in inbox.messages}
    dutch = by_to[newcomer.user.email]
    assert dutch["Subject"] == "Teken je buddycontract"
    assert dutch["Content-Language"] == "nl"
    assert "Dag \u2068Amina\u2069," in dutch.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    arabic = by_to[volunteer.user.email]
    assert arabic["Content-Language"] == "ar"
    html = arabic.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert 'lang="ar" dir="rtl"' in html


def test_development_writes_eml_files(
    db: Session, settings: Settings, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    email_id = queue_test_email(db, make_newcomer(db).user, key="file")
    db.commit()
    mail = settings.model_copy(update={"mail_mode": "file", "mail_dir": tmp_path / "mail"})
    assert sender.send_due(factory, mail).sent == 1
    written = tmp_path / "mail" / f"{email_id:08d}.eml"
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Please sign your buddy contract"
    assert [p.name for p in (tmp_path / "mail").iterdir()] == [written.name]


def test_the_same_key_is_queued_once_even_when_two_transactions_race(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_newcomer(db).user
    assert queue_test_email(db, user, key="same") > 0
    # The pre-check can miss a row another transaction has just committed: the unique key and
    # ON CONFLICT DO NOTHING still keep one row, without aborting this transaction.
    monkeypatch.setattr(service, "is_queued", lambda session, key: False)
    assert not service.queue(
        db, user=user, kind="please_sign", dedupe_key="same",
        context={"name": "A", "volunteer": "B", "url": "http://x"},
    )  # fmt: skip
    db.commit()
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_a_malformed_or_always_crashing_message_fails_instead_of_looping(
    db: Session, settings: Settings, factory: sessionmaker[Session], smtp: SmtpServer,
    inbox: Inbox, tmp_path: Path,
) -> None:  # fmt: skip
    user = make_newcomer(db).user
    broken = db.get(OutboxEmail, queue_test_email(db, user, key="broken"))
    crashing = db.get(OutboxEmail, queue_test_email(db, user, key="crashing"))
    assert broken is not None
    assert crashing is not None
    broken.attachments = [{"name": "x.ics", "content_type": "text/calendar", "data": "A"}]
    crashing.attempts = rules.MAX_ATTEMPTS  # every attempt so far died before settling
    db.commit()
    report = sender.send_due(factory, smtp_settings(settings, smtp.port, tmp_path))
    assert (report.sent, report.failed) == (0, 2)
    assert {r.dedupe_key: r.status for r in rows(db)} == {
        "broken": EmailStatus.failed, "crashing": EmailStatus.failed,
    }  # fmt: skip
    assert "unsendable" in (rows(db)[0].last_error or "")
    assert inbox.messages == []
