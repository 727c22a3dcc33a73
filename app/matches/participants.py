"""Who takes part in a matching round: the newcomers waiting for a panel, the volunteers who
can be proposed, how often each is already proposed, and the pairs not to propose again; and
each person as the matching engine's input.

Re-exported by ``app.matches.service``, which is the module the rest of the app imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.contracts.models import Contract
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.people.interests import matching_keys
from app.people.models import Newcomer, PersonLanguage, VettingStatus, Volunteer
from app.programme.states import NewcomerState, newcomers_in

if TYPE_CHECKING:
    import matching

# A newcomer who turned a panel down is not shown the same volunteers again for a while.
DECLINED_PANEL_MEMORY = timedelta(days=90)
_IN_CHUNK = 1000  # ids per IN (…): well under every backend's limit of parameters


def open_panel_filter(now: datetime) -> Any:
    return and_(Panel.status == PanelStatus.open, Panel.expires_at > now)


@dataclass(frozen=True)
class Profile:
    """What the matching engine needs of one person, read as plain rows: a round reads
    thousands of people, and ORM objects (with their accounts and languages) cost more to
    build — and to garbage-collect — than the rest of collecting them."""

    id: int
    languages: dict[str, str]  # code → level
    availability: list[str]
    lat: float
    lon: float
    gender: str
    buddy_gender: str
    interests: list[str]
    goals: list[str]
    neighbourhood: str | None = None
    civic_integration: bool = False  # newcomers
    waiting_since: datetime | None = None  # newcomers
    free_places: int = 0  # volunteers: max_buddies − committed_buddies
    open_panels: int = 0  # volunteers: their exposure

    @classmethod
    def of(cls, person: Newcomer | Volunteer, open_panels: int = 0) -> Profile:
        """The same, from a loaded person."""
        newcomer = person if isinstance(person, Newcomer) else None
        volunteer = person if isinstance(person, Volunteer) else None
        return cls(
            id=person.id,
            languages={lang.code: lang.level.value for lang in person.languages},
            availability=list(person.availability),
            lat=person.lat,
            lon=person.lon,
            gender=person.gender.value,
            buddy_gender=person.buddy_gender.value,
            interests=list(person.interests),
            goals=list(person.goals),
            neighbourhood=person.neighbourhood,
            civic_integration=newcomer.civic_integration if newcomer else False,
            waiting_since=newcomer.waiting_since if newcomer else None,
            free_places=volunteer.max_buddies - volunteer.committed_buddies if volunteer else 0,
            open_panels=open_panels,
        )


_WAITING_ORDER = (Newcomer.civic_integration.desc(), Newcomer.waiting_since, Newcomer.id)


def _columns(side: type[Newcomer | Volunteer]) -> tuple[Any, ...]:
    return (side.id, side.availability, side.lat, side.lon, side.gender, side.buddy_gender,
            side.interests, side.goals, side.neighbourhood)  # fmt: skip


def _proposable() -> ColumnElement[bool]:
    return and_(
        Volunteer.vetting_status == VettingStatus.approved,
        Volunteer.committed_buddies < Volunteer.max_buddies,
    )


def waiting_newcomers(session: Session, now: datetime) -> list[Newcomer]:
    """Newcomers in the programme state ``waiting_for_round`` (app/programme/states.py):
    approved, no pending, active or completed contract, no open panel."""
    stmt = (
        select(Newcomer)
        .where(newcomers_in(NewcomerState.waiting_for_round, now))
        .order_by(*_WAITING_ORDER)
    )
    return list(session.scalars(stmt))


def waiting_profiles(session: Session, now: datetime) -> list[Profile]:
    """``waiting_newcomers`` as profiles, in the same order: two queries, no ORM objects."""
    rows = session.execute(
        select(*_columns(Newcomer), Newcomer.civic_integration, Newcomer.waiting_since)
        .where(newcomers_in(NewcomerState.waiting_for_round, now))
        .order_by(*_WAITING_ORDER)
    ).all()
    languages = _languages(session, [row[0] for row in rows])
    return [
        Profile(pid, languages.get(pid, {}), avail, lat, lon, _value(g), _value(bg),
                interests, goals, hood, civic_integration=civic, waiting_since=since)
        for pid, avail, lat, lon, g, bg, interests, goals, hood, civic, since in rows
    ]  # fmt: skip


def exposure(session: Session, now: datetime) -> dict[int, int]:
    """Open panels each volunteer currently appears in (and can still be picked from)."""
    stmt = (
        select(PanelCandidate.volunteer_id, func.count())
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(open_panel_filter(now), PanelCandidate.withdrawn_at.is_(None))
        .group_by(PanelCandidate.volunteer_id)
    )
    return {vid: int(n) for vid, n in session.execute(stmt).all()}


def available_volunteers(
    session: Session, city: CityProfile, now: datetime
) -> list[tuple[Volunteer, int]]:
    """Approved, not paused volunteers with a free place and exposure below the city's limit,
    each with their current exposure."""
    shown = exposure(session, now)
    stmt = select(Volunteer).where(_proposable()).order_by(Volunteer.id)
    return [
        (v, shown.get(v.id, 0))
        for v in session.scalars(stmt)
        if shown.get(v.id, 0) < city.max_open_panels
    ]


def available_profiles(session: Session, city: CityProfile, now: datetime) -> list[Profile]:
    """``available_volunteers`` as profiles (exposure in ``open_panels``): no ORM objects."""
    shown = exposure(session, now)
    rows = [
        row
        for row in session.execute(
            select(*_columns(Volunteer), Volunteer.max_buddies - Volunteer.committed_buddies)
            .where(_proposable())
            .order_by(Volunteer.id)
        )
        if shown.get(row[0], 0) < city.max_open_panels
    ]
    languages = _languages(session, [row[0] for row in rows])
    return [
        Profile(pid, languages.get(pid, {}), avail, lat, lon, _value(g), _value(bg),
                interests, goals, hood, free_places=free, open_panels=shown.get(pid, 0))
        for pid, avail, lat, lon, g, bg, interests, goals, hood, free in rows
    ]  # fmt: skip


def _languages(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        stmt = (
            select(PersonLanguage.person_id, PersonLanguage.code, PersonLanguage.level)
            .where(PersonLanguage.person_id.in_(ids[start : start + _IN_CHUNK]))
            .order_by(PersonLanguage.person_id, PersonLanguage.code)
        )
        for pid, code, level in session.execute(stmt):
            out.setdefault(pid, {})[code] = _value(level)
    return out


def _value(member: Any) -> str:
    return str(getattr(member, "value", member))


def excluded_pairs(session: Session, now: datetime) -> set[tuple[int, int]]:
    """Pairs never to propose again: any earlier contract of the two (declined, ended early,
    completed …), and the volunteers of a panel the newcomer declined recently."""
    earlier = select(Contract.newcomer_id, Contract.volunteer_id)
    pairs: set[tuple[int, int]] = {(n, v) for n, v in session.execute(earlier)}
    declined = (
        select(Panel.newcomer_id, PanelCandidate.volunteer_id)
        .join(PanelCandidate, PanelCandidate.panel_id == Panel.id)
        .where(
            Panel.status == PanelStatus.declined,
            or_(Panel.closed_at.is_(None), Panel.closed_at > now - DECLINED_PANEL_MEMORY),
        )
    )
    pairs.update((n, v) for n, v in session.execute(declined))
    return pairs


# --- the engine's input ----------------------------------------------------------------


def to_engine_newcomer(n: Newcomer | Profile, now: datetime) -> matching.Newcomer:
    import matching  # lazily: SciPy loads only when a round runs

    p = n if isinstance(n, Profile) else Profile.of(n)
    assert p.waiting_since is not None, "a newcomer's profile"
    return matching.Newcomer(
        id=p.id,
        languages=p.languages,
        availability=set(p.availability),
        lat=p.lat,
        lon=p.lon,
        gender=p.gender,
        buddy_gender=p.buddy_gender,
        interests=matching_keys(p.interests, p.goals),
        priority=p.civic_integration,
        waiting_days=max(0, (now - p.waiting_since).days),
        area=p.neighbourhood,
    )


def to_engine_volunteer(v: Volunteer | Profile, open_panels: int | None = None
                        ) -> matching.Volunteer:
    """``open_panels``: for a loaded volunteer, their exposure (a profile carries it)."""
    import matching  # lazily: SciPy loads only when a round runs

    p = v if isinstance(v, Profile) else Profile.of(v, open_panels or 0)
    return matching.Volunteer(
        id=p.id,
        languages=p.languages,
        availability=set(p.availability),
        lat=p.lat,
        lon=p.lon,
        gender=p.gender,
        buddy_gender=p.buddy_gender,
        interests=matching_keys(p.interests, p.goals),
        open_panels=p.open_panels,
        free_capacity=max(0, p.free_places),
    )
