"""The fixed words of a profile: slots, language levels, genders, goals, ISO 639 codes.

Language codes are checked against Babel's CLDR language list (ISO 639-1 where one exists, else
639-3), plus the few codes newcomers in Flanders need that CLDR lacks (Dari).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from babel import Locale

from app.i18n.catalog import N_, NP_, cldr_locale

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
SLOTS: tuple[str, ...] = tuple(f"{d}-{p}" for d in DAYS for p in PARTS)


class Level(StrEnum):
    basic = "basic"
    conversational = "conversational"
    fluent = "fluent"
    native = "native"


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"


class BuddyGender(StrEnum):
    any = "any"
    same = "same"


class Goal(StrEnum):
    dutch = "dutch"
    paperwork = "paperwork"
    shopping = "shopping"
    work = "work"
    school = "school"
    leisure = "leisure"


# Codes CLDR does not name, with names in the locales we ship.
_EXTRA_LANGUAGES: dict[str, dict[str, str]] = {
    "prs": {"en": "Dari", "nl": "Dari", "fr": "dari", "ar": "الدارية"},
}
# ...else CLDR's name for the locale it files the language under ("fa_AF": "дарі", "ዳሪ").
_CLDR_KEYS = {"prs": "fa_AF"}

# The languages the programme sees most (shared/programme.md), offered first in pickers.
COMMON_LANGUAGES = (
    "nl", "fr", "en", "ar", "zgh", "rif", "prs", "ps", "fa", "ti", "so", "ku",
    "uk", "ru", "ro", "pl", "bg", "tr", "es", "pt",
)  # fmt: skip


@cache
def language_codes() -> frozenset[str]:
    names: dict[str, str] = dict(Locale("en").languages)
    cldr = {c for c in names if c.isalpha() and c.islower() and len(c) in (2, 3)}
    return frozenset(cldr | set(_EXTRA_LANGUAGES))


def is_language_code(code: str) -> bool:
    return code in language_codes()


def language_name(code: str, locale: str) -> str:
    extra = _EXTRA_LANGUAGES.get(code)
    if extra:
        cldr = Locale.parse(cldr_locale(locale)).languages.get(_CLDR_KEYS.get(code, code))
        return extra.get(locale) or cldr or extra["en"]
    # CLDR names some languages in few locales (Tarifit has no Arabic name): English beats a code.
    return (Locale.parse(cldr_locale(locale)).languages.get(code)
            or Locale("en").languages.get(code) or code)


GOAL_LABELS = {
    "dutch": N_("Practise Dutch"),
    "paperwork": N_("Bank and paperwork"),
    "shopping": N_("Shopping"),
    "work": N_("Work"),
    "school": N_("School"),
    "leisure": N_("Leisure and sports"),
}
# The same goals inside a sentence ("You both chose: bank and paperwork."): their own messages,
# because lower-casing a translation breaks some languages (Turkish "İ") and others decline it.
GOAL_IN_SENTENCE = {
    "dutch": NP_("in a sentence", "practise Dutch"),
    "paperwork": NP_("in a sentence", "bank and paperwork"),
    "shopping": NP_("in a sentence", "shopping"),
    "work": NP_("in a sentence", "work"),
    "school": NP_("in a sentence", "school"),
    "leisure": NP_("in a sentence", "leisure and sports"),
}
