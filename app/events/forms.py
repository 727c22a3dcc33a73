"""The staff's "new event" form: strings typed in the city's time zone → ``EventCreate``."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from app.events.models import EventKind
from app.events.schemas import EventCreate
from app.i18n.catalog import N_

FIELDS = ("kind", "title", "day", "start", "end", "place", "capacity", "table_count",
          "slot_minutes", "languages")
KIND_LABELS = {
    EventKind.speed_dating: N_("Speed-dating session"),
    EventKind.info_session: N_("Information session for new volunteers"),
    EventKind.training: N_("Training for volunteers"),
    EventKind.group_activity: N_("Group activity for pairs"),
    EventKind.kickoff: N_("Kick-off for new pairs"),
    EventKind.closing: N_("Closing and certificates"),
}


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def parse(values: dict[str, str], timezone: str) -> tuple[EventCreate | None, dict[str, str]]:
    """The event, or the message ids of what is wrong, by field."""
    errors: dict[str, str] = {}
    zone = ZoneInfo(timezone)
    try:
        day = date.fromisoformat(values.get("day", ""))
    except ValueError:
        errors["day"] = N_("Give the date.")
    moments = {}
    for field in ("start", "end"):
        try:
            moments[field] = time.fromisoformat(values.get(field, ""))
        except ValueError:
            errors[field] = N_("Give the time, for example 19:00.")
    numbers: dict[str, int | None] = {}
    for field in ("capacity", "table_count", "slot_minutes"):
        try:
            numbers[field] = _optional_int(values.get(field, ""))
        except ValueError:
            errors[field] = N_("Give a whole number, or leave it empty.")
    if not errors and moments["end"] <= moments["start"]:
        errors["end"] = N_("The end must be after the start.")
    if errors:
        return None, errors
    data = {
        "kind": values.get("kind", ""),
        "title": values.get("title", ""),
        "place": values.get("place", ""),
        "starts_at": datetime.combine(day, moments["start"], tzinfo=zone),
        "ends_at": datetime.combine(day, moments["end"], tzinfo=zone),
        "languages": [c.strip().lower() for c in values.get("languages", "").split(",")
                      if c.strip()],
        **{k: v for k, v in numbers.items() if not (k == "slot_minutes" and v is None)},
    }
    try:
        return EventCreate.model_validate(data), {}
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            field = {"starts_at": "start", "ends_at": "end"}.get(field, field)
            errors[field if field in FIELDS else "form"] = _message(field)
        return None, errors


def _message(field: str) -> str:
    return {
        "kind": N_("Choose the kind of event."),
        "title": N_("Give a title."),
        "place": N_("Give the place."),
        "languages": N_("Give language codes such as ar, uk, ti, separated by commas."),
    }.get(field, N_("Check this value."))
