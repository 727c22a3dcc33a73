"""The dashboard's filters: a period (``from``–``to``, inclusive dates) and a neighbourhood.

The same parsing serves the page (errors shown beside the fields) and the API (422 naming the
parameter), so both accept and refuse exactly the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.config import CityProfile
from app.contracts.rules import add_months
from app.errors import Invalid
from app.i18n.catalog import N_

DEFAULT_MONTHS = 12
EARLIEST = date(2000, 1, 1)

BAD_DATE = N_("Enter a valid date (YYYY-MM-DD).")
TOO_EARLY = N_("Choose a date in the year 2000 or later.")
FROM_AFTER_TO = N_("The start of the period must not be after its end.")
UNKNOWN_AREA = N_("There is no such neighbourhood.")


@dataclass(frozen=True)
class Filters:
    start: date  # "from", inclusive
    end: date  # "to", inclusive
    neighbourhood: str | None
    today: date

    @property
    def as_of(self) -> date:
        """The day the period's rules are judged on: its end, or today if that is earlier."""
        return min(self.end, self.today)

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for links that keep them)."""
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.neighbourhood:
            found["neighbourhood"] = self.neighbourhood
        return found


def default_start(end: date) -> date:
    return add_months(end, -DEFAULT_MONTHS) + timedelta(days=1)


def parse_day(
    raw: str | None, field: str, errors: dict[str, str], latest: date = date.max
) -> date | None:
    """A form's optional day (YYYY-MM-DD): None when empty; a problem goes into ``errors``."""
    if raw is None or not raw.strip():
        return None
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        errors[field] = BAD_DATE
        return None
    if value < EARLIEST:
        errors[field] = TOO_EARLY
        return None
    if value > latest:
        errors[field] = BAD_DATE
        return None
    return value


def check(
    city: CityProfile,
    today: date,
    raw_from: str | None,
    raw_to: str | None,
    raw_neighbourhood: str | None,
) -> tuple[Filters, dict[str, str]]:
    """The filters, and per field the msgid of what is wrong with it (empty: all fine). On an
    error the filters hold the defaults for that field, so a page can still show numbers."""
    errors: dict[str, str] = {}
    end = parse_day(raw_to, "to", errors) or today
    start = parse_day(raw_from, "from", errors) or default_start(end)
    if not errors and start > end:
        errors["from"] = FROM_AFTER_TO
        start = default_start(end)
    neighbourhood = (raw_neighbourhood or "").strip() or None
    if neighbourhood is not None and city.neighbourhood(neighbourhood) is None:
        errors["neighbourhood"] = UNKNOWN_AREA
        neighbourhood = None
    return Filters(start, end, neighbourhood, today), errors


def parse(
    city: CityProfile,
    today: date,
    raw_from: str | None,
    raw_to: str | None,
    raw_neighbourhood: str | None,
) -> Filters:
    """The filters, or ``Invalid`` (422) naming the first bad parameter."""
    filters, errors = check(city, today, raw_from, raw_to, raw_neighbourhood)
    for field in ("from", "to", "neighbourhood"):
        if field in errors:
            raise Invalid(errors[field], field=field)
    return filters
