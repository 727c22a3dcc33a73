"""The emails (and inbox messages) of a contract's extension: the other side hears of a
proposal; once it is accepted both get the new end date with the updated calendar file (the
acceptor's calendar needs the later end too). Kept apart from contract_mail.py, which holds the
hooks of the contract's first six months."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.contracts.ics import ics_for
from app.contracts.models import Contract
from app.notifications.service import (
    Attachment,
    link,
    queue,
    recipient_locale,
    settings_for,
)


def queue_extension_proposed(session: Session, contract: Contract) -> bool:
    """ "<buddy> proposes to go on for three more months", to the side that did not propose.
    Keyed by the proposal's moment: a proposal made again after a "no" is news again."""
    proposer, proposed_at = contract.extension_proposed_by, contract.extension_proposed_at
    if proposer is None or proposed_at is None:
        return False
    settings = settings_for(session)
    person, buddy = (
        (contract.volunteer, contract.newcomer)
        if proposer == "newcomer"
        else (contract.newcomer, contract.volunteer)
    )
    side = "volunteer" if proposer == "newcomer" else "newcomer"
    return queue(
        session, user=person.user, kind="extension_proposed",
        dedupe_key=f"extension_proposed:{contract.id}:{proposed_at.isoformat()}",
        context={"name": person.first_name, "buddy": buddy.first_name,
                 "female": buddy.gender.value == "female",
                 "months": settings.city.extension_months, "end": contract.end_date,
                 "url": link(settings, f"/contracts/{contract.id}#extension")},
        about={"contract": contract.id, "side": side,
               "proposed_at": proposed_at.isoformat()},
    )  # fmt: skip


def queue_extension_agreed(session: Session, contract: Contract) -> int:
    """Both signed the extension: the new end date to both, with the updated .ics."""
    if contract.end_date is None or not contract.extended_months:
        return 0
    settings = settings_for(session)
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    queued = 0
    for side, person, buddy in (
        ("newcomer", contract.newcomer, contract.volunteer),
        ("volunteer", contract.volunteer, contract.newcomer),
    ):
        locale = recipient_locale(person.user, settings)
        calendar = ics_for(contract, city=settings.city, locale=locale, host=host)
        queued += queue(
            session, user=person.user, kind="extension_agreed",
            dedupe_key=f"extension_agreed:{contract.id}:{side}",
            context={"name": person.first_name, "buddy": buddy.first_name,
                     "months": contract.extended_months, "end": contract.end_date,
                     "url": link(settings, f"/contracts/{contract.id}")},
            attachments=(Attachment(f"buddy-contract-{contract.id}.ics",
                                    "text/calendar; method=PUBLISH", calendar),),
            about={"contract": contract.id, "side": side},
        )  # fmt: skip
    return queued
