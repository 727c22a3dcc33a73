"""The meeting form's fields: what a new form starts with, what a posted form holds, and turning
it into ``CheckinData`` (unreadable dates or numbers are refused naming the field)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.checkins import queries
from app.checkins.models import Activity, Checkin
from app.checkins.service import CheckinData, field_problems
from app.config import CityProfile
from app.errors import Invalid, Invalids
from app.i18n.catalog import N_


def initial(checkin: Checkin | None, city: CityProfile) -> dict[str, Any]:
    if checkin is None:
        return {"met_on": queries.today_in(city).isoformat(), "minutes": "60",
                "activities": [], "note": "", "worried": False, "concern": ""}  # fmt: skip
    return {
        "met_on": checkin.met_on.isoformat(),
        "minutes": str(checkin.minutes),
        "activities": [a.value for a in checkin.activities],
        "note": checkin.note,
        "worried": checkin.concern_open,
        "concern": checkin.concern_reason or "",
    }


def parse(values: dict[str, Any]) -> CheckinData:
    """The typed form as ``CheckinData``; every wrong field is reported at once (``Invalids``),
    not only the first one."""
    problems: list[Invalid] = []
    met_on: date | None = None
    minutes: int | None = None
    activities: list[Activity] | None = None
    try:
        met_on = date.fromisoformat(values["met_on"].strip())
    except ValueError:
        problems.append(Invalid(N_("Enter a valid date."), field="met_on"))
    try:
        minutes = int(values["minutes"].strip())
    except ValueError:
        problems.append(Invalid(N_("Enter a whole number."), field="minutes"))
    try:
        activities = [Activity(a) for a in values["activities"]]
    except ValueError:
        problems.append(Invalid(N_("Choose one of the options."), field="activities"))
    concern = values["concern"] if values["worried"] else None
    problems += field_problems(minutes, activities, values["note"], concern)
    if problems:
        raise Invalids(problems)
    assert met_on is not None
    assert minutes is not None
    assert activities is not None
    return CheckinData(met_on, minutes, activities, values["note"], concern)


def posted(met_on: str, minutes: str, activities: list[str], note: str, worried: str,
           concern: str) -> dict[str, Any]:  # fmt: skip
    return {"met_on": met_on, "minutes": minutes, "activities": activities, "note": note,
            "worried": bool(worried), "concern": concern}  # fmt: skip
