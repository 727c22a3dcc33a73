"""The newcomer's hours statement as a PDF in their language, signed with its verification code.

Fonts and shaping per locale: app/i18n/pdf_fonts.py (as the certificate). The months are a
three-column table; in a right-to-left language the columns run from the right.
"""

from __future__ import annotations

from babel.dates import format_date
from fpdf.enums import Align

from app.checkins.labels import hours_text
from app.checkins.rules import hours
from app.config import CityProfile
from app.hours.service import Statement
from app.i18n.catalog import gettext, ngettext, text_direction
from app.i18n.pdf_fonts import FAMILY, LocaleDocument
from app.people.models import Newcomer

VERIFY_PATH = "/verify/hours"


def statement_locale(newcomer: Newcomer, city: CityProfile) -> str:
    """The newcomer's own language, whoever downloads it (staff print it for them)."""
    locale = newcomer.user.locale
    return locale if locale in city.locales else city.default_locale


def month_name(period_first: object, locale: str) -> str:
    return format_date(period_first, "LLLL y", locale=locale)  # type: ignore[arg-type]


def lines_for(found: Statement, *, city: CityProfile, locale: str) -> list[tuple[str, float, str]]:
    """The text above the table, as (text, size, style) lines, in ``locale``."""

    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    lines: list[tuple[str, float, str]] = [
        (_("Statement of participation hours"), 20, "B"),
        (_("The buddy programme of the city of %(city)s", city=city.name), 11, ""),
        ("", 6, ""),
        (_("Name: %(name)s", name=found.name), 13, "B"),
    ]
    if found.file_number:
        lines.append(
            (_("Civic-integration file number: %(number)s", number=found.file_number), 12, "")
        )
    lines.append((_("Period: %(start)s to %(end)s", start=found.start, end=found.end), 12, ""))
    for pair in found.pairs:
        if pair.start_date and pair.end_date:
            lines.append((_("Buddy %(name)s, from %(start)s to %(end)s", name=pair.buddy,
                            start=pair.start_date, end=pair.end_date), 11, ""))  # fmt: skip
    lines.append(
        (_("Only meetings that both the newcomer and the buddy confirmed are counted."), 10, "")
    )
    return lines


def statement_pdf(found: Statement, *, city: CityProfile, locale: str, base_url: str) -> bytes:
    rtl = text_direction(locale) == "rtl"

    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    lines = lines_for(found, city=city, locale=locale)
    doc = LocaleDocument(locale, title=lines[0][0], author=city.name, margins=(22, 25, 22))
    pdf = doc.pdf

    def write(text: str, size: float, style: str = "") -> None:
        doc.para(text, size, style, gap=1.5)
    for text, size, style in lines:
        if text:
            write(text, size, style)
        else:
            pdf.ln(size)
    pdf.ln(4)
    widths = (76.0, 45.0, 45.0)
    header = [_("Month"), _("Confirmed meetings"), _("Hours")]
    rows = [[month_name(p.first, locale), str(p.meetings), hours_text(p.hours, locale)]
            for p in found.periods]  # fmt: skip
    total_hours = hours_text(hours(found.minutes), locale)
    total = [_("Total"), str(found.meetings), total_hours]
    for index, row in enumerate([header, *rows, total]):
        pdf.set_font(FAMILY, "B" if index in (0, len(rows) + 1) else "", 11)
        cells = list(zip(row, widths, strict=True))
        for text, width in reversed(cells) if rtl else cells:
            pdf.cell(width, 8, text, border=1, align=Align.C)
        pdf.ln(8)
    pdf.ln(6)
    write(_("Confirmed time together: %(hours)s hours", hours=total_hours), 13, "B")
    write(ngettext(locale, "%(num)s confirmed meeting", "%(num)s confirmed meetings",
                   found.meetings), 11)  # fmt: skip
    pdf.ln(4)
    write(_("Issued on %(date)s by the city of %(city)s.", date=found.issued_on, city=city.name),
          10)  # fmt: skip
    pdf.ln(4)
    write(_("Verification code: %(code)s", code=found.code), 12, "B")
    url = base_url.rstrip("/") + VERIFY_PATH
    write(_("Anyone can check this statement at %(url)s with this code.", url=url), 10)
    return doc.output()
