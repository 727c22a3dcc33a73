"""The twelve locales of Mechelen: names, directions, CLDR fallback for Dari, staff pages in
the staff languages, and every newcomer PDF rendering with fonts that have the glyphs.

The PDF tests check the text pypdf extracts and the fonts embedded, whether or not the
catalogs are translated yet (dates and language names already come in the locale's script).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from babel import Locale
from babel.dates import format_date, get_day_names
from babel.lists import format_list
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.config import CITIES_DIR, load_city
from app.contracts.models import ContractStatus
from app.contracts.pdf import pdf_for
from app.db import utcnow
from app.evaluations.certificate import certificate_pdf
from app.events.pdf import timetable_pdf
from app.i18n.catalog import (
    CLDR_FALLBACKS,
    STAFF_LOCALES,
    cldr_locale,
    gettext,
    locale_display_name,
    staff_locale,
    text_direction,
)
from app.i18n.pdf_fonts import DEJAVU, face_for, face_paths
from app.matches.reasons import moment_phrase, slots_phrase
from app.people.vocabulary import language_name
from tests.factories import browser_login, make_active_contract, make_newcomer, make_staff

MECHELEN = load_city(CITIES_DIR / "mechelen.json")
LOCALES = tuple(MECHELEN.locales)
ENDONYMS = {
    "nl": "Nederlands", "en": "English", "fr": "Français", "ar": "العربية",
    "uk": "Українська", "ru": "Русский", "prs": "دری", "ps": "پښتو",
    "ti": "ትግርኛ", "so": "Soomaali", "tr": "Türkçe", "es": "Español",
}  # fmt: skip
RTL = {"ar", "prs", "ps"}
# A letter of each locale's script, found in any PDF text made in it (dates, names).
SCRIPT = {
    "ar": r"[\u0600-\u06ff]", "prs": r"[\u0600-\u06ff]", "ps": r"[\u0600-\u06ff]",
    "uk": r"[\u0400-\u04ff]", "ru": r"[\u0400-\u04ff]", "ti": r"[\u1200-\u137f]",
}  # fmt: skip


def test_mechelen_offers_the_twelve_languages() -> None:
    assert set(LOCALES) == set(ENDONYMS)
    assert MECHELEN.default_locale == "nl"


@pytest.mark.parametrize("locale", sorted(ENDONYMS))
def test_picker_names_each_language_in_itself(locale: str) -> None:
    assert locale_display_name(locale) == ENDONYMS[locale]


@pytest.mark.parametrize("locale", sorted(ENDONYMS))
def test_direction(locale: str) -> None:
    assert text_direction(locale) == ("rtl" if locale in RTL else "ltr")


def test_dari_formats_as_afghan_persian() -> None:
    """CLDR has no "prs": dates, lists, day names and plural rules come from fa_AF, on purpose,
    and every Babel call made with the app's code works (not only the ones we wrote)."""
    assert CLDR_FALLBACKS == {"prs": "fa_AF"}
    assert cldr_locale("prs") == "fa_AF"
    assert cldr_locale("ti") == "ti"
    day = date(2026, 12, 2)
    assert format_date(day, "long", locale="prs") == format_date(day, "long", locale="fa_AF")
    assert format_list(["a", "b", "c"], locale="prs") == format_list(
        ["a", "b", "c"], locale="fa_AF"
    )
    assert get_day_names("wide", locale="prs")[0] == "دوشنبه"
    assert Locale.parse("prs").character_order == "right-to-left"
    # The panel's phrases, made by code that knows nothing about the fallback.
    moment = moment_phrase(datetime(2026, 12, 2, 18, 30, tzinfo=None).astimezone(), "UTC", "prs")
    assert re.search(r"[\u0600-\u06ff]", moment)
    assert "دوشنبه" in slots_phrase(["mon-evening"], "prs")


def test_language_names_in_every_locale() -> None:
    for locale in LOCALES:
        assert language_name("ar", locale), locale
        assert language_name("prs", locale), locale
    assert language_name("prs", "prs") == "دری"
    assert language_name("prs", "uk") == "дарі"
    assert language_name("prs", "nl") == "Dari"
    assert language_name("ti", "ti") == "ትግርኛ"


