"""The demo logins (one newcomer, one volunteer) are people the history and the current
matching round can use: whoever tries the demo finds a buddy, meetings and a full panel."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.config import CityProfile
from app.demo import data
from app.people.vocabulary import SLOTS, BuddyGender, Goal, Level

if TYPE_CHECKING:
    from app.demo.generate import DemoPerson


def _central(city: CityProfile) -> dict[str, object]:
    centre = city.nearest_neighbourhood(city.center.lat, city.center.lon)
    return {"neighbourhood": centre.id}


def suitable_newcomer(person: DemoPerson, city: CityProfile) -> DemoPerson:
    """The demo newcomer login is someone many volunteers can be proposed to (central, free
    most afternoons and evenings, no gender wish, in civic integration): the current round
    then shows a full panel of candidates to whoever tries the demo."""
    evenings = [f"{d}-{p}" for d in data.WEEKDAYS for p in ("afternoon", "evening")]
    return replace(
        person,
        buddy_gender=BuddyGender.any,
        location=_central(city),
        availability=[s for s in SLOTS if s in {*evenings, "sat-morning"}],
        languages={**person.languages, "en": Level.conversational, "nl": Level.basic},
        goals=[Goal.dutch.value, Goal.paperwork.value, Goal.work.value],
        extra={**person.extra, "civic_integration": True},
    )


def suitable_volunteer(
    person: DemoPerson, city: CityProfile, newcomer: DemoPerson | None = None
) -> DemoPerson:
    """The demo volunteer login has room for three buddies (two in the history, one free),
    lives centrally, is free on weekday evenings and at the weekend, and grew up speaking the
    demo newcomer's first language: the best pair of the current round, so the demo newcomer's
    panel shows the demo volunteer and the three logins can play pick, sign and meet together."""
    shared = {
        code: Level.fluent
        for code, level in (newcomer.languages if newcomer else {}).items()
        if level is Level.native and code != "nl"
    }
    slots = {*(f"{d}-evening" for d in data.WEEKDAYS), "wed-afternoon", "sat-morning",
             "sun-afternoon"}  # fmt: skip
    return replace(
        person,
        buddy_gender=BuddyGender.any,
        location=_central(city),
        availability=[s for s in SLOTS if s in slots],
        languages={**person.languages, "en": Level.fluent, "fr": Level.conversational, **shared},
        extra={**person.extra, "max_buddies": 3},
    )
