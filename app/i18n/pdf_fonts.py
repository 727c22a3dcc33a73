"""Fonts and text shaping for the PDFs a reader gets, in every locale the site speaks.

One table says which font writes a locale's script. DejaVu Sans (Latin, Cyrillic, Arabic) is
the default, and the fallback for glyphs the locale's font lacks (a Latin name on a Tigrinya
certificate). DejaVu lacks Pashto's "ۍ" and Dari's "ۀ", so those two use Noto Sans Arabic; a
whole word must come from one font or HarfBuzz cannot join its letters. The fonts come from
the Debian packages ``.ci/run`` installs: fonts-dejavu-core and fonts-noto-core.

Arabic script needs shaping by HarfBuzz (``uharfbuzz``); without it a PDF would show unjoined
letters in the wrong order, so we refuse with a clear error instead of handing out garbage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.errors import DomainError
from app.i18n.catalog import N_, text_direction

_DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/share/fonts/dejavu"),
)
_NOTO_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),  # Debian, Ubuntu: fonts-noto-core
    Path("/usr/share/fonts/google-noto"),  # Fedora
    Path("/usr/share/fonts/noto"),  # Arch
)
# The family name every PDF uses in set_font(), whatever font is behind it.
FAMILY = "Body"


@dataclass(frozen=True)
class Face:
    name: str
    regular: str
    bold: str
    dirs: tuple[Path, ...]


DEJAVU = Face("DejaVu Sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", _DEJAVU_DIRS)
NOTO_ARABIC = Face(
    "Noto Sans Arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", _NOTO_DIRS
)
NOTO_ETHIOPIC = Face(
    "Noto Sans Ethiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf", _NOTO_DIRS
)
# Locales whose script DejaVu Sans cannot write in full; every other locale uses DejaVu.
LOCALE_FACES: dict[str, Face] = {"ps": NOTO_ARABIC, "prs": NOTO_ARABIC, "ti": NOTO_ETHIOPIC}
# HarfBuzz's language per locale, for language-specific letter forms (Persian digits, Pashto
# letters). The script is left for HarfBuzz to detect per run: a Latin name in an Arabic text.
SHAPING_LANGUAGES = {"ar": "ara", "fa": "fas", "prs": "prs", "ps": "pus", "ti": "tir"}


class PdfUnavailable(DomainError):
    status_code = 503


def face_for(locale: str) -> Face:
    return LOCALE_FACES.get(locale, DEJAVU)


@cache
def face_paths(face: Face) -> tuple[Path, Path] | None:
    for folder in face.dirs:
        regular, bold = folder / face.regular, folder / face.bold
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def locale_pdf(locale: str) -> FPDF:
    """An A4 document set up to write ``locale``: its font as ``FAMILY`` (regular and bold),
    DejaVu as the fallback, shaping and direction; raises PdfUnavailable when this server
    lacks a font or the shaping library the locale needs."""
    face = face_for(locale)
    fonts, fallback = face_paths(face), face_paths(DEJAVU)
    if fallback is None:
        raise PdfUnavailable(
            N_("The PDF cannot be made on this server: the DejaVu Sans font is not installed.")
        )
    if fonts is None:
        raise PdfUnavailable(
            N_("The PDF cannot be made in this language on this server: the %(font)s font is "
               "not installed."),
            font=face.name,
        )
    rtl = text_direction(locale) == "rtl"
    shaping = shaping_available()
    if rtl and not shaping:
        raise PdfUnavailable(
            N_("The PDF cannot be made in this language on this server: text shaping is missing.")
        )
    pdf = FPDF(format="A4")
    pdf.set_lang(locale)
    pdf.add_font(FAMILY, "", str(fonts[0]))
    pdf.add_font(FAMILY, "B", str(fonts[1]))
    if face != DEJAVU:
        pdf.add_font("Fallback", "", str(fallback[0]))
        pdf.add_font("Fallback", "B", str(fallback[1]))
        # exact_match=False: a bold Latin name in bold text may use the fallback's bold.
        pdf.set_fallback_fonts(["Fallback"], exact_match=False)
    if shaping:
        pdf.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if rtl else "ltr",
            language=SHAPING_LANGUAGES.get(locale),
        )
    return pdf


class LocaleDocument:
    """An A4 document in ``locale`` (see ``locale_pdf``) with its metadata set and a first page,
    written paragraph by paragraph in the locale's direction. One set-up for the contract, the
    certificate, the timetable, the letters and the hours statement."""

    def __init__(
        self, locale: str, *, title: str, author: str, subject: str = "",
        margins: tuple[float, float, float] = (20, 20, 20), centred: bool = False,
    ) -> None:  # fmt: skip
        self.pdf = locale_pdf(locale)  # refuses before any work when the fonts are missing
        left, top, right = margins
        self.pdf.set_margins(left, top, right)
        self.pdf.set_auto_page_break(auto=True, margin=top)
        self.pdf.set_title(title)
        if subject:
            self.pdf.set_subject(subject)
        self.pdf.set_author(author)
        self.pdf.set_creator("Welcome Buddy")
        # Centred reads right in both directions; otherwise the text starts on its own side.
        rtl = text_direction(locale) == "rtl"
        self.align = Align.C if centred else Align.R if rtl else Align.L
        self.pdf.add_page()

    def para(
        self, value: str, size: float = 11, style: str = "", gap: float = 3,
        leading: float = 0.55,
    ) -> None:  # fmt: skip
        """A paragraph (wrapped), then ``gap`` millimetres of space."""
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.multi_cell(0, size * leading, value, align=self.align,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.pdf.ln(gap)

    def footer(self, value: str, size: float = 8) -> None:
        """A small line at the foot of the current page (a reference, the city)."""
        self.pdf.set_y(-25)
        self.para(value, size, gap=0)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
