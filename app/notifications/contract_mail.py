"""The emails (and inbox messages) of a contract's first six months: the pick ("you were
chosen" / "please sign"), a volunteer's no, the start with its calendar file, an early end, the
completion, and the reminders of a silent or ending pair. Each goes through ``service.queue``:
one message per person and event, re-checked against the current state when it is sent
(relevance.py). The extension's messages are in extensions.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import Cadence
from app.contracts.ics import ics_for
from app.contracts.models import Contract
from app.contracts.rules import local_date
from app.matches.models import Panel, PanelStatus
from app.notifications.service import Attachment, link, queue, recipient_locale, settings_for
from app.people.models import Person


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
