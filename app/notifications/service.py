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

import base64
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.config import Cadence, Settings
from app.contracts.ics import ics_for
from app.contracts.models import Contract
from app.contracts.rules import local_date
from app.db import utcnow
from app.inbox import service as inbox
from app.matches.models import Panel, PanelStatus
from app.notifications.emails import render_email
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import Newcomer, Person

_outbox = cast(Table, OutboxEmail.__table__)
SETTINGS_KEY = "settings"


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes

    def stored(self) -> dict[str, str]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "data": base64.b64encode(self.data).decode("ascii"),
        }


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
    city = settings.city
    return user.locale if user.locale in city.locales else city.default_locale


# --- the one way in -------------------------------------------------------------------------


def _insert(session: Session, values: dict[str, Any]) -> bool:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(_outbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_outbox.c.id)  # a row back only if it was inserted (rowcount is unreliable)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


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
    rendered = render_email(
        kind,
        locale,
        {"city": settings.city.name, "base_url": settings.base_url.rstrip("/"), **context},
    )
    # Every message also lands in the inbox on /me: the one channel everyone has.
    in_inbox = inbox.deliver(
        session, settings, user=user, kind=kind, dedupe_key=dedupe_key, locale=locale,
        subject=rendered.subject, body_text=rendered.text, body_html=rendered.html, about=about,
    )  # fmt: skip
    if user.email is None:
        return in_inbox  # no address (registered at the desk with a phone): inbox only
    now = utcnow()
    return _insert(
        session,
        {
            "to_email": user.email,
            "locale": locale,
            "kind": kind,
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "attachments": [a.stored() for a in attachments],
            "about": about,
            "dedupe_key": dedupe_key[:200],
            "status": EmailStatus.queued.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


# --- hooks called by the matching and contract services ------------------------------------


def queue_panel_ready(session: Session, panel: Panel) -> bool:
    """ "Your buddy candidates are ready", to the panel's newcomer."""
    newcomer = session.get(Newcomer, panel.newcomer_id)
    candidates = [c for c in panel.candidates if c.withdrawn_at is None]
    if newcomer is None or not candidates:
        return False
    settings = settings_for(session)
    return queue(
        session,
        user=newcomer.user,
        kind="panel_ready",
        dedupe_key=f"panel_ready:{panel.id}",
        context={
            "name": newcomer.first_name,
            "count": len(candidates),
            "expires_on": local_date(panel.expires_at, settings.city.timezone),
            "url": link(settings, "/me/panel"),
        },
        about={"panel": panel.id},
    )


def queue_round_panels(session: Session, round_id: int) -> int:
    """ "Panel ready" for every open panel a matching round made."""
    panels = session.scalars(
        select(Panel)
        .where(Panel.round_id == round_id, Panel.status == PanelStatus.open)
        .order_by(Panel.id)
    ).all()
    return sum(queue_panel_ready(session, panel) for panel in panels)


def _pair(contract: Contract) -> tuple[tuple[str, Person, Person], ...]:
    """(side, recipient, their buddy) for both sides of a contract."""
    return (
        ("newcomer", contract.newcomer, contract.volunteer),
        ("volunteer", contract.volunteer, contract.newcomer),
    )


def _female(person: Person) -> bool:
    """Sentences about ``person`` take the feminine wording (``pgettext("feminine", …)``)."""
    return person.gender.value == "female"


def queue_contract_proposed(session: Session, contract: Contract) -> None:
    """The newcomer picked: "you were chosen — please sign" to the volunteer, "please sign"
    to the newcomer."""
    settings = settings_for(session)
    url = link(settings, f"/contracts/{contract.id}")
    queue(
        session, user=contract.volunteer.user, kind="chosen",
        dedupe_key=f"chosen:{contract.id}",
        context={"name": contract.volunteer.first_name,
                 "newcomer": contract.newcomer.first_name,
                 "newcomer_female": _female(contract.newcomer), "url": url},
        about={"contract": contract.id, "side": "volunteer"},
    )  # fmt: skip
    queue(
        session, user=contract.newcomer.user, kind="please_sign",
        dedupe_key=f"please_sign:{contract.id}",
        context={"name": contract.newcomer.first_name,
                 "volunteer": contract.volunteer.first_name,
                 "volunteer_female": _female(contract.volunteer), "url": url},
        about={"contract": contract.id, "side": "newcomer"},
    )  # fmt: skip


def queue_contract_declined(session: Session, contract: Contract, panel: Panel | None) -> bool:
    """The volunteer declined: the newcomer hears it and what happens next (never the
    volunteer's reason: the decline form promises that only the staff read it) —
    back to their candidates (``panel`` reopened) or the next matching round."""
    settings = settings_for(session)
    reopened = panel is not None and panel.status is PanelStatus.open
    return queue(
        session, user=contract.newcomer.user, kind="declined",
        dedupe_key=f"declined:{contract.id}",
        context={"name": contract.newcomer.first_name,
                 "volunteer": contract.volunteer.first_name,
                 "volunteer_female": _female(contract.volunteer),
                 "panel_until": local_date(panel.expires_at, settings.city.timezone)
                 if reopened and panel is not None else None,
                 "url": link(settings, "/me/panel" if reopened else "/me")},
    )  # fmt: skip


def queue_contract_ended_early(
    session: Session, contract: Contract, ended_by: User | None
) -> int:
    """Ended early: whoever did not end it themselves hears it (both, when staff ended it);
    the newcomer also hears that a new buddy will be looked for."""
    settings = settings_for(session)
    queued = 0
    for side, person, buddy in _pair(contract):
        if ended_by is not None and person.user_id == ended_by.id:
            continue
        queued += queue(
            session, user=person.user, kind="ended_early",
            dedupe_key=f"ended_early:{contract.id}:{side}",
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "newcomer": side == "newcomer", "url": link(settings, "/me")},
        )  # fmt: skip
    return queued


def queue_contract_active(session: Session, contract: Contract) -> None:
    """Both signed: "your buddy time has started" to both, with the meetings as an .ics file
    (its texts in each recipient's language)."""
    if contract.start_date is None or contract.end_date is None:
        return
    settings = settings_for(session)
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    for side, person, buddy in _pair(contract):
        locale = recipient_locale(person.user, settings)
        calendar = ics_for(contract, city=settings.city, locale=locale, host=host)
        queue(
            session, user=person.user, kind="contract_active",
            dedupe_key=f"active:{contract.id}:{side}",
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "start": contract.start_date, "end": contract.end_date,
                     "fortnightly": contract.cadence is Cadence.fortnightly,
                     "url": link(settings, f"/contracts/{contract.id}")},
            attachments=(Attachment(f"buddy-contract-{contract.id}.ics",
                                    "text/calendar; method=PUBLISH", calendar),),
            about={"contract": contract.id, "side": side},
        )  # fmt: skip


