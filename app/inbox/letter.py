"""A message from the inbox as a printed letter (PDF), in the language it was written in.

For people staff cannot reach by email, or who do not read on a screen. The fonts, shaping
and right-to-left handling are those of every PDF (``app.i18n.pdf_fonts``).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from fpdf.enums import Align, XPos, YPos

from app.i18n.catalog import N_, gettext, text_direction
from app.i18n.pdf_fonts import FAMILY, locale_pdf
from app.inbox.models import InboxMessage

DEAR = N_("For %(name)s")


def letter_pdf(message: InboxMessage, *, full_name: str, city_name: str, today: date) -> bytes:
    locale = message.locale
    rtl = text_direction(locale) == "rtl"
    # The locale's font (Noto for Pashto, Dari, Tigrinya…), shaping and direction, as for
    # every PDF a newcomer receives (app/i18n/pdf_fonts.py); PdfUnavailable when missing.
    pdf = locale_pdf(locale)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(message.subject)
    pdf.set_author(city_name)
    pdf.set_creator("Welcome Buddy")
    align = Align.R if rtl else Align.L
    pdf.add_page()

    def para(value: str, size: float = 11, style: str = "", gap: float = 3) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(0, size * 0.55, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    para(city_name, 10, gap=1)
    para(format_date(today, "long", locale=locale), 10, gap=8)
    para(gettext(locale, DEAR, name=full_name), 11, "B", 6)
    para(message.subject, 14, "B", 5)
    # The plain-text body is wrapped at 72 columns for email: re-flow it into paragraphs.
    for block in message.body_text.strip().split("\n\n"):
        para(" ".join(block.split()))
    return bytes(pdf.output())
