"""What the staff pages read: the programme at a glance, one person with their history.

Decisions (vetting, intake, registering a newcomer at the desk) are not made here: the pages
call the people service for those, which validates and writes the audit entries.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.audit.service import entries_for
from app.auth.models import User
from app.contracts.models import LIVE_STATUSES, Contract
from app.errors import NotFound
from app.i18n.catalog import N_
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand
# (no 0/o, 1/l/i): a newcomer at the welcome desk writes this password down from the screen.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Overview:
    volunteers_pending: int
    newcomers_pending: int
    volunteers_approved: int
    newcomers_waiting: int


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    action: str
    actor_email: str | None
    detail: dict[str, Any]


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def overview(session: Session) -> Overview:
    """The counts on the staff home page. "Waiting" newcomers have passed intake and have no
    live (pending or active) contract: they are the ones the next matching round is for."""
    live_contract = exists().where(
        Contract.newcomer_id == Newcomer.id, Contract.status.in_(LIVE_STATUSES)
    )
    return Overview(
        volunteers_pending=_count(
            session, select(Volunteer.id).where(Volunteer.vetting_status == VettingStatus.pending)
        ),
        newcomers_pending=_count(
            session, select(Newcomer.id).where(Newcomer.intake_status == IntakeStatus.pending)
        ),
        volunteers_approved=_count(
            session, select(Volunteer.id).where(Volunteer.vetting_status == VettingStatus.approved)
        ),
        newcomers_waiting=_count(
            session,
            select(Newcomer.id).where(
                Newcomer.intake_status == IntakeStatus.approved, ~live_contract
            ),
        ),
    )


def get_person(session: Session, person_id: int) -> Person:
    """A newcomer or a volunteer (loaded as its own class)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("No such person."))
    return person


QUIET_ACTIONS = frozenset({"privacy.file_read", "privacy.exported"})


def history(session: Session, person: Person) -> list[HistoryItem]:
    """Staff actions on this person, oldest first, with who did them."""
    # Reads of the file are audited too, but listing them here would bury the decisions.
    entries = [
        e for e in entries_for(session, person.kind.value, person.id)
        if e.action not in QUIET_ACTIONS
    ]
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    emails: dict[int, str] = {}
    if actor_ids:
        rows = session.execute(select(User.id, User.email).where(User.id.in_(actor_ids)))
        emails = dict(rows.all())
    return [
        HistoryItem(
            at=e.created_at,
            action=e.action,
            actor_email=emails.get(e.actor_id) if e.actor_id is not None else None,
            detail=e.full_detail,
        )
        for e in entries
    ]


def generate_password(groups: int = 3, size: int = 4) -> str:
    """An initial password like ``k7mq-3xtp-9hwa``: strong enough, easy to copy by hand."""
    return "-".join(
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(size)) for _ in range(groups)
    )
