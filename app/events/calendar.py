"""One event as an iCalendar file (RFC 5545), with a stable UID so a re-import updates it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from app.db import utcnow
from app.events.models import Event
from app.i18n.catalog import gettext


def event_calendar(event: Event, *, timezone: str, host: str, locale: str) -> bytes:
    zone = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", "-//Welcome Buddy//programme event//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at.astimezone(zone))
    item.add("dtend", event.ends_at.astimezone(zone))
    item.add("summary", event.title)
    item.add("location", event.place)
    item.add("description", gettext(locale, "An event of the buddy programme"))
    cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()
