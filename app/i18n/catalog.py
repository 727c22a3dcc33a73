"""Gettext catalogs and locale negotiation.

The ``.po`` files are the source of truth and are compiled in memory at start-up, so a fresh
clone needs no separate compile step. A locale is chosen from the user's saved choice, else the
``buddy_locale`` cookie, else ``Accept-Language``, else the city's default.

The app's locale codes are used everywhere, for gettext and for Babel's dates, numbers and
lists alike. The few codes CLDR has no data for borrow a CLDR locale's data (``CLDR_FALLBACKS``),
registered with Babel below, so ``format_date(..., locale="prs")`` works in every module.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, localedata, negotiate_locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
LOCALE_COOKIE = "buddy_locale"
RTL_LOCALES = frozenset({"ar", "fa", "ps", "prs", "he", "ur", "ckb"})
# Locales CLDR has no data for -> the CLDR locale whose dates, numbers, lists and names they use.
# Dari (prs) is the Persian of Afghanistan, which CLDR files as fa_AF ("دری"): same month
# names, digits and list words as Afghan readers expect.
CLDR_FALLBACKS = {"prs": "fa_AF"}
# A locale's own name where CLDR gives none for the code itself.
ENDONYMS = {"prs": "دری"}
# Staff pages are translated into these only (the newcomer's side has every city locale); a
# staff member whose choice is another language sees staff pages in the city's default.
STAFF_LOCALES = ("nl", "en", "fr", "ar")


def _borrow_cldr_data() -> None:
    # Babel has no public way to alias a locale; its data cache is looked up before the files,
    # so an entry there makes Locale("prs") and every formatter use fa_AF's data.
    # tests/test_i18n_locales.py guards this against Babel upgrades.
    for code, fallback in CLDR_FALLBACKS.items():
        if code not in localedata.locale_identifiers():
            localedata._cache[code] = localedata.load(fallback)
    localedata.exists.cache_clear()  # it may have answered "no" for a code before


_borrow_cldr_data()


def cldr_locale(locale: str) -> str:
    """The CLDR locale whose data ``locale`` uses ("prs" -> "fa_AF"; most are their own)."""
    return CLDR_FALLBACKS.get(locale, locale)


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def localised_params(params: dict[str, object], locale: str) -> dict[str, object]:
    """Dates in a message's parameters read as the reader writes dates, never ISO."""
    return {
        key: format_date(value, "long", locale=locale)
        if isinstance(value, date) and not isinstance(value, datetime)
        else value
        for key, value in params.items()
    }


def gettext(locale: str, message: str, **params: object) -> str:
    text = translations(locale).gettext(message)
    return text % localised_params(params, locale) if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(locale).ngettext(singular, plural, n)
    return text % {"num": n, **localised_params(params, locale)}


def pgettext(locale: str, context: str, message: str, **params: object) -> str:
    """A message whose translation depends on ``context``. Used for the grammatical gender of
    the person a sentence is about: context ``"feminine"`` for a woman, plain ``gettext`` (the
    language's generic form) otherwise; Arabic and French need it, Dutch and English do not.
    The panel reasons use contexts "female"/"male"/"other" (mark them with ``NP_``)."""
    text = str(translations(locale).pgettext(context, message))
    return text % localised_params(params, locale) if params else text


def npgettext(
    locale: str, context: str, singular: str, plural: str, n: int, **params: object
) -> str:
    """A plural message with a context (the gender of the person it is about); ``num`` is
    filled in with ``n`` in the locale's number format."""
    text = str(translations(locale).npgettext(context, singular, plural, n))
    return text % {"num": format_decimal(n, locale=cldr_locale(locale)),
                   **localised_params(params, locale)}


def isolate(text: str) -> str:
    """Typed text inside a plain-text sentence, wrapped in Unicode isolates (FSI … PDI): a Latin
    name in an Arabic sentence keeps its place and its punctuation (HTML uses ``<bdi>``)."""
    return f"\u2068{text}\u2069"


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"


def locale_display_name(locale: str) -> str:
    """A locale's own name for itself ("Nederlands", "العربية"), for the language switcher."""
    if locale in ENDONYMS:
        return ENDONYMS[locale]
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def staff_locale(locale: str, default: str) -> str:
    """The language of a staff page: ``locale`` if staff pages are translated into it, else
    the city's default (else English), never a half-translated page."""
    for choice in (locale, default):
        if choice in STAFF_LOCALES:
            return choice
    return "en"


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, best first."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def choose_locale(
    offered: list[str],
    default: str,
    user_locale: str | None = None,
    cookie: str | None = None,
    accept_language: str | None = None,
) -> str:
    for choice in (user_locale, cookie):
        if choice in offered:
            return choice
    preferred = parse_accept_language(accept_language)
    found = negotiate_locale(preferred, offered, sep="_") if preferred else None
    if found is None:
        # "nl-BE" should pick "nl" even when only the bare language is offered.
        bare = [tag.split("_")[0].lower() for tag in preferred]
        found = next((tag for tag in bare if tag in offered), None)
    return found or default


def choose_api_locale(
    offered: list[str], accept_language: str | None, user_locale: str | None = None
) -> str:
    """The JSON API's language: ``Accept-Language``, then the caller's saved language, then
    English. Not the city's default: an API client that states nothing is most likely a
    developer's script, and cookies never reach the API."""
    preferred = parse_accept_language(accept_language)
    if preferred:
        found = choose_locale(offered, "", accept_language=accept_language)
        if found:
            return found
    if user_locale in offered:
        return user_locale
    return "en" if "en" in offered else offered[0]


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated later, in the reader's locale."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:  # noqa: N802 - gettext marker style
    """Mark a message with a context (``msgctxt``) for extraction; translate with pgettext."""
    return context, message


def NNP_(context: str, singular: str, plural: str) -> tuple[str, str, str]:  # noqa: N802
    """Mark a plural message with a context for extraction; translate with npgettext."""
    return context, singular, plural
