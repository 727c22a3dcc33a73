"""Plain rules of events (no database): answer deadline, seats, the panel kept for a session."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.contracts.rules import local_date

# After a speed-dating session the newcomer still has this long to choose from their panel.
CHOOSE_AFTER_SESSION = timedelta(days=7)


def answer_open(starts_at: datetime, now: datetime, timezone: str) -> bool:
    """An answer can be given or changed until the day before the event (city time), included.

    >>> from datetime import UTC
    >>> start = datetime(2026, 12, 10, 18, tzinfo=UTC)
    >>> answer_open(start, datetime(2026, 12, 9, 22, 59, tzinfo=UTC), "Europe/Brussels")
    True
    >>> answer_open(start, datetime(2026, 12, 9, 23, 0, tzinfo=UTC), "Europe/Brussels")
    False
    """
    return local_date(now, timezone) < local_date(starts_at, timezone)


def has_seat(capacity: int | None, taken: int) -> bool:
    """Whether one more "yes" gets a seat (else it goes on the waiting list).

    >>> has_seat(None, 500), has_seat(2, 1), has_seat(2, 2)
    (True, True, False)
    """
    return capacity is None or taken < capacity


def panel_kept_until(expires_at: datetime, session_ends_at: datetime) -> datetime:
    """A panel never expires before the session where its candidates are met (plus a week)."""
    return max(expires_at, session_ends_at + CHOOSE_AFTER_SESSION)


def is_reminder_day(starts_at: datetime, now: datetime, timezone: str) -> bool:
    """The reminder goes out on the day before the event (city time)."""
    return (local_date(starts_at, timezone) - local_date(now, timezone)).days == 1
