"""Which checklist items exist, and what is still missing for approval (plain functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from app.i18n.catalog import N_

MAX_SERIES = 40  # one afternoon of 10-minute talks is 24; more is surely a typing error

INTAKE_ITEMS: Mapping[str, str] = {
    "legal_residence": N_("Legal residence checked"),
    "age": N_("Age confirmed (adult)"),
    "address": N_("Address in the city confirmed"),
    "commitment": N_("Six-month commitment explained"),
    "expectations": N_("Expectations noted"),
    "civic_integration_file": N_("Civic-integration file number"),
    "dutch_level": N_("Dutch level checked"),
}
SCREENING_ITEMS: Mapping[str, str] = {
    "references": N_("References checked"),
    "talk": N_("Talk with staff held"),
    "good_conduct": N_("Certificate of good conduct seen"),
    "info_session": N_("Information session attended"),
    "training": N_("Training attended"),
}


def missing(done: Mapping[str, bool], required: Iterable[str]) -> list[str]:
    """The required items not done, in the city's order.

    >>> missing({"references": True, "talk": False}, ["talk", "references", "training"])
    ['talk', 'training']
    """
    return [item for item in required if not done.get(item, False)]


def series(first: datetime, minutes: int, count: int) -> list[datetime]:
    """The starts of ``count`` talks one after the other ("one slot per talk").

    >>> from datetime import UTC
    >>> [t.strftime("%H:%M") for t in series(datetime(2026, 12, 7, 9, tzinfo=UTC), 45, 3)]
    ['09:00', '09:45', '10:30']
    """
    return [first + timedelta(minutes=minutes * i) for i in range(count)]
