"""Queueing email in the outbox, inside the caller's transaction.

Other domains call the ``queue_*`` hooks from their own service functions (a round made panels,
a newcomer picked, a contract became active or completed); the periodic reminders are queued by
``reminders.py`` from ``buddy tick``. A row is written in the same transaction as the event that
causes it, so an email exists exactly when its event was committed. ``dedupe_key`` is unique and
the insert is ``ON CONFLICT DO NOTHING``: queueing the same message twice — two ticks, two
workers racing — is a no-op, and never aborts the caller's transaction.

Links are absolute, built from ``settings.base_url``. The settings come from the session
(``bind_settings`` puts the application's settings in every session's ``info``), else from the
environment, as the CLI reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.config import Settings
from app.contracts.rules import local_date
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.notifications.batch import Attachment as Attachment
from app.notifications.batch import Outgoing, Recipient, put, queued_keys, reader_locale
from app.notifications.emails import Rendered, render_each, render_email
from app.notifications.models import OutboxEmail
from app.people.models import Person

SETTINGS_KEY = "settings"


# --- settings and recipients ----------------------------------------------------------------


def bind_settings(factory: sessionmaker[Session], settings: Settings) -> None:
    """Make ``settings`` reachable from every session of ``factory`` (for links in emails)."""
    factory.configure(info={SETTINGS_KEY: settings})


@cache
def _environment_settings() -> Settings:
    return Settings()


def settings_for(session: Session) -> Settings:
    found = session.info.get(SETTINGS_KEY)
    return found if isinstance(found, Settings) else _environment_settings()


def link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def recipient_locale(user: User, settings: Settings) -> str:
    return reader_locale(user.locale, settings)


# --- the one way in -------------------------------------------------------------------------


def is_queued(session: Session, dedupe_key: str) -> bool:
    found = session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key))
    return found is not None


def queue(
    session: Session,
    *,
    user: User,
    kind: str,
    dedupe_key: str,
    context: dict[str, Any],
    attachments: tuple[Attachment, ...] = (),
    about: dict[str, Any] | None = None,
) -> bool:
    """Render ``kind`` in the recipient's language and add it to the outbox, once per
    ``dedupe_key``, and put it in their inbox (``app.inbox.service.deliver``; a person without
    an email address gets the inbox message only). Returns whether a new message was queued.
    Deactivated accounts get none.
    ``about`` names what the message is about, for the check of ``kind`` in relevance.py when
    it is sent (none: sent as it is)."""
    if not user.is_active or is_queued(session, dedupe_key):
        return False
    settings = settings_for(session)
    locale = recipient_locale(user, settings)
    rendered = render_email(kind, locale, _with_city(settings, context))
    message = Outgoing(Recipient.of(user), dedupe_key, context, about, attachments)
    return put(session, settings, kind, [(message, locale, rendered)]) == 1


def queue_many(
    session: Session, kind: str, messages: Sequence[Outgoing], personal: tuple[str, ...] = ()
) -> int:
    """``queue`` for many messages of one ``kind``: one query for what is queued already, each
    template rendered once per language and shared context (``emails.render_each``, with the
    ``personal`` context values put in per recipient), one INSERT per table. Returns how many
    were new."""
    settings = settings_for(session)
    live: dict[str, Outgoing] = {}
    for message in messages:  # of two with the same key the first wins, as one by one
        if message.to.is_active:
            live.setdefault(message.dedupe_key, message)
    for key in queued_keys(session, list(live)):
        del live[key]
    by_locale: dict[str, list[Outgoing]] = {}
    for message in live.values():
        by_locale.setdefault(reader_locale(message.to.locale, settings), []).append(message)
    rendered: dict[str, tuple[str, Rendered]] = {}
    for locale, group in by_locale.items():
        contexts = [_with_city(settings, m.context) for m in group]
        for m, r in zip(group, render_each(kind, locale, contexts, personal), strict=True):
            rendered[m.dedupe_key] = (locale, r)
    # Stored in the order given (the ids follow it), whatever the languages.
    return put(session, settings, kind, [(m, *rendered[key]) for key, m in live.items()])


def _with_city(settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    return {"city": settings.city.name, "base_url": settings.base_url.rstrip("/"), **context}


# --- hooks called by the matching and contract services ------------------------------------


def queue_panel_ready(session: Session, panel: Panel) -> bool:
    """ "Your buddy candidates are ready", to the panel's newcomer."""
    return _queue_panels_ready(session, Panel.id == panel.id) == 1


def queue_round_panels(session: Session, round_id: int) -> int:
    """ "Panel ready" for every open panel a matching round made: one query for the panels
    and their newcomers' accounts, then ``queue_many``."""
    return _queue_panels_ready(
        session, and_(Panel.round_id == round_id, Panel.status == PanelStatus.open)
    )


def _queue_panels_ready(session: Session, which: ColumnElement[bool]) -> int:
    settings = settings_for(session)
    live = (
        select(func.count())
        .where(PanelCandidate.panel_id == Panel.id, PanelCandidate.withdrawn_at.is_(None))
        .correlate(Panel)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Panel.id, Panel.expires_at, Person.first_name, live, User.id, User.email,
               User.locale, User.phone, User.sms_alerts, User.is_active)
        .join(Person, Person.id == Panel.newcomer_id)
        .join(User, User.id == Person.user_id)
        .where(which)
        .order_by(Panel.id)
    )  # fmt: skip
    url = link(settings, "/me/panel")
    messages = [
        Outgoing(
            Recipient(user_id, email, locale, phone, sms, active),
            f"panel_ready:{panel_id}",
            {"name": name, "count": count,
             "expires_on": local_date(expires_at, settings.city.timezone), "url": url},
            about={"panel": panel_id},
        )
        for panel_id, expires_at, name, count, user_id, email, locale, phone, sms, active in rows
        if count  # no candidate left: nothing to choose from
    ]
    return queue_many(session, "panel_ready", messages, personal=("name",))
