"""Queueing many messages at once (a matching round's "panel ready"): the same messages, the same
recipients, the same inbox entries and SMS alerts as queueing them one by one (issue #13)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.rules import local_date
from app.inbox.models import InboxMessage, SmsAlert
from app.matches import service as matches
from app.matches.models import Panel
from app.notifications import emails, service
from app.notifications.emails import render_each, render_email
from app.notifications.models import OutboxEmail
from app.people.models import Newcomer
from tests.factories import make_newcomer, make_volunteer

NAMES = (
    "Amina", "Abdul Rahman", "A B", "<b>Tom & 'Jerry'</b>", "X" * 80, "Jean-Pierre", "ن",
    "Anna  Maria", " Leading", "Nb\u00a0space", "Ἀλέξανδρος", "%(name)s", "{{ name }}",
    "Mohammed Abdelkader Benali El Idrissi Al Hassani Ben Youssef", ("Ab " * 24).strip(),
    *("W" * k for k in range(1, 80, 7)),
)  # fmt: skip


@pytest.mark.parametrize("locale", Settings().city.locales)
def test_rendering_once_per_language_gives_what_rendering_each_gives(locale: str) -> None:
    """Names that wrap, escape or collapse differently included (those are rendered in full)."""
    for count in (1, 2, 5):
        contexts = [
            {"city": "Mechelen", "base_url": "http://x", "name": name, "count": count,
             "expires_on": date(2026, 12, 16), "url": "http://x/me/panel"}
            for name in NAMES
        ]  # fmt: skip
        each = render_each("panel_ready", locale, contexts, ("name",))
        assert each == [render_email("panel_ready", locale, c) for c in contexts]


def test_a_template_that_changes_the_name_is_rendered_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a template ever pass the name through a filter, putting it in afterwards would
    be wrong: the first message is checked against a full rendering."""
    real = emails._render

    def shouting(kind: str, locale: str, context: dict[str, Any]) -> emails.Rendered:
        return real(kind, locale, {**context, "name": str(context["name"]).upper()})

    monkeypatch.setattr(emails, "_render", shouting)
    contexts = [
        {"city": "Mechelen", "base_url": "http://x", "name": name, "count": 2,
         "expires_on": date(2026, 12, 16), "url": "http://x/me/panel"}
        for name in ("Amina", "Hodan")
    ]  # fmt: skip
    each = render_each("panel_ready", "nl", contexts, ("name",))
    assert each == [render_email("panel_ready", "nl", c) for c in contexts]
    assert "AMINA" in each[0].text


def test_a_rounds_messages_are_those_queued_one_by_one(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.info["settings"] = settings
    monkeypatch.setattr(settings, "sms_url", "http://127.0.0.1:9/unused")
    mailed = make_newcomer(db, first_name="Amina")
    mailed.user.locale = "nl"
    phone = make_newcomer(db, first_name="Hodan")
    phone.user.email, phone.user.phone, phone.user.sms_alerts = None, "+32470112233", True
    phone.user.locale = "ar"
    elsewhere = make_newcomer(db, first_name="Jean  Luc")  # collapsed in the text part
    elsewhere.user.locale = "xx"  # not a city language: the city's default
    gone = make_newcomer(db, first_name="Gone")
    gone.user.is_active = False  # deactivated: a panel, but no message
    for _ in range(12):
        make_volunteer(db)
    db.commit()

    record = matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    panels = list(db.scalars(select(Panel).where(Panel.round_id == record.id)
                             .order_by(Panel.id)))  # fmt: skip
    assert len(panels) == 4
    inbox = list(db.scalars(select(InboxMessage).order_by(InboxMessage.id)))
    emails = list(db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    expected_inbox, expected_emails = [], []
    for panel in panels:
        newcomer = db.get(Newcomer, panel.newcomer_id)
        assert newcomer is not None
        if newcomer is gone:
            continue
        locale = service.recipient_locale(newcomer.user, settings)
        rendered = render_email("panel_ready", locale, {
            "city": settings.city.name, "base_url": settings.base_url.rstrip("/"),
            "name": newcomer.first_name, "count": len(panel.candidates),
            "expires_on": local_date(panel.expires_at, settings.city.timezone),
            "url": settings.base_url.rstrip("/") + "/me/panel",
        })  # fmt: skip
        key = f"panel_ready:{panel.id}"
        row = (newcomer.user_id, key, locale, rendered.subject, rendered.text, rendered.html,
               {"panel": panel.id})  # fmt: skip
        expected_inbox.append(row)
        if newcomer.user.email is not None:
            expected_emails.append((newcomer.user.email, *row[1:]))
    assert [(m.user_id, m.dedupe_key, m.locale, m.subject, m.body_text, m.body_html, m.about)
            for m in inbox] == expected_inbox  # fmt: skip
    assert [(m.to_email, m.dedupe_key, m.locale, m.subject, m.body_text, m.body_html, m.about)
            for m in emails] == expected_emails  # fmt: skip
    jean = next(m for m in inbox if m.user_id == elsewhere.user_id)
    assert "Jean Luc" in jean.body_text
    assert "Jean  Luc" in jean.body_html
    assert jean.locale == settings.city.default_locale
    alerts = list(db.scalars(select(SmsAlert)))
    hodan = next(m for m in inbox if m.user_id == phone.user_id)
    assert [(a.message_id, a.to_phone) for a in alerts] == [(hodan.id, "+32470112233")]
    assert f"/me/messages/{hodan.id}" in alerts[0].body_text

    # Queued once: asking again adds nothing.
    assert service.queue_round_panels(db, record.id) == 0
    assert db.scalar(select(func.count()).select_from(InboxMessage)) == 3
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 2
    assert db.scalar(select(func.count()).select_from(SmsAlert)) == 1