def queue_contract_completed(session: Session, contract: Contract) -> None:
    """The contract reached its end: thanks, the evaluation link to both, and the certificate
    link to the newcomer (the certificate is theirs: the hours count for civic integration)."""
    settings = settings_for(session)
    for side, person, buddy in _pair(contract):
        certificate = f"/contracts/{contract.id}/certificate.pdf" if side == "newcomer" else None
        queue(
            session, user=person.user, kind="completed",
            dedupe_key=f"completed:{contract.id}:{side}",
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "evaluation_url": link(settings, f"/contracts/{contract.id}/evaluation"),
                     "certificate_url": link(settings, certificate) if certificate else None},
        )  # fmt: skip


# --- used by the periodic reminders ----------------------------------------------------------


def queue_silence_reminder(
    session: Session, contract: Contract, kind: str, gap_start: int, since: date
) -> int:
    """``nomeet1`` (the volunteer only) or ``nomeet2`` (both) for the silence that began with
    period ``gap_start`` (on ``since``)."""
    settings = settings_for(session)
    url = link(settings, f"/contracts/{contract.id}/meetings/new")
    queued = 0
    for side, person, buddy in _pair(contract):
        if kind == "nomeet1" and side != "volunteer":
            continue
        key = (
            f"nomeet1:{contract.id}:{gap_start}"
            if kind == "nomeet1"
            else f"nomeet2:{contract.id}:{gap_start}:{side}"
        )
        queued += queue(
            session, user=person.user, kind=kind, dedupe_key=key,
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "since": since, "url": url},
            about={"contract": contract.id, "side": side, "since": since.isoformat()},
        )  # fmt: skip
    return queued


def queue_ending_soon(session: Session, contract: Contract) -> int:
    if contract.end_date is None:
        return 0
    settings = settings_for(session)
    # An extended contract ends again later: that end gets its own reminder.
    again = f":{contract.end_date.isoformat()}" if contract.extended_months else ""
    # The reminder opens the extension's window: say so while one is still possible.
    offer = 0 if contract.extended_months else settings.city.extension_months
    queued = 0
    for side, person, buddy in _pair(contract):
        queued += queue(
            session, user=person.user, kind="ending_soon",
            dedupe_key=f"ending:{contract.id}:{side}{again}",
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "end": contract.end_date, "extension_months": offer,
                     "url": link(settings, f"/contracts/{contract.id}/meetings"),
                     "contract_url": link(settings, f"/contracts/{contract.id}#extension")},
            about={"contract": contract.id, "side": side, "end": contract.end_date.isoformat()},
        )  # fmt: skip
    return queued
