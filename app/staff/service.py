"""What the staff pages read: the programme at a glance, one person with their history.

Decisions (vetting, intake, registering a newcomer at the desk) are not made here: the pages
call the people service for those, which validates and writes the audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import entries_for
from app.auth.models import User
from app.db import utcnow
from app.errors import NotFound
from app.i18n.catalog import N_
from app.people.models import Person
from app.programme.counts import newcomer_counts, volunteer_counts
from app.programme.states import NewcomerState, VolunteerState

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand
# (no 0/o, 1/l/i): a newcomer at the welcome desk writes this password down from the screen.


@dataclass(frozen=True)
class Overview:
    newcomers: dict[NewcomerState, int]
    volunteers: dict[VolunteerState, int]

    @property
    def volunteers_pending(self) -> int:
        return self.volunteers[VolunteerState.waiting_for_screening]

    @property
    def newcomers_pending(self) -> int:
        return self.newcomers[NewcomerState.waiting_for_intake]

    @property
    def volunteers_approved(self) -> int:
        """Approved and not paused: available, proposed or full."""
        v = self.volunteers
        return v[VolunteerState.available] + v[VolunteerState.proposed] + v[VolunteerState.full]

    @property
    def newcomers_waiting(self) -> int:
        return self.newcomers[NewcomerState.waiting_for_round]


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    action: str
    actor_email: str | None
    detail: dict[str, Any]


def overview(session: Session, now: datetime | None = None) -> Overview:
    """The counts on the staff home page: everyone by programme state
    (app/programme/states.py), the same numbers the dashboard and the rounds page show."""
    now = now or utcnow()
    return Overview(newcomer_counts(session, now), volunteer_counts(session, now))


def get_person(session: Session, person_id: int) -> Person:
    """A newcomer or a volunteer (loaded as its own class)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("No such person."))
    return person


QUIET_ACTIONS = frozenset({"privacy.file_read", "privacy.exported", "inbox.read_by_staff"})


def history(session: Session, person: Person) -> list[HistoryItem]:
    """Staff actions on this person, oldest first, with who did them."""
    # Reads of the file are audited too, but listing them here would bury the decisions.
    entries = [
        e for e in entries_for(session, person.kind.value, person.id)
        if e.action not in QUIET_ACTIONS
    ]
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    emails: dict[int, str | None] = {}
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
