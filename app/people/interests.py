"""Interests: a fixed, translated list offered first, and normalised free text.

People pick most interests from a fixed list stored as stable keys (``cooking``), so a newcomer
who chose "الطبخ" in Arabic and a volunteer who chose "koken" in Dutch share one interest.
Free text is kept as typed but compared in a normalised form (case, accents and Arabic
diacritics, Arabic letter variants, spaces); a free-text word that is the name of a listed
interest in any of our languages becomes that key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from app.i18n.catalog import N_, NP_, gettext, isolate, pgettext

COMMON_INTERESTS: dict[str, str] = {
    "cooking": N_("Cooking"),
    "baking": N_("Baking"),
    "walking": N_("Walking"),
    "cycling": N_("Cycling"),
    "running": N_("Running"),
    "football": N_("Football"),
    "swimming": N_("Swimming"),
    "volleyball": N_("Volleyball"),
    "yoga": N_("Yoga"),
    "music": N_("Music"),
    "dancing": N_("Dancing"),
    "films": N_("Films"),
    "theatre": N_("Theatre"),
    "reading": N_("Reading"),
    "history": N_("History and museums"),
    "drawing": N_("Drawing and painting"),
    "photography": N_("Photography"),
    "gardening": N_("Gardening"),
    "nature": N_("Nature"),
    "fishing": N_("Fishing"),
    "chess": N_("Chess"),
    "board-games": N_("Board games"),
    "sewing": N_("Sewing"),
    "computers": N_("Computers"),
    "markets": N_("Markets"),
}
"""Key → English label (a gettext message id). Keys never change: they are stored."""

# The same names inside a sentence ("You both like cooking and football."): their own messages,
# because lower-casing a translation is wrong in some languages (Turkish "İ") and others decline.
IN_SENTENCE: dict[str, tuple[str, str]] = {
    "cooking": NP_("in a sentence", "cooking"),
    "baking": NP_("in a sentence", "baking"),
    "walking": NP_("in a sentence", "walking"),
    "cycling": NP_("in a sentence", "cycling"),
    "running": NP_("in a sentence", "running"),
    "football": NP_("in a sentence", "football"),
    "swimming": NP_("in a sentence", "swimming"),
    "volleyball": NP_("in a sentence", "volleyball"),
    "yoga": NP_("in a sentence", "yoga"),
    "music": NP_("in a sentence", "music"),
    "dancing": NP_("in a sentence", "dancing"),
    "films": NP_("in a sentence", "films"),
    "theatre": NP_("in a sentence", "theatre"),
    "reading": NP_("in a sentence", "reading"),
    "history": NP_("in a sentence", "history and museums"),
    "drawing": NP_("in a sentence", "drawing and painting"),
    "photography": NP_("in a sentence", "photography"),
    "gardening": NP_("in a sentence", "gardening"),
    "nature": NP_("in a sentence", "nature"),
    "fishing": NP_("in a sentence", "fishing"),
    "chess": NP_("in a sentence", "chess"),
    "board-games": NP_("in a sentence", "board games"),
    "sewing": NP_("in a sentence", "sewing"),
    "computers": NP_("in a sentence", "computers"),
    "markets": NP_("in a sentence", "markets"),
}

# Both commas (Latin and Arabic), both semicolons, and line breaks separate interests.
_SEPARATORS = re.compile(r"[,،;؛\n]")
# Arabic letter variants people type interchangeably, and the tatweel (a stretching stroke).
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": None})
_LOCALES = ("en", "nl", "fr", "ar")


@lru_cache(maxsize=4096)  # a matching round normalises thousands of the same few dozen words
def normalise(text: str) -> str:
    """The comparison form of one interest: "  Café   Crème " → "cafe creme".

    >>> normalise("  Café   Crème "), normalise("الطَّبْخ") == normalise("الطبخ")
    ('cafe creme', True)
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Combining marks are accents in Latin script and short vowels (harakat) in Arabic.
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = unicodedata.normalize("NFC", bare).translate(_ARABIC)
    return " ".join(bare.split()).strip(" .!?-'\"")


def split(text: str) -> list[str]:
    """Free text as typed into the form, one interest per part."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


@cache
def _known() -> dict[str, str]:
    """Normalised name (in every language we ship) or key → key."""
    out: dict[str, str] = {}
    for key, label in COMMON_INTERESTS.items():
        out[normalise(key)] = key
        for locale in _LOCALES:
            out.setdefault(normalise(gettext(locale, label)), key)
    return out


def canonical(values: Iterable[str]) -> list[str]:
    """Keys for listed interests, trimmed free text otherwise; no duplicates, first kept.

    >>> canonical(["Koken", "cooking", " chess ", "Bird  watching", "bird watching"])
    ['cooking', 'chess', 'Bird watching']
    """
    seen: dict[str, str] = {}
    for raw in values:
        item = " ".join(raw.split())
        if not item:
            continue
        norm = normalise(item)
        key = _known().get(norm)
        seen.setdefault(key or norm, key or item)
    return list(seen.values())


def matching_keys(interests: Iterable[str], goals: Iterable[str]) -> frozenset[str]:
    """What the matching engine compares: interest keys (or normalised free text) and goals.

    The goal "practise Dutch" is left out: it is the programme's purpose, nearly everyone has
    it, and it would only lift every pair alike.
    """
    out = {_known().get(normalise(i)) or normalise(i) for i in interests}
    out |= {f"goal:{g}" for g in goals if g != "dutch"}
    out.discard("")
    return frozenset(out)


def label(value: str, locale: str, *, in_sentence: bool = False) -> str:
    """A stored interest as the reader sees it: a key translated, free text as typed.

    ``in_sentence``: a listed name in its in-sentence form ("you both like cooking"), free text
    wrapped in Unicode isolates (FSI … PDI) so a Latin word in an Arabic sentence keeps its place.
    """
    english = COMMON_INTERESTS.get(value)
    if english:
        return pgettext(locale, *IN_SENTENCE[value]) if in_sentence else gettext(locale, english)
    return isolate(value) if in_sentence else value


def split_stored(interests: Iterable[str]) -> tuple[list[str], list[str]]:
    """(listed keys, free text) of a stored profile, for the edit form's checkboxes and field."""
    keys = [i for i in interests if i in COMMON_INTERESTS]
    return keys, [i for i in interests if i not in COMMON_INTERESTS]
