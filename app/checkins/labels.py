"""What the meeting pages say: labels of activities and states, and a pair's progress in words
(hours, streak, adherence) in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.checkins.models import Activity, CheckinStatus
from app.checkins.queries import Progress
from app.config import Cadence
from app.i18n.catalog import N_, gettext, ngettext

ACTIVITY_LABELS = {
    Activity.dutch: N_("Practise Dutch"),
    Activity.paperwork: N_("Bank or paperwork"),
    Activity.shopping: N_("Shopping"),
    Activity.work_school: N_("Work or school"),
    Activity.leisure: N_("Leisure"),
    Activity.health: N_("Health"),
    Activity.housing: N_("Housing"),
    Activity.other: N_("Something else"),
}
STATUS_LABELS = {
    CheckinStatus.pending: N_("Waiting for confirmation"),
    CheckinStatus.confirmed: N_("Confirmed"),
    CheckinStatus.disputed: N_("Did not happen"),
}


def hours_text(hours: float, locale: str) -> str:
    return format_decimal(hours, format="#,##0.#", locale=locale)


def day_text(value: date, locale: str) -> str:
    return format_date(value, format="medium", locale=locale)


def minutes_text(minutes: int, locale: str) -> str:
    h, m = divmod(minutes, 60)
    if h and m:
        return gettext(locale, "%(hours)s h %(minutes)s min", hours=h, minutes=m)
    if h:
        return ngettext(locale, "%(num)s hour", "%(num)s hours", h)
    return gettext(locale, "%(minutes)s min", minutes=m)


def streak_text(streak: int, cadence: Cadence, locale: str) -> str:
    if cadence is Cadence.weekly:
        return ngettext(locale, "%(num)s week in a row", "%(num)s weeks in a row", streak)
    return ngettext(locale, "%(num)s fortnight in a row", "%(num)s fortnights in a row", streak)


@dataclass(frozen=True)
class Summary:
    hours: str  # "12.5"
    hours_line: str  # "12.5 hours together (confirmed)"
    streak: int
    streak_line: str
    adherence: str | None  # "80 %", None while nothing can be judged
    goal_line: str  # "12.5 of 40 participation hours"
    goal_percent: int
    goal_hours: int
    meetings: int
    waiting: int
    at_risk: bool
    open_concerns: int


def summary(progress: Progress, cadence: Cadence, locale: str) -> Summary:
    hours = hours_text(progress.confirmed_hours, locale)
    adherence = (
        format_percent(progress.adherence, locale=locale)
        if progress.adherence is not None
        else None
    )
    return Summary(
        hours=hours,
        hours_line=gettext(locale, "%(hours)s hours together (confirmed)", hours=hours),
        streak=progress.streak,
        streak_line=streak_text(progress.streak, cadence, locale),
        adherence=adherence,
        goal_line=gettext(
            locale,
            "%(hours)s of %(goal)s participation hours",
            hours=hours,
            goal=progress.goal_hours,
        ),
        goal_percent=progress.goal_percent,
        goal_hours=progress.goal_hours,
        meetings=progress.meetings,
        waiting=progress.waiting_for_confirmation,
        at_risk=progress.at_risk,
        open_concerns=progress.open_concerns,
    )
