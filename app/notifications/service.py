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
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.config import Cadence, Settings
from app.contracts.ics import ics_for
from app.contracts.models import Contract
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
