"""What every staff page's template gets: labels, date formatting in the city's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import Response

from app.config import CityProfile
from app.errors import DomainError
from app.i18n.catalog import N_, gettext
from app.people import forms
from app.web.templating import render

# Labels of the audit actions staff see in a person's history; unknown actions show as stored.
ACTION_LABELS = {
    "volunteer.vetting": N_("Screening decision"),
    "newcomer.intake": N_("Intake decision"),
    "newcomer.registered_by_staff": N_("Registered at the welcome desk"),
    "newcomer.setup_code": N_("New code to choose a password printed"),
    "newcomer.intake_booking": N_("Intake talk booked"),
    "newcomer.intake_booking_cancel": N_("Intake talk cancelled"),
    "privacy.erasure_requested": N_("Asked for their data to be erased"),
    "privacy.consent_withdrawn": N_("Withdrew consent"),
    "privacy.consent_accepted": N_("Agreed to the privacy notice"),
    "privacy.erased": N_("Personal data erased"),
    "inbox.letter_printed": N_("A message printed as a letter"),
    "hours.statement": N_("Statement of hours downloaded by staff"),
}
STATUS_LABELS = {
    "pending": N_("Waiting"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "paused": N_("Paused"),
}


def formatters(request: Request, city: CityProfile) -> dict[str, Callable[..., str]]:
    locale: str = request.state.locale
    zone = ZoneInfo(city.timezone)

    def when(value: datetime | None) -> str:
        return format_datetime(value, "short", tzinfo=zone, locale=locale) if value else "—"

    def day(value: date | datetime | None) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(zone).date()
        return format_date(value, "medium", locale=locale) if value else "—"

    return {"when": when, "day": day}


def page_context(request: Request, city: CityProfile, **extra: Any) -> dict[str, Any]:
    return {
        **forms.VOCABULARY,
        **formatters(request, city),
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        **extra,
    }


def not_found(request: Request, exc: DomainError) -> Response:
    """Domain errors answer JSON by default; a page gets the HTML error page."""
    message = gettext(request.state.locale, exc.message, **exc.params)
    return render(request, "errors/error.html", {"status": 404, "message": message}, 404)
