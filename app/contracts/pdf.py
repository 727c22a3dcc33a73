"""The contract as a PDF, in the reader's language, Arabic script included (shaped, right to
left) and Ethiopic: fonts and shaping per locale come from app/i18n/pdf_fonts.py.
"""

from __future__ import annotations

from pathlib import Path

from app.config import CityProfile
from app.contracts.models import Contract
from app.contracts.text import ContractText, contract_text
from app.i18n.pdf_fonts import (  # noqa: F401 - re-exported for older imports
    DEJAVU,
    FAMILY,
    LocaleDocument,
    PdfUnavailable,
    face_paths,
    locale_pdf,
    shaping_available,
)


def font_paths() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold), the default font; see app/i18n/pdf_fonts.py per locale."""
    return face_paths(DEJAVU)


def contract_pdf(text: ContractText, *, contract_id: int, city_name: str) -> bytes:
    doc = LocaleDocument(text.locale, title=text.title, subject=text.programme, author=city_name)
    para = doc.para

    para(text.title, 18, "B", 1)
    para(text.programme, 10, gap=6)
    para(text.parties)
    para(text.period)
    if text.extension:
        para(text.extension)
    para(text.cadence)
    if text.slot:
        para(text.slot)
    doc.pdf.ln(2)
    para(text.commitments_heading, 12, "B", 2)
    for item in text.commitments:
        para(f"•  {item}", gap=1.5)
    doc.pdf.ln(6)
    para(text.status, 10, "B", 4)
    for signature in text.signatures:
        para(f"{signature.role}: {signature.first_name}", 11, "B", 1)
        para(signature.line, 11, gap=5)
    doc.footer(f"#{contract_id} · {city_name}")
    return doc.output()


def pdf_for(contract: Contract, *, city: CityProfile, locale: str) -> bytes:
    text = contract_text(contract, city_name=city.name, timezone=city.timezone, locale=locale)
    return contract_pdf(text, contract_id=contract.id, city_name=city.name)