def test_staff_locale_rule() -> None:
    assert STAFF_LOCALES == ("nl", "en", "fr", "ar")
    for locale in STAFF_LOCALES:
        assert staff_locale(locale, "nl") == locale
    for locale in set(LOCALES) - set(STAFF_LOCALES):
        assert staff_locale(locale, "nl") == "nl"
    assert staff_locale("ti", "so") == "en"  # a city whose default is no staff language


def test_staff_pages_fall_back_to_the_city_default(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    staff.locale = "ti"
    db.commit()
    browser_login(client, staff.email)
    page = client.get("/staff/events")
    assert page.status_code == 200
    assert '<html lang="nl" dir="ltr">' in page.text
    assert gettext("nl", "Log out") in page.text


@pytest.mark.parametrize("locale", ["ti", "prs"])
def test_newcomer_sees_me_in_their_locale(client: TestClient, db: Session, locale: str) -> None:
    newcomer = make_newcomer(db)
    newcomer.user.locale = locale
    db.commit()
    browser_login(client, newcomer.user.email)
    page = client.get("/me")
    assert page.status_code == 200
    assert f'<html lang="{locale}" dir="{text_direction(locale)}">' in page.text


def test_staff_in_a_staff_language_keep_it(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    staff.locale = "ar"
    db.commit()
    browser_login(client, staff.email)
    assert '<html lang="ar" dir="rtl">' in client.get("/staff/events").text


@pytest.mark.parametrize("locale", ["uk", "prs", "ti", "es"])
def test_newcomer_pages_answer_in_the_new_locales(client: TestClient, locale: str) -> None:
    page = client.get("/register/newcomer", headers={"Accept-Language": locale})
    assert page.status_code == 200
    assert f'<html lang="{locale}" dir="{text_direction(locale)}">' in page.text
    assert f'<option value="{locale}" lang="{locale}" selected>' in page.text


# --- PDFs -----------------------------------------------------------------------------------


def _pdf_text_and_fonts(data: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return text, fonts


def _check(data: bytes, locale: str, expected: str) -> None:
    assert data.startswith(b"%PDF")
    text, fonts = _pdf_text_and_fonts(data)
    face = face_for(locale)
    assert any(f.startswith(face.name.replace(" ", "")) for f in fonts), (locale, fonts)
    if locale in SCRIPT:
        assert re.search(SCRIPT[locale], text), (locale, text[:200])
    # pypdf gives right-to-left text in visual order; compare without spaces and joiners.
    if locale not in RTL:
        assert expected.replace(" ", "") in text.replace(" ", "").replace("\n", ""), locale


needs_fonts = pytest.mark.skipif(
    any(face_paths(face_for(loc)) is None for loc in ENDONYMS) or face_paths(DEJAVU) is None,
    reason="DejaVu or Noto fonts are not installed (fonts-dejavu-core, fonts-noto-core)",
)


@needs_fonts
def test_contract_and_certificate_pdfs_in_every_locale(db: Session) -> None:
    contract = make_active_contract(db, start=date.today() - timedelta(days=200))
    contract.newcomer.first_name = "Soumaya"
    contract.status = ContractStatus.completed
    contract.ended_at = utcnow()
    db.commit()
    for locale in LOCALES:
        _check(pdf_for(contract, city=MECHELEN, locale=locale), locale,
               gettext(locale, "Buddy agreement"))
        contract.newcomer.user.locale = locale
        _check(certificate_pdf(db, contract, city=MECHELEN), locale,
               gettext(locale, "Participation certificate"))


@needs_fonts
def test_timetable_pdf_in_every_locale() -> None:
    event = SimpleNamespace(title="Speed dating", place="Stadhuis",
                            starts_at=datetime(2026, 12, 2, 18, 0).astimezone())
    for locale in LOCALES:
        data = timetable_pdf(event, [], {}, city=MECHELEN, locale=locale)  # type: ignore[arg-type]
        _check(data, locale, "Speed dating")


def test_tigrinya_pdf_embeds_ethiopic_font() -> None:
    face = face_for("ti")
    assert face.name == "Noto Sans Ethiopic"
    assert face_for("ps").name == face_for("prs").name == "Noto Sans Arabic"
    assert face_for("uk") == face_for("ar") == DEJAVU
