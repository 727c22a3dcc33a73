"""The staff's "publish intake slots" form: strings typed in the city's time zone →
``IntakeSlotCreate``."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from app.i18n.catalog import N_
from app.intake.schemas import IntakeSlotCreate

FIELDS = ("day", "start", "minutes", "count", "capacity", "place")
DEFAULTS = {"minutes": "30", "count": "1", "capacity": "1"}


def parse(values: dict[str, str], timezone: str) -> tuple[IntakeSlotCreate | None, dict[str, str]]:
    """The slots to publish, or the message ids of what is wrong, by field."""
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(values.get("day", ""))
    except ValueError:
        errors["day"] = N_("Give the date.")
    try:
        start = time.fromisoformat(values.get("start", ""))
    except ValueError:
        errors["start"] = N_("Give the time, for example 19:00.")
    numbers: dict[str, int] = {}
    for field in ("minutes", "count", "capacity"):
        raw = values.get(field, "").strip() or DEFAULTS[field]
        if not raw.isdigit():
            errors[field] = N_("Give a whole number.")
        else:
            numbers[field] = int(raw)
    if errors:
        return None, errors
    try:
        return IntakeSlotCreate.model_validate({
            "starts_at": datetime.combine(day, start, tzinfo=ZoneInfo(timezone)),
            "place": values.get("place", ""), **numbers}), {}  # fmt: skip
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            errors[field if field in FIELDS else "form"] = _message(field)
        return None, errors


def _message(field: str) -> str:
    return {
        "place": N_("Give the place."),
        "minutes": N_("A talk takes between 5 and 240 minutes."),
        "count": N_("Give between 1 and 40 talks."),
        "capacity": N_("Give between 1 and 50 talks at once."),
    }.get(field, N_("Check this value."))
