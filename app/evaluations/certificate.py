"""The participation certificate of a completed pair, as a PDF in the newcomer's language.

Fonts and text shaping per locale come from app/i18n/pdf_fonts.py (Arabic script joined and
right to left, Ethiopic for Tigrinya).
Hours are the pair's CONFIRMED hours, rounded down (a certificate never overstates them).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.labels import hours_text
from app.checkins.models import Checkin, CheckinStatus
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.contracts.text import long_date
from app.db import utcnow
from app.errors import Conflict
from app.i18n.catalog import N_, gettext, ngettext
from app.i18n.pdf_fonts import LocaleDocument


def certificate_locale(contract: Contract, city: CityProfile) -> str:
    """The newcomer's own language, whoever downloads it (staff print it for them)."""
    locale = contract.newcomer.user.locale
    return locale if locale in city.locales else city.default_locale


def confirmed(session: Session, contract_id: int) -> tuple[int, int]:
    """(confirmed meetings, confirmed minutes) of one contract."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(Checkin.minutes), 0)).where(
            Checkin.contract_id == contract_id, Checkin.status == CheckinStatus.confirmed
        )
    ).one()
    return int(row[0]), int(row[1])


def lines_for(
    contract: Contract, *, meetings: int, minutes: int, city: CityProfile, locale: str,
    issued_on: date,
) -> list[tuple[str, float, str]]:  # fmt: skip
    """The certificate's text as (text, size, style) lines, in ``locale``."""

    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    hours = hours_text(rules.hours(minutes), locale)
    return [
        (_("Participation certificate"), 22, "B"),
        (_("The buddy programme of the city of %(city)s", city=city.name), 11, ""),
        ("", 8, ""),
        (
            _(
                "This certifies that %(newcomer)s took part in the buddy programme, with "
                "%(volunteer)s as volunteer buddy.",
                newcomer=contract.newcomer.display_name,
                volunteer=contract.volunteer.display_name,
            ),
            13,
            "",
        ),
        (
            _(
                "From %(start)s to %(end)s",
                start=long_date(contract.start_date, locale),
                end=long_date(contract.end_date, locale),
            ),
            13,
            "",
        ),
        *([(ngettext(locale, "Including an extension of %(num)s month, agreed by both.",
                     "Including an extension of %(num)s months, agreed by both.",
                     contract.extended_months), 12, "")] if contract.extended_months else []),
        ("", 4, ""),
        (_("Confirmed time together: %(hours)s hours", hours=hours), 15, "B"),
        (
            ngettext(locale, "%(num)s confirmed meeting", "%(num)s confirmed meetings", meetings),
            12,
            "",
        ),
        (
            _(
                "The programme's participation goal is %(goal)s hours.",
                goal=city.participation_hours_goal,
            ),
            11,
            "",
        ),
        ("", 10, ""),
        (
            _(
                "Issued on %(date)s by the city of %(city)s.",
                date=long_date(issued_on, locale),
                city=city.name,
            ),
            10,
            "",
        ),
    ]


def certificate_pdf(session: Session, contract: Contract, *, city: CityProfile) -> bytes:
    if contract.status is not ContractStatus.completed:
        raise Conflict(N_("The certificate is available once the contract is completed."))
    locale = certificate_locale(contract, city)
    meetings, minutes = confirmed(session, contract.id)
    lines = lines_for(contract, meetings=meetings, minutes=minutes, city=city, locale=locale,
                      issued_on=local_date(utcnow(), city.timezone))  # fmt: skip
    doc = LocaleDocument(locale, title=lines[0][0], author=city.name, margins=(25, 30, 25),
                         centred=True)  # fmt: skip
    for text, size, style in lines:
        if not text:
            doc.pdf.ln(size)
            continue
        doc.para(text, size, style, leading=0.6)
    doc.footer(f"#{contract.id} · {city.name}")
    return doc.output()
