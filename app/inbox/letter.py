"""A message from the inbox as a printed letter (PDF), in the language it was written in.

For people staff cannot reach by email, or who do not read on a screen. The fonts, Arabic
shaping and right-to-left handling are the contract PDF's (``app.contracts.pdf``).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.contracts.pdf import _SCRIPTS, PdfUnavailable, font_paths, shaping_available
from app.i18n.catalog import N_, gettext, text_direction
from app.inbox.models import InboxMessage

DEAR = N_("For %(name)s")


def letter_pdf(message: InboxMessage, *, full_name: str, city_name: str, today: date) -> bytes:
    fonts = font_paths()
    if fonts is None:
        raise PdfUnavailable(
            N_("The PDF cannot be made on this server: the DejaVu Sans font is not installed.")
        )
    locale = message.locale
    rtl = text_direction(locale) == "rtl"
    shaping = shaping_available()
    if rtl and not shaping:
        raise PdfUnavailable(
            N_("The PDF cannot be made in this language on this server: text shaping is missing.")
        )
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(message.subject)
    pdf.set_author(city_name)
    pdf.set_creator("Welcome Buddy")
    pdf.set_lang(locale)
    pdf.add_font("DejaVu", "", str(fonts[0]))
    pdf.add_font("DejaVu", "B", str(fonts[1]))
    if shaping:
        script, language = _SCRIPTS.get(locale, (None, None))
        pdf.set_text_shaping(
            use_shaping_engine=True, direction="rtl" if rtl else "ltr",
            script=script, language=language,
        )  # fmt: skip
    align = Align.R if rtl else Align.L
    pdf.add_page()

    def para(value: str, size: float = 11, style: str = "", gap: float = 3) -> None:
        pdf.set_font("DejaVu", style, size)
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
