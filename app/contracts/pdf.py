"""The contract as a PDF, in the reader's language, Arabic included (shaped, right-to-left).

Arabic needs a font with its glyphs (DejaVu Sans has them) and text shaping by HarfBuzz
(``uharfbuzz``). Without them the PDF would show unjoined letters in the wrong order, so we
refuse with a clear error instead of handing out garbage.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.config import CityProfile
from app.contracts.models import Contract
from app.contracts.text import ContractText, contract_text
from app.errors import DomainError
from app.i18n.catalog import N_

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/share/fonts/dejavu"),
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
# Scripts HarfBuzz must shape for the text to be readable at all.
_SCRIPTS = {"ar": ("arab", "ara"), "fa": ("arab", "fas"), "ps": ("arab", "pus")}


class PdfUnavailable(DomainError):
    status_code = 503


@cache
def font_paths() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / REGULAR, folder / BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def contract_pdf(text: ContractText, *, contract_id: int, city_name: str) -> bytes:
    fonts = font_paths()
    if fonts is None:
        raise PdfUnavailable(
            N_("The PDF cannot be made on this server: the DejaVu Sans font is not installed.")
        )
    rtl = text.direction == "rtl"
    shaping = shaping_available()
    if rtl and not shaping:
        raise PdfUnavailable(
            N_("The PDF cannot be made in this language on this server: text shaping is missing.")
        )
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(text.title)
    pdf.set_subject(text.programme)
    pdf.set_author(city_name)
    pdf.set_creator("Welcome Buddy")
    pdf.set_lang(text.locale)
    pdf.add_font("DejaVu", "", str(fonts[0]))
    pdf.add_font("DejaVu", "B", str(fonts[1]))
    if shaping:
        script, language = _SCRIPTS.get(text.locale, (None, None))
        pdf.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if rtl else "ltr",
            script=script,
            language=language,
        )
    align = Align.R if rtl else Align.L
    pdf.add_page()

    def para(value: str, size: float = 11, style: str = "", gap: float = 3) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.55, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    para(text.title, 18, "B", 1)
    para(text.programme, 10, gap=6)
    para(text.parties)
    para(text.period)
    para(text.cadence)
    if text.slot:
        para(text.slot)
    pdf.ln(2)
    para(text.commitments_heading, 12, "B", 2)
    for item in text.commitments:
        para(f"•  {item}", gap=1.5)
    pdf.ln(6)
    para(text.status, 10, "B", 4)
    for signature in text.signatures:
        para(f"{signature.role}: {signature.first_name}", 11, "B", 1)
        para(signature.line, 11, gap=5)
    pdf.set_y(-25)
    para(f"#{contract_id} · {city_name}", 8, gap=0)
    return bytes(pdf.output())


def pdf_for(contract: Contract, *, city: CityProfile, locale: str) -> bytes:
    text = contract_text(contract, city_name=city.name, timezone=city.timezone, locale=locale)
    return contract_pdf(text, contract_id=contract.id, city_name=city.name)
