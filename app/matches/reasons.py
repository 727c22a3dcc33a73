"""Turning the engine's structured reasons into sentences in the reader's language.

Panels store the engine's reasons as data (codes, levels, slots, kilometres). Sentences are
made only when shown, so a newcomer who switches to Arabic sees Arabic reasons, and a fixed
translation improves every stored panel at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal

from app.i18n.catalog import N_, gettext
from app.people.vocabulary import DAYS, SLOTS, language_name

PART_LABELS = {
    "morning": N_("%(day)s morning"),
    "afternoon": N_("%(day)s afternoon"),
    "evening": N_("%(day)s evening"),
}
LEVEL_LABELS = {
    "basic": N_("basic"),
    "conversational": N_("conversational"),
    "fluent": N_("fluent"),
    "native": N_("native"),
}
_LEVEL_RANK = {"basic": 1, "conversational": 2, "fluent": 3, "native": 4}
# A named key, not a literal: pybabel would take a string inside gettext(...) for a msgid.
_VOLUNTEER_LEVEL = "volunteer_level"


def slot_label(slot: str, locale: str) -> str:
    """``mon-evening`` → "Monday evening" / "maandag avond" / "lundi soir"."""
    day, _, part = slot.partition("-")
    day_name = get_day_names("wide", locale=locale)[DAYS.index(day)]
    return gettext(locale, PART_LABELS[part], day=day_name)


def moment_phrase(value: datetime, timezone: str, locale: str) -> str:
    """"21 November 2026 at 19:34" in the city's time zone, without seconds."""
    local = value.astimezone(ZoneInfo(timezone))
    return gettext(
        locale,
        "%(date)s at %(time)s",
        date=format_date(local.date(), format="long", locale=locale),
        time=format_time(local, format="short", locale=locale),
    )


def slots_phrase(slots: Iterable[str], locale: str) -> str:
    ordered = sorted(set(slots), key=SLOTS.index)
    return format_list([slot_label(s, locale) for s in ordered], locale=locale)


def distance_phrase(km: float | None, locale: str) -> str:
    """Rough on purpose: "about 2 km" tells enough without pointing at a street."""
    if km is None:
        return ""
    if km < 1:
        return gettext(locale, "less than 1 km")
    return gettext(locale, "about %(km)s km", km=format_decimal(round(km), locale=locale))


def languages_phrase(codes: Iterable[str], locale: str) -> str:
    return format_list([language_name(c, locale) for c in codes], locale=locale)


def usable_languages(reasons: Mapping[str, Any]) -> list[str]:
    """Shared languages the pair can really talk in, the newcomer's strongest first."""
    usable = [lang for lang in reasons.get("languages", []) if lang.get("usable")]
    usable.sort(key=lambda lang: (-_LEVEL_RANK.get(lang["newcomer_level"], 0), lang["code"]))
    return [lang["code"] for lang in usable]


def reason_sentences(reasons: Mapping[str, Any], locale: str, *, first_name: str) -> list[str]:
    """Why this volunteer was proposed, addressed to the newcomer, one sentence per criterion."""
    out: list[str] = []
    langs = usable_languages(reasons)
    if langs and reasons.get("strongest_language"):
        out.append(
            gettext(
                locale,
                "%(name)s speaks your strongest language, %(language)s.",
                name=first_name,
                language=language_name(langs[0], locale),
            )
        )
    if langs:
        levels = {lang["code"]: lang for lang in reasons.get("languages", [])}
        parts = [
            gettext(
                locale,
                "%(language)s (%(level)s)",
                language=language_name(code, locale),
                level=gettext(locale, LEVEL_LABELS[levels[code][_VOLUNTEER_LEVEL]]),
            )
            for code in langs
        ]
        out.append(
            gettext(locale, "You can talk together in %(languages)s.",
                    languages=format_list(parts, locale=locale))
        )
    slots = reasons.get("shared_slots") or []
    if slots:
        out.append(
            gettext(locale, "You are both free on %(slots)s.", slots=slots_phrase(slots, locale))
        )
    km = reasons.get("distance_km")
    if km is not None:
        out.append(
            gettext(locale, "Lives %(distance)s from you.", distance=distance_phrase(km, locale))
        )
    return out
