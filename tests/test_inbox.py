"""Newcomers without email: desk registration with a phone, phone login, the inbox on /me for
every message, SMS alerts through a (fake, local) gateway, and letters for staff to print."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.phones import normalise_phone
from app.config import Settings
from app.db import make_sessionmaker, utcnow
from app.errors import Invalid
from app.inbox import service as inbox
from app.inbox import sms
from app.inbox.models import InboxMessage, SmsAlert, SmsStatus
from app.matches import service as matches
from app.notifications import service as outbox
from app.notifications.emails import KINDS
from app.notifications.models import OutboxEmail
from app.people.models import Newcomer
from tests.factories import bearer, browser_login, make_newcomer, make_staff, make_volunteer

PASSWORD = "my own river song"


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": "", "locale": "en", "first_name": "Hodan", "last_name": "Farah",
        "year_of_birth": "1994", "gender": "female", "buddy_gender": "any",
        "phone": "0470 11 22 33", "lang_code_0": "ar", "lang_level_0": "native",
        "lang_code_1": "nl", "lang_level_1": "basic",
        "availability": ["mon-evening", "sat-morning"], "neighbourhood": "binnenstad",
        "goals": ["dutch"], "interests": "cooking", "consent": "1",
    }  # fmt: skip
    data.update(overrides)
    return data


def _desk(client: TestClient, db: Session, **overrides: Any) -> tuple[Any, str | None]:
    staff = make_staff(db, "desk@city.example")
    db.commit()
    browser_login(client, staff.email or "")
    data = {**_form(**overrides), "csrftoken": client.cookies["csrftoken"]}
    response = client.post("/staff/newcomers/new", data=data)
    match = re.search(r'id="setup-code"[^>]*>([^<]+)</code>', response.text)
    return response, match.group(1) if match else None


def _phone_newcomer(app: Any, client: TestClient, db: Session) -> TestClient:
    """Registered at the desk with a phone only; their own browser, logged in by phone."""
    response, code = _desk(client, db)
    assert response.status_code == 200, response.text
    assert code is not None
    own = TestClient(app, headers={"Accept-Language": "en"})
    own.get("/login")
    r = own.post("/set-password", data={"code": code, "new_password": PASSWORD,
                                        "csrftoken": own.cookies["csrftoken"]},
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    own.cookies.clear()
    browser_login(own, "+32 470 11 22 33", PASSWORD)  # written another way: same number
    return own


# --- phones and logins -----------------------------------------------------------------------


def test_phone_numbers_are_normalised_to_e164() -> None:
    assert normalise_phone("0470 11 22 33", "BE") == "+32470112233"
    assert normalise_phone("0032 470 11 22 33", "BE") == "+32470112233"
    assert normalise_phone("+380 50 123 4567", "BE") == "+380501234567"
    with pytest.raises(Invalid):
        normalise_phone("12", "BE")


def test_desk_registers_a_newcomer_with_a_phone_and_no_email(
    app: Any, client: TestClient, db: Session
) -> None:
    response, _code = _desk(client, db)
    assert response.status_code == 200, response.text
    assert 'id="new-phone"' in response.text
    assert "+32470112233" in response.text
    assert 'id="new-email"' not in response.text
    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    assert newcomer.user.email is None
    assert newcomer.user.phone == newcomer.phone == "+32470112233"
    # A second account with the same number is refused, and the form says so.
    again, _ = _desk_again(client)
    assert again.status_code == 422
    assert "An account with this phone number already exists." in again.text
    # Neither an email nor a phone: refused, next to the phone field.
    none, _ = _desk_again(client, phone="")
    assert none.status_code == 422
    assert 'id="phone-error"' in none.text
    assert "Give an email address or a mobile phone number." in none.text


def _desk_again(client: TestClient, **overrides: Any) -> tuple[Any, None]:
    data = {**_form(first_name="Other", **overrides), "csrftoken": client.cookies["csrftoken"]}
    return client.post("/staff/newcomers/new", data=data), None


def test_phone_login_on_the_form_and_the_api(app: Any, client: TestClient, db: Session) -> None:
    own = _phone_newcomer(app, client, db)
    me = own.get("/me").text
    assert "Hodan" in me
    assert "None" not in me
    assert "+32470112233" in me
    token = client.post("/api/v1/auth/token",
                        data={"username": "0470112233", "password": PASSWORD})  # fmt: skip
    assert token.status_code == 200, token.text
    wrong = client.post("/api/v1/auth/token",
                        data={"username": "0470112233", "password": "not it at all"})  # fmt: skip
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "Wrong email, phone number or password."
    forgot = client.get("/password-reset")
    assert "ask the welcome desk for a new code" in forgot.text


# --- the inbox ---------------------------------------------------------------------------------


def test_every_kind_of_message_reaches_the_inbox_at_the_outbox_level(
    db: Session, settings: Settings
) -> None:
    """``queue`` itself fills the inbox: a kind needs no hook of its own (here: a stand-in
    rendering, as each template needs its own context)."""
    db.info["settings"] = settings
    newcomer = make_newcomer(db)
    newcomer.user.email = None
    db.flush()
    for kind in KINDS:
        assert inbox.deliver(
            db, settings, user=newcomer.user, kind=kind, dedupe_key=f"k:{kind}", locale="en",
            subject=kind, body_text="t", body_html="<p>t</p>", about=None,
        ) is (kind not in inbox.NOT_IN_INBOX)  # fmt: skip
    stored = set(db.scalars(select(InboxMessage.kind)))
    assert stored == set(KINDS) - inbox.NOT_IN_INBOX
    # Delivering the same message again is a no-op.
    assert not inbox.deliver(db, settings, user=newcomer.user, kind="panel_ready",
                             dedupe_key="k:panel_ready", locale="en", subject="s",
                             body_text="t", body_html="h", about=None)  # fmt: skip


def test_the_whole_journey_of_a_phone_only_newcomer_through_the_inbox(
    app: Any, client: TestClient, db: Session, settings: Settings
) -> None:
    own = _phone_newcomer(app, client, db)
    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    volunteer = make_volunteer(db, first_name="Ann", last_name="Claes")
    db.commit()
    db.info["settings"] = settings

    # Panel ready: in the inbox, with an unread count in the navigation; no email exists.
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    page = own.get("/me/messages")
    assert page.status_code == 200
    assert 'id="unread-count"' in page.text
    assert "1 new" in page.text
    assert "Your buddy candidates are ready" in page.text or "candidates" in page.text
    api = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", data={"username": "+32470112233", "password": PASSWORD}
    ).json()["access_token"]}  # fmt: skip
    listing = client.get("/api/v1/me/messages", headers=api).json()
    assert listing["unread"] == 1
    first = listing["items"][0]
    assert first["kind"] == "panel_ready"
    assert first["read"] is False
    opened = own.get(f"/me/messages/{first['id']}")
    assert opened.status_code == 200
    assert "/me/panel" in opened.text
    assert 'id="unread-count"' not in opened.text  # read now
    assert client.get("/api/v1/me/messages", headers=api).json()["unread"] == 0

    # Pick, sign (both), then a meeting the volunteer logged, confirmed by the newcomer.
    chosen = client.post("/api/v1/me/panel/choice", headers=api,
                         json={"volunteer_id": volunteer.id})  # fmt: skip
    assert chosen.status_code == 201, chosen.text
    contract_id = chosen.json()["id"]
    kinds = [m["kind"] for m in client.get("/api/v1/me/messages", headers=api).json()["items"]]
    assert "please_sign" in kinds
    signed = client.post(f"/api/v1/contracts/{contract_id}/sign", headers=api,
                         json={"full_name": "Hodan Farah"})  # fmt: skip
    assert signed.status_code == 200, signed.text
    db.expire_all()
    vol_user = db.get(User, volunteer.user_id)
    assert vol_user is not None
    vol_api = bearer(client, vol_user.email or "")
    signed = client.post(f"/api/v1/contracts/{contract_id}/sign", headers=vol_api,
                         json={"full_name": "Ann Claes"})  # fmt: skip
    assert signed.status_code == 200, signed.text
    messages = client.get("/api/v1/me/messages", headers=api).json()["items"]
    assert "contract_active" in [m["kind"] for m in messages]
    # The "please sign" message is kept, marked out of date (she has signed).
    please = next(m for m in messages if m["kind"] == "please_sign")
    assert please["outdated"] is True
    detail = own.get(f"/me/messages/{please['id']}")
    assert 'id="outdated"' in detail.text

    today = utcnow().date()
    logged = client.post(f"/api/v1/contracts/{contract_id}/checkins", headers=vol_api,
                         json={"met_on": str(today), "minutes": 60, "activities": ["dutch"],
                               "note": "coffee"})  # fmt: skip
    assert logged.status_code == 201, logged.text
    confirmed = client.post(
        f"/api/v1/checkins/{logged.json()['id']}/confirm", headers=api, json={"happened": True}
    )
    assert confirmed.status_code == 200, confirmed.text

    # No email was ever queued for her; the volunteer got theirs.
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(OutboxEmail)
                     .where(OutboxEmail.to_email.is_(None))) == 0  # fmt: skip
    to_her = db.scalar(select(func.count()).select_from(InboxMessage)
                       .where(InboxMessage.user_id == newcomer.user_id))  # fmt: skip
    assert to_her
    assert to_her >= 3
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == db.scalar(
        select(func.count())
        .select_from(InboxMessage)
        .where(InboxMessage.user_id == volunteer.user_id)
    )  # every email of the volunteer is in their inbox too


def test_another_persons_message_is_not_found(app: Any, client: TestClient, db: Session) -> None:
    own = _phone_newcomer(app, client, db)
    other = make_newcomer(db, first_name="Zed")
    message = InboxMessage(user_id=other.user_id, dedupe_key="x:1", kind="panel_ready",
                           locale="en", subject="SECRETzq1", body_text="SECRETzq1",
                           body_html="<p>SECRETzq1</p>")  # fmt: skip
    db.add(message)
    db.commit()
    page = own.get(f"/me/messages/{message.id}")
    assert page.status_code == 404
    assert "SECRETzq1" not in page.text
    api = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", data={"username": "0470112233", "password": PASSWORD}
    ).json()["access_token"]}  # fmt: skip
    answer = client.get(f"/api/v1/me/messages/{message.id}", headers=api)
    assert answer.status_code == 404
    assert "SECRETzq1" not in answer.text
    db.expire_all()
    assert db.get(InboxMessage, message.id).read_at is None  # type: ignore[union-attr]


# --- SMS alerts --------------------------------------------------------------------------------


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    fail_next = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if type(self).fail_next:
            type(self).fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return
        type(self).received.append({**body, "auth": self.headers.get("Authorization")})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def gateway() -> Iterator[str]:
    _Gateway.received, _Gateway.fail_next = [], 0
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


def test_sms_alerts_through_the_gateway_never_twice(
    app: Any, client: TestClient, db: Session, settings: Settings, gateway: str
) -> None:
    own = _phone_newcomer(app, client, db)
    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    # No gateway: the choice is not offered, and nothing is queued.
    assert 'name="sms_alerts"' not in own.get("/me/messages").text
    settings.sms_url, settings.sms_token = gateway, "tok"
    page = own.get("/me/messages")
    assert 'name="sms_alerts"' in page.text
    r = own.post("/me/messages/alerts", data={"sms_alerts": "on",
                                              "csrftoken": own.cookies["csrftoken"]})  # fmt: skip
    assert r.status_code == 200
    db.expire_all()
    user = db.get(User, newcomer.user_id)
    assert user is not None
    assert user.sms_alerts is True
    user.locale = "nl"
    db.info["settings"] = settings
    make_volunteer(db)
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    alert = db.scalar(select(SmsAlert))
    assert alert is not None
    assert alert.to_phone == "+32470112233"
    assert "Welcome Buddy" in alert.body_text
    assert "/me/messages/" in alert.body_text

    factory = make_sessionmaker(db.get_bind())  # type: ignore[arg-type]
    _Gateway.fail_next = 1  # the gateway is down once: retried after the back-off
    report = sms.send_due_sms(factory, settings)
    assert (report.sent, report.retrying) == (0, 1)
    assert sms.send_due_sms(factory, settings).sent == 0  # not due yet
    later = utcnow() + timedelta(hours=2)
    assert sms.send_due_sms(factory, settings, now=later).sent == 1
    assert sms.send_due_sms(factory, settings, now=later + timedelta(hours=1)).sent == 0
    assert len(_Gateway.received) == 1
    sent = _Gateway.received[0]
    assert sent["to"] == "+32470112233"
    assert sent["auth"] == "Bearer tok"
    assert sent["from"] == settings.sms_sender
    assert "nieuw bericht" in sent["text"]  # in her language (Dutch here)
    db.expire_all()
    assert db.scalar(select(SmsAlert.status)) is SmsStatus.sent

    # An alert whose every attempt crashed (claimed, never settled) fails for good, unsent,
    # instead of being claimed forever — the same rule as the email outbox.
    alert = db.scalar(select(SmsAlert))
    assert alert is not None
    alert.status, alert.attempts, alert.next_attempt_at = SmsStatus.queued, 99, utcnow()
    db.commit()
    assert sms.send_due_sms(factory, settings, now=later + timedelta(days=1)).failed == 1
    assert len(_Gateway.received) == 1
    db.expire_all()
    assert db.scalar(select(SmsAlert.status)) is SmsStatus.failed


def test_no_sms_without_a_gateway(db: Session, settings: Settings) -> None:
    db.info["settings"] = settings
    newcomer = make_newcomer(db)
    newcomer.user.phone, newcomer.user.sms_alerts = "+32470999888", True
    make_volunteer(db)
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    assert db.scalar(select(func.count()).select_from(InboxMessage)) == 1
    assert db.scalar(select(func.count()).select_from(SmsAlert)) == 0
    factory = make_sessionmaker(db.get_bind())  # type: ignore[arg-type]
    assert sms.send_due_sms(factory, settings).sent == 0


def test_sms_needs_a_phone(db: Session) -> None:
    newcomer = make_newcomer(db)
    with pytest.raises(Invalid):
        inbox.set_sms_alerts(newcomer.user, True)


# --- staff: who cannot be reached, letters --------------------------------------------------


def test_staff_list_the_unreachable_and_print_a_letter(
    app: Any, client: TestClient, db: Session, settings: Settings
) -> None:
    _phone_newcomer(app, client, db)
    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Hodan"))
    assert newcomer is not None
    newcomer.user.locale = "ar"
    reachable = make_newcomer(db, first_name="Reachable")
    db.info["settings"] = settings
    make_volunteer(db, first_name="Ann")
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    page = client.get("/staff/unreachable")
    assert page.status_code == 200
    assert "Hodan" in page.text
    assert "Reachable" not in page.text
    assert reachable.user.email is not None
    file = client.get(f"/staff/people/{newcomer.id}")
    assert file.status_code == 200
    assert "No email address" in file.text
    assert "+32470112233" in file.text
    assert f'href="/staff/people/{newcomer.id}/messages"' in file.text
    listing = client.get(f"/staff/people/{newcomer.id}/messages")
    assert listing.status_code == 200
    message = db.scalar(select(InboxMessage).where(InboxMessage.user_id == newcomer.user_id))
    assert message is not None
    assert message.locale == "ar"
    pdf = client.get(f"/staff/people/{newcomer.id}/messages/{message.id}/letter.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Hodan Farah" in text
    # The letter is not the reading: the message stays unread for her.
    db.expire_all()
    assert db.get(InboxMessage, message.id).read_at is None  # type: ignore[union-attr]
    # Another person's message through this person's address: not found.
    other = client.get(f"/staff/people/{reachable.id}/messages/{message.id}/letter.pdf")
    assert other.status_code == 404


def test_queue_for_a_person_without_email_writes_no_outbox_row(
    db: Session, settings: Settings
) -> None:
    db.info["settings"] = settings
    newcomer = make_newcomer(db)
    newcomer.user.email = None
    db.flush()
    assert outbox.queue(db, user=newcomer.user, kind="ended_early", dedupe_key="e:1",
                        context={"name": "A", "buddy": "B", "newcomer": True,
                                 "url": "http://x/me"})  # fmt: skip
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert db.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_erasure_removes_the_phone_the_inbox_and_the_sms_alerts(
    db: Session, settings: Settings
) -> None:
    from app.privacy.erasure import erase

    db.info["settings"] = settings
    settings.sms_url = "http://127.0.0.1:9/unused"
    newcomer = make_newcomer(db, first_name="Hodan")
    newcomer.user.email, newcomer.user.phone, newcomer.user.sms_alerts = None, "+32470112233", True
    staff = make_staff(db)
    make_volunteer(db)
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    assert db.scalar(select(func.count()).select_from(SmsAlert)) == 1
    erase(db, newcomer, by=staff, city=settings.city)
    db.commit()
    db.expire_all()
    user = db.get(User, newcomer.user_id)
    assert user is not None
    assert user.phone is None
    assert user.sms_alerts is False
    assert db.scalar(select(func.count()).select_from(InboxMessage)) == 0
    assert db.scalar(select(func.count()).select_from(SmsAlert)) == 0
