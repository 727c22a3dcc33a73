"""The pair's recurring meeting as an iCalendar file (RFC 5545) both can import.

The event repeats at the pair's first shared slot, weekly or fortnightly as frozen in the
contract, from the start date until the end date, in the city's time zone (with a VTIMEZONE,
so calendars that do not know the zone still place it right).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.config import Cadence, CityProfile
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.errors import Conflict
from app.i18n.catalog import N_, gettext
from app.people.vocabulary import DAYS

SLOT_START = {"morning": time(10, 0), "afternoon": time(14, 0), "evening": time(19, 0)}
MEETING_LENGTH = timedelta(hours=1)


def first_meeting(start: date, slot: str | None) -> tuple[date, time]:
    """The first day on or after ``start`` that falls on the slot's weekday, and its time.

    Without a shared slot (should not happen: the engine requires one) the pair is put on the
    start date's own weekday, in the morning.
    """
    if not slot:
        return start, SLOT_START["morning"]
    day, _, part = slot.partition("-")
    offset = (DAYS.index(day) - start.weekday()) % 7
    return start + timedelta(days=offset), SLOT_START[part]


def contract_calendar(
    contract: Contract, *, timezone: str, host: str, summary: str, description: str
) -> bytes:
    if contract.start_date is None or contract.end_date is None:
        raise ValueError("only a signed contract has dates to put in a calendar")
    zone = ZoneInfo(timezone)
    day, at = first_meeting(contract.start_date, contract.meeting_slot)
    begins = datetime.combine(day, at, tzinfo=zone)
    # UNTIL must be in UTC when DTSTART has a TZID (RFC 5545 §3.3.10); the last meeting is
    # on or before the end date.
    until = datetime.combine(contract.end_date, time(23, 59, 59), tzinfo=zone)

    # Imported here: every contract email module loads this one, and `buddy tick` should not
    # pay for the iCalendar library unless a meeting file is actually made.
    from icalendar import Calendar, Event, vRecur

    cal = Calendar()
    cal.add("prodid", "-//Welcome Buddy//buddy contract//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"contract-{contract.id}@{host}")  # stable: re-import updates, never doubles
    event.add("dtstamp", utcnow())
    # An extension moves UNTIL: a higher sequence tells calendars the re-import is newer.
    event.add("sequence", 1 if contract.extended_months else 0)
    event.add("dtstart", begins)
    event.add("dtend", begins + MEETING_LENGTH)
    rule = vRecur(freq="WEEKLY", until=until.astimezone(ZoneInfo("UTC")))
    if contract.cadence is Cadence.fortnightly:
        rule["interval"] = 2
    event.add("rrule", rule)
    event.add("summary", summary)
    event.add("description", description)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def ics_for(contract: Contract, *, city: CityProfile, locale: str, host: str) -> bytes:
    """The calendar file, once both have signed (before that there are no dates)."""
    if contract.start_date is None or contract.status not in (
        ContractStatus.active,
        ContractStatus.completed,
    ):
        raise Conflict(N_("The calendar is available once both of you have signed."))
    summary = gettext(
        locale,
        "Buddy meeting: %(newcomer)s and %(volunteer)s",
        newcomer=contract.newcomer.first_name,
        volunteer=contract.volunteer.first_name,
    )
    description = gettext(
        locale, "The buddy programme of the city of %(city)s", city=city.name
    )
    return contract_calendar(
        contract, timezone=city.timezone, host=host, summary=summary, description=description
    )
