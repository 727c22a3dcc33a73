"""One appointment as an iCalendar file (RFC 5545), with a stable UID so a re-import updates
it: programme events here, intake talks (app/intake) through ``appointment_calendar``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.db import utcnow
from app.events.models import Event
from app.i18n.catalog import gettext


def appointment_calendar(
    *, uid: str, starts_at: datetime, ends_at: datetime, summary: str, place: str,
    description: str, timezone: str,
) -> bytes:  # fmt: skip
    # Imported here, not at the top: reminders and emails load this module in `buddy tick`,
    # which should not pay for the iCalendar library unless a file is actually made.
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    zone = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", "-//Welcome Buddy//programme event//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", uid)
    item.add("dtstamp", utcnow())
    item.add("dtstart", starts_at.astimezone(zone))
    item.add("dtend", ends_at.astimezone(zone))
    item.add("summary", summary)
    item.add("location", place)
    item.add("description", description)
    cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()


def event_calendar(event: Event, *, timezone: str, host: str, locale: str) -> bytes:
    return appointment_calendar(
        uid=f"event-{event.id}@{host}", starts_at=event.starts_at, ends_at=event.ends_at,
        summary=event.title, place=event.place,
        description=gettext(locale, "An event of the buddy programme"), timezone=timezone)
