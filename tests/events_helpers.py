"""Builders shared by the events tests: panels made directly, and a speed-dating session."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.db import utcnow
from app.events.models import Event, EventKind
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.people.models import Newcomer, Volunteer


def make_panel(db: Session, newcomer: Newcomer, volunteers: list[Volunteer],
               expires_in: timedelta = timedelta(days=3)) -> Panel:
    panel = Panel(round=MatchingRound(), newcomer_id=newcomer.id, status=PanelStatus.open,
                  expires_at=utcnow() + expires_in, decline_reason="")
    panel.candidates = [PanelCandidate(volunteer_id=v.id, rank=i + 1, score=0.5, reasons={},
                                       distance_km=1.0) for i, v in enumerate(volunteers)]
    db.add(panel)
    db.flush()
    return panel


def make_event(db: Session, kind: EventKind = EventKind.speed_dating, *,
               starts_at: datetime | None = None, **fields: object) -> Event:
    start = starts_at or utcnow() + timedelta(days=10)
    values: dict[str, object] = {"title": "Evening", "place": "City hall", "slot_minutes": 10,
                                 "languages": []}
    values.update(fields)
    event = Event(kind=kind, starts_at=start, ends_at=start + timedelta(hours=2), **values)
    db.add(event)
    db.flush()
    return event
