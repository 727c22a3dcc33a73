"""A message from the inbox as a printed letter (PDF), in the language it was written in.

For people staff cannot reach by email, or who do not read on a screen. The fonts, shaping
and right-to-left handling are those of every PDF (``app.i18n.pdf_fonts``).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from app.i18n.catalog import N_, gettext
from app.i18n.pdf_fonts import LocaleDocument
from app.inbox.models import InboxMessage

DEAR = N_("For %(name)s")


def letter_pdf(message: InboxMessage, *, full_name: str, city_name: str, today: date) -> bytes:
    locale = message.locale
    # The locale's font (Noto for Pashto, Dari, Tigrinya…), shaping and direction, as for
    # every PDF a newcomer receives (app/i18n/pdf_fonts.py); PdfUnavailable when missing.
    doc = LocaleDocument(locale, title=message.subject, author=city_name)
    para = doc.para

    para(city_name, 10, gap=1)
    para(format_date(today, "long", locale=locale), 10, gap=8)
    para(gettext(locale, DEAR, name=full_name), 11, "B", 6)
    para(message.subject, 14, "B", 5)
    # The plain-text body is wrapped at 72 columns for email: re-flow it into paragraphs.
    for block in message.body_text.strip().split("\n\n"):
        para(" ".join(block.split()))
    return doc.output()
