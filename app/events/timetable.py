"""The evening of a speed-dating session: who sits at which table in which round.

Built from the invitations of people who said yes and have a seat: every attending newcomer
meets every attending volunteer still on their panel, in the fewest rounds the tables allow
(``matching.build_timetable`` through ``app.matches.service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.errors import Conflict
from app.events.models import Event, EventKind
from app.i18n.catalog import N_
from app.matches import service as matches
from app.matches.models import PanelCandidate
from app.people.models import Newcomer, Volunteer


@dataclass(frozen=True)
class Seat:
    table: int
    newcomer_id: int
    volunteer_id: int
    interpreter: bool
    newcomer_name: str
    volunteer_name: str
    languages: tuple[str, ...]  # the newcomer's languages an interpreter of the event speaks
    newcomer_first: str  # what the other side sees on /me: first names only
    volunteer_first: str


@dataclass(frozen=True)
class Round:
    number: int
    starts_at: datetime
    seats: list[Seat]


def build(session: Session, event: Event, city: CityProfile) -> list[Round]:
    if event.kind is not EventKind.speed_dating:
        raise Conflict(N_("Only a speed-dating session has a timetable."))
    seated = [i for i in event.invitations if i.attending and not i.waitlisted]
    people = {i.person_id for i in seated}
    panels = {i.panel_id: i.person_id for i in seated if i.panel_id is not None}
    pairs = [
        (panels[c.panel_id], c.volunteer_id)
        for c in session.scalars(select(PanelCandidate).where(
            PanelCandidate.panel_id.in_(list(panels)), PanelCandidate.withdrawn_at.is_(None)))
        if c.volunteer_id in people
    ]
    newcomers = {n.id: n for n in session.scalars(
        select(Newcomer).where(Newcomer.id.in_([n for n, _ in pairs])))}
    volunteers = {v.id: v for v in session.scalars(
        select(Volunteer).where(Volunteer.id.in_([v for _, v in pairs])))}
    rounds = []
    for r, conversations in enumerate(matches.session_timetable(pairs, event.table_count)):
        seats = []
        for c in conversations:
            n, v = newcomers[int(c.newcomer)], volunteers[int(c.volunteer)]
            need = matches.interpreter_needed(n, v, city)
            offered = tuple(lang.code for lang in n.languages if lang.code in event.languages)
            seats.append(Seat(c.table, n.id, v.id, need, n.display_name, v.display_name,
                              offered if need else (), n.first_name, v.first_name))
        rounds.append(Round(r + 1, event.starts_at + timedelta(minutes=r * event.slot_minutes),
                            seats))
    return rounds


def conversations_of(rounds: list[Round], person_id: int) -> list[tuple[Round, Seat]]:
    """One person's own list: (round, seat) in order."""
    return [(r, s) for r in rounds for s in r.seats
            if person_id in (s.newcomer_id, s.volunteer_id)]
