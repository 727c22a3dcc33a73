"""The contract's wording, in the reader's language: one source for the page and the PDF, so
what a person reads before signing is exactly what they can download afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date

from app.config import Cadence
from app.contracts.models import Contract, ContractStatus
from app.i18n.catalog import N_, gettext, ngettext, text_direction
from app.matches.reasons import moment_phrase, slot_label

COMMITMENTS = (
    N_("Meet regularly, as agreed above, and tell each other in good time when we cannot come."),
    N_("Treat each other with respect, whatever our origin, beliefs, gender or opinions."),
    N_("Keep what we tell each other confidential."),
    N_("Tell the programme staff if it stops working, so that they can help."),
)
CADENCE_TEXT = {
    Cadence.weekly: N_("We meet once a week."),
    Cadence.fortnightly: N_("We meet at least once every two weeks."),
}
STATUS_LABELS = {
    ContractStatus.pending: N_("Waiting for signatures"),
    ContractStatus.active: N_("Active"),
    ContractStatus.completed: N_("Completed"),
    ContractStatus.ended_early: N_("Ended early"),
    ContractStatus.declined: N_("Declined"),
}


@dataclass(frozen=True)
class SignatureText:
    role: str  # "Newcomer" / "Volunteer", translated
    first_name: str
    signed_name: str | None
    line: str  # "Signed by … on …" or "Not signed yet"


@dataclass(frozen=True)
class ContractText:
    locale: str
    direction: str
    title: str
    programme: str
    parties: str
    period: str
    cadence: str
    slot: str | None
    commitments_heading: str
    commitments: list[str]
    status: str
    signatures: list[SignatureText]
    extension: str | None = None  # "Extended once by 3 months …" when both signed it


def long_date(value: object, locale: str) -> str:
    return format_date(value, format="long", locale=locale)  # type: ignore[arg-type]


def signed_moment(value: datetime, timezone: str, locale: str) -> str:
    return moment_phrase(value, timezone, locale)


def contract_text(
    contract: Contract, *, city_name: str, timezone: str, locale: str
) -> ContractText:
    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    newcomer, volunteer = contract.newcomer.first_name, contract.volunteer.first_name
    months = ngettext(locale, "%(num)s month", "%(num)s months", contract.total_months)
    if contract.start_date and contract.end_date:
        period = _(
            "This agreement runs from %(start)s to %(end)s (%(months)s).",
            start=long_date(contract.start_date, locale),
            end=long_date(contract.end_date, locale),
            months=months,
        )
    else:
        period = _(
            "This agreement starts on the day the second of us signs, and runs for %(months)s.",
            months=months,
        )
    signatures = []
    for prefix, role, first in (
        ("newcomer", _("Newcomer"), newcomer),
        ("volunteer", _("Volunteer"), volunteer),
    ):
        name = getattr(contract, f"{prefix}_signed_name")
        at = getattr(contract, f"{prefix}_signed_at")
        line = (
            _("Signed by %(name)s on %(moment)s", name=name,
              moment=signed_moment(at, timezone, locale))
            if at else _("Not signed yet")
        )  # fmt: skip
        signatures.append(SignatureText(role, first, name, line))
    slot = None
    if contract.meeting_slot:
        label = slot_label(contract.meeting_slot, locale)
        slot = _("Our usual time to meet: %(slot)s.", slot=label)
    return ContractText(
        locale=locale,
        direction=text_direction(locale),
        title=_("Buddy agreement"),
        programme=_("The buddy programme of the city of %(city)s", city=city_name),
        parties=_(
            "This agreement is between %(newcomer)s (newcomer) and %(volunteer)s (volunteer).",
            newcomer=newcomer,
            volunteer=volunteer,
        ),
        period=period,
        cadence=_(CADENCE_TEXT[contract.cadence]),
        slot=slot,
        commitments_heading=_("We both commit to:"),
        commitments=[_(c) for c in COMMITMENTS],
        status=_(STATUS_LABELS[contract.status]),
        signatures=signatures,
        extension=ngettext(
            locale, "Extended once by %(num)s month: both of us signed the extension.",
            "Extended once by %(num)s months: both of us signed the extension.",
            contract.extended_months,
        ) if contract.extended_months else None,
    )  # fmt: skip
