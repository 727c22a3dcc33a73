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

from app.i18n.catalog import N_, NNP_, NP_, gettext, npgettext, pgettext
from app.people import interests
from app.people.vocabulary import DAYS, GOAL_IN_SENTENCE, SLOTS, language_name

PART_LABELS = {
    "morning": N_("%(day)s morning"),
    "afternoon": N_("%(day)s afternoon"),
    "evening": N_("%(day)s evening"),
}
_LEVEL_RANK = {"basic": 1, "conversational": 2, "fluent": 3, "native": 4}
# Whose level a sentence describes, in whole sentences; the context is the grammatical gender
# of the person (Arabic verbs agree with it, also with "you"). Keys: (gender, level).
GENDERS = ("female", "male", "other")
THEIR_LEVEL: dict[tuple[str, str], tuple[str, str]] = {
    ("female", "native"): NP_("female", "%(name)s speaks %(language)s as a mother tongue."),
    ("male", "native"): NP_("male", "%(name)s speaks %(language)s as a mother tongue."),
    ("other", "native"): NP_("other", "%(name)s speaks %(language)s as a mother tongue."),
    ("female", "fluent"): NP_("female", "%(name)s speaks %(language)s fluently."),
    ("male", "fluent"): NP_("male", "%(name)s speaks %(language)s fluently."),
    ("other", "fluent"): NP_("other", "%(name)s speaks %(language)s fluently."),
    ("female", "conversational"):
        NP_("female", "%(name)s can hold a conversation in %(language)s."),
    ("male", "conversational"):
        NP_("male", "%(name)s can hold a conversation in %(language)s."),
    ("other", "conversational"):
        NP_("other", "%(name)s can hold a conversation in %(language)s."),
    ("female", "basic"): NP_("female", "%(name)s speaks a little %(language)s."),
    ("male", "basic"): NP_("male", "%(name)s speaks a little %(language)s."),
    ("other", "basic"): NP_("other", "%(name)s speaks a little %(language)s."),
}
YOUR_LEVEL: dict[tuple[str, str], tuple[str, str]] = {
    ("female", "native"): NP_("female", "You speak it as your mother tongue."),
    ("male", "native"): NP_("male", "You speak it as your mother tongue."),
    ("other", "native"): NP_("other", "You speak it as your mother tongue."),
    ("female", "fluent"): NP_("female", "You speak it fluently."),
    ("male", "fluent"): NP_("male", "You speak it fluently."),
    ("other", "fluent"): NP_("other", "You speak it fluently."),
    ("female", "conversational"): NP_("female", "You can hold a conversation in it."),
    ("male", "conversational"): NP_("male", "You can hold a conversation in it."),
    ("other", "conversational"): NP_("other", "You can hold a conversation in it."),
    ("female", "basic"): NP_("female", "You speak a little of it."),
    ("male", "basic"): NP_("male", "You speak a little of it."),
    ("other", "basic"): NP_("other", "You speak a little of it."),
}  # fmt: skip
# Where the volunteer lives, as a whole sentence about them (Arabic verbs agree with the
# gender; "km" takes plural forms in Russian, Ukrainian and Arabic). Keys: gender.
LIVES_NEAR: dict[str, tuple[str, str]] = {
    "female": NP_("female", "%(name)s lives less than 1 km from you."),
    "male": NP_("male", "%(name)s lives less than 1 km from you."),
    "other": NP_("other", "%(name)s lives less than 1 km from you."),
}
LIVES_AT: dict[str, tuple[str, str, str]] = {
    "female": NNP_("female", "%(name)s lives about %(num)s km from you.",
                   "%(name)s lives about %(num)s km from you."),
    "male": NNP_("male", "%(name)s lives about %(num)s km from you.",
                 "%(name)s lives about %(num)s km from you."),
    "other": NNP_("other", "%(name)s lives about %(num)s km from you.",
                  "%(name)s lives about %(num)s km from you."),
}
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


def distance_sentence(km: float, locale: str, *, first_name: str, gender: str) -> str:
    """"Griet lives about 3 km from you." as one translated sentence (never a glued phrase):
    the verb agrees with the volunteer's gender and "km" takes the number's plural form."""
    if km < 1:
        return pgettext(locale, *LIVES_NEAR[_gender(gender)], name=first_name)
    return npgettext(locale, *LIVES_AT[_gender(gender)], round(km), name=first_name)


def languages_phrase(codes: Iterable[str], locale: str) -> str:
    return format_list([language_name(c, locale) for c in codes], locale=locale)


def usable_languages(reasons: Mapping[str, Any]) -> list[str]:
    """Shared languages the pair can really talk in, the newcomer's strongest first."""
    usable = [lang for lang in reasons.get("languages", []) if lang.get("usable")]
    usable.sort(key=lambda lang: (-_LEVEL_RANK.get(lang["newcomer_level"], 0), lang["code"]))
    return [lang["code"] for lang in usable]


def interest_sentences(shared: Iterable[str], locale: str) -> list[str]:
    """"You both like cooking and football." and the goals both chose, from the engine's keys
    (``goal:work`` for goals, listed keys or normalised free text for interests)."""
    goals = [k.removeprefix("goal:") for k in shared if k.startswith("goal:")]
    liked = [interests.label(k, locale, in_sentence=True)
             for k in shared if not k.startswith("goal:")]
    out = []
    if liked:
        out.append(gettext(locale, "You both like %(interests)s.",
                           interests=format_list(liked, locale=locale)))
    labels = [pgettext(locale, *GOAL_IN_SENTENCE[g]) for g in goals if g in GOAL_IN_SENTENCE]
    if labels:
        out.append(gettext(locale, "You both chose: %(goals)s.",
                           goals=format_list(labels, locale=locale)))
    return out


def level_sentence(lang: Mapping[str, Any], locale: str, *, first_name: str,
                   volunteer_gender: str, newcomer_gender: str) -> str:
    """"Soumaya speaks Arabic fluently. You speak it as your mother tongue." — whose level is
    whose, with the verbs agreeing with each person's gender in the reader's language."""
    theirs = THEIR_LEVEL[(_gender(volunteer_gender), lang[_VOLUNTEER_LEVEL])]
    yours = YOUR_LEVEL[(_gender(newcomer_gender), lang["newcomer_level"])]
    return " ".join((
        pgettext(locale, *theirs, name=first_name, language=language_name(lang["code"], locale)),
        pgettext(locale, *yours),
    ))


def _gender(value: str | None) -> str:
    return value if value in GENDERS else "other"


def reason_sentences(reasons: Mapping[str, Any], locale: str, *, first_name: str,
                     volunteer_gender: str = "other", newcomer_gender: str = "other") -> list[str]:
    """Why this volunteer was proposed, addressed to the newcomer: one sentence per usable
    shared language (the newcomer's strongest first), then time, place and interests."""
    out: list[str] = []
    levels = {lang["code"]: lang for lang in reasons.get("languages", [])}
    for code in usable_languages(reasons):
        out.append(level_sentence(levels[code], locale, first_name=first_name,
                                  volunteer_gender=volunteer_gender,
                                  newcomer_gender=newcomer_gender))
    slots = reasons.get("shared_slots") or []
    if slots:
        out.append(
            gettext(locale, "You are both free on %(slots)s.", slots=slots_phrase(slots, locale))
        )
    km = reasons.get("distance_km")
    if km is not None:
        out.append(distance_sentence(km, locale, first_name=first_name, gender=volunteer_gender))
    out += interest_sentences(reasons.get("shared_interests") or [], locale)
    return out
