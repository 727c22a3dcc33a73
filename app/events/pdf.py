"""The speed-dating timetable as a printable A4 PDF: one table per round (table, newcomer,
volunteer, interpreter), then one list per person (to cut out and hand over).

Fonts and shaping per locale from app/i18n/pdf_fonts.py.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time

from app.config import CityProfile
from app.events.models import Event
from app.events.timetable import Round
from app.i18n.catalog import gettext
from app.i18n.pdf_fonts import FAMILY, LocaleDocument
from app.matches.reasons import moment_phrase
from app.people.vocabulary import language_name


def timetable_pdf(
    event: Event, rounds: list[Round], people: dict[int, list[Any]], *, city: CityProfile,
    locale: str,
) -> bytes:  # fmt: skip
    doc = LocaleDocument(locale, title=event.title, author=city.name, margins=(15, 15, 15))
    pdf, align = doc.pdf, doc.align

    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    zone = ZoneInfo(city.timezone)

    def line(value: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
        doc.para(value, size, style, gap, leading=0.5)

    def clock(r: Round) -> str:
        return format_time(r.starts_at.astimezone(zone), "short", locale=locale)

    line(event.title, 16, "B", 1)
    line(f"{moment_phrase(event.starts_at, city.timezone, locale)} · {event.place}", 10, gap=4)
    for r in rounds:
        line(f"{_('Round %(num)s', num=r.number)} — {clock(r)}", 12, "B", 1)
        pdf.set_font(FAMILY, "", 9)
        with pdf.table(col_widths=(12, 55, 55, 58), text_align=align) as table:
            table.row([_("Table"), _("Newcomer"), _("Volunteer"), _("Interpreter")])
            for s in r.seats:
                need = ""
                if s.interpreter:
                    names = ", ".join(language_name(c, locale) for c in s.languages)
                    need = _("Interpreter needed") + (f" ({names})" if names else "")
                table.row([str(s.table), s.newcomer_name, s.volunteer_name, need])
        pdf.ln(3)
    if people:
        pdf.add_page()
        line(_("Per person"), 14, "B", 3)
        for pid, (name, items) in people.items():
            line(name, 11, "B", 0.5)
            for r, s in items:
                other = s.volunteer_name if s.newcomer_id == pid else s.newcomer_name
                line(f"{_('Round %(num)s', num=r.number)} ({clock(r)}), {_('Table')} "
                     f"{s.table}: {other}", 9, gap=0.3)
            pdf.ln(2.5)
    return doc.output()
