"""HTML profile forms: from posted fields to schema input, and back to what the page shows.

Field names (``application/x-www-form-urlencoded``): ``email``, ``password``, ``first_name``,
``last_name``, ``year_of_birth``, ``gender``, ``buddy_gender``, ``phone``, ``lang_code_N`` /
``lang_level_N`` (N = 0, 1, …; empty rows are ignored), ``availability`` (repeated, one per
slot), ``neighbourhood`` (or ``lat`` + ``lon`` when empty), ``interests`` (comma-separated),
``goals`` and ``interest_keys`` (repeated; the listed interests ticked),
``consent``; newcomers ``arrived_on``, ``civic_integration``, ``note``;
volunteers ``bio``, ``max_buddies``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.config import CityProfile
from app.i18n.catalog import N_, gettext
from app.people import interests
from app.people.models import Newcomer, Person, Volunteer
from app.people.vocabulary import (
    COMMON_LANGUAGES,
    DAYS,
    PARTS,
    Level,
    language_codes,
    language_name,
)
from app.people.vocabulary import GOAL_IN_SENTENCE as GOAL_IN_SENTENCE
from app.people.vocabulary import GOAL_LABELS as GOAL_LABELS
from app.web.errors import translate_validation_error

MIN_LANGUAGE_ROWS = 4
MAX_LANGUAGE_ROWS = 12
_LANG_FIELD = re.compile(r"^lang_(code|level)_(\d{1,2})$")

DAY_LABELS = {
    "mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"), "thu": N_("Thursday"),
    "fri": N_("Friday"), "sat": N_("Saturday"), "sun": N_("Sunday"),
}  # fmt: skip
DAY_SHORT = {
    "mon": N_("Mon"), "tue": N_("Tue"), "wed": N_("Wed"), "thu": N_("Thu"),
    "fri": N_("Fri"), "sat": N_("Sat"), "sun": N_("Sun"),
}  # fmt: skip
PART_LABELS = {"morning": N_("morning"), "afternoon": N_("afternoon"), "evening": N_("evening")}
LEVEL_LABELS = {
    "basic": N_("Basic: a few words"),
    "conversational": N_("Conversational"),
    "fluent": N_("Fluent"),
    "native": N_("Native / mother tongue"),
}
GENDER_LABELS = {"female": N_("Woman"), "male": N_("Man"), "other": N_("Other / rather not say")}
BUDDY_GENDER_LABELS = {"any": N_("No preference"), "same": N_("Someone of my own gender")}
VOCABULARY = {
    "days": DAYS,
    "parts": PARTS,
    "day_labels": DAY_LABELS,
    "day_short": DAY_SHORT,
    "part_labels": PART_LABELS,
    "level_labels": LEVEL_LABELS,
    "gender_labels": GENDER_LABELS,
    "buddy_gender_labels": BUDDY_GENDER_LABELS,
    "goal_labels": GOAL_LABELS,
    "interest_labels": interests.COMMON_INTERESTS,
}

TEXT_FIELDS = (
    "email", "first_name", "last_name", "year_of_birth", "gender", "buddy_gender", "phone",
    "neighbourhood", "lat", "lon", "interests", "arrived_on", "note", "bio", "max_buddies",
)  # fmt: skip


def language_choices(locale: str, keep: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Options for the language pickers: the programme's common languages first, then every
    ISO 639-1 language (a list of all 600 CLDR codes would weigh too much on a cheap phone,
    four times over). Codes already chosen are always offered, so editing never loses one."""
    common = [(c, language_name(c, locale)) for c in COMMON_LANGUAGES]
    listed = set(COMMON_LANGUAGES)
    others = {c for c in language_codes() if len(c) == 2 or c in keep} - listed
    rest = sorted(((c, language_name(c, locale)) for c in others), key=lambda p: p[1].casefold())
    return [(N_("Common languages"), common), (N_("All languages"), rest)]


def _language_rows(form: FormData) -> list[dict[str, str]]:
    # Bounded: a forged form with hundreds of rows gets no further than the schema's limit.
    indexes = sorted({int(m.group(2)) for key in form if (m := _LANG_FIELD.match(key))})[:20]
    return [
        {
            "code": str(form.get(f"lang_code_{i}") or "").strip(),
            "level": str(form.get(f"lang_level_{i}") or "").strip(),
        }
        for i in indexes
    ]


def form_values(form: FormData) -> dict[str, Any]:
    """Everything the visitor typed, to show again (never the password)."""
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
    values["availability"] = [str(v) for v in form.getlist("availability")]
    values["goals"] = [str(v) for v in form.getlist("goals")]
    values["interest_keys"] = [str(v) for v in form.getlist("interest_keys")]
    values["civic_integration"] = bool(form.get("civic_integration"))
    values["consent"] = bool(form.get("consent"))
    values["languages"] = [r for r in _language_rows(form) if r["code"] or r["level"]]
    return values


def schema_input(values: dict[str, Any], *, kind: str, account: bool) -> dict[str, Any]:
    """The dict a create/update schema validates. Empty optional fields become "not given"."""
    data: dict[str, Any] = {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "year_of_birth": values["year_of_birth"] or None,
        "gender": values["gender"] or None,
        "buddy_gender": values["buddy_gender"] or "any",
        "phone": values["phone"].strip() or None,
        "languages": [
            {"code": r["code"] or None, "level": r["level"] or None} for r in values["languages"]
        ],
        "availability": values["availability"],
        # The listed interests ticked, then the free text (commas, Arabic commas, semicolons).
        "interests": [k for k in values["interest_keys"] if k in interests.COMMON_INTERESTS]
        + interests.split(values["interests"]),
        "goals": values["goals"],
    }
    if values["neighbourhood"]:
        data["location"] = {"neighbourhood": values["neighbourhood"]}
    elif values["lat"].strip() or values["lon"].strip():
        lat, lon = values["lat"].strip(), values["lon"].strip()
        data["location"] = {"lat": lat or None, "lon": lon or None}
    else:
        data["location"] = None
    if kind == "newcomer":
        data["arrived_on"] = values["arrived_on"] or None
        data["civic_integration"] = values["civic_integration"]
        data["note"] = values["note"]
    else:
        data["bio"] = values["bio"]
        data["max_buddies"] = values["max_buddies"] or 1
    if account:
        data["email"] = values["email"].strip()
        data["consent"] = values["consent"]
    return data


def field_key(loc: list[str]) -> str:
    """Where on the form an error belongs: a language row, or the field itself."""
    if not loc:
        return "form"
    head = loc[0]
    if head == "languages" and len(loc) > 1 and loc[1].isdigit():
        return f"lang_{loc[1]}"
    return head


def form_errors(exc: ValidationError, locale: str, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.get("location") is None:
        # Clearer than the generic "required": say what to do.
        errors["location"] = gettext(locale, N_("Choose your neighbourhood."))
    for raw in exc.errors():
        error = translate_validation_error(dict(raw), locale)
        if raw["type"] == "string_too_short" and not raw.get("input"):
            error["message"] = gettext(locale, N_("This field is required."))
        errors.setdefault(field_key(error["loc"]), error["message"])
    return errors


def empty_values() -> dict[str, Any]:
    """A blank registration form."""
    values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    values.update(
        availability=[], goals=[], interest_keys=[], languages=[], civic_integration=False,
        consent=False, buddy_gender="any", max_buddies="1",
    )  # fmt: skip
    return values


def language_rows_for_display(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """At least four rows, and always one empty row to add a language without JavaScript."""
    shown = list(rows)
    while len(shown) < max(MIN_LANGUAGE_ROWS, len(rows) + 1) and len(shown) < MAX_LANGUAGE_ROWS:
        shown.append({"code": "", "level": ""})
    return shown


def values_from_person(person: Person, city: CityProfile) -> dict[str, Any]:
    """The edit form's starting point: the stored profile, in form shape."""
    values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    values.update(
        first_name=person.first_name,
        last_name=person.last_name,
        year_of_birth=str(person.year_of_birth),
        gender=person.gender.value,
        buddy_gender=person.buddy_gender.value,
        phone=person.phone or "",
        neighbourhood=person.neighbourhood or "",
        interests=", ".join(interests.split_stored(person.interests)[1]),
        interest_keys=interests.split_stored(person.interests)[0],
        availability=list(person.availability),
        goals=list(person.goals),
        languages=[{"code": lang.code, "level": lang.level.value} for lang in person.languages],
        civic_integration=False,
        consent=True,
    )
    centre = city.neighbourhood(person.neighbourhood or "")
    if centre is None or (centre.lat, centre.lon) != (person.lat, person.lon):
        # A point of one's own: keep it, rather than moving the person to an area's centre.
        values.update(neighbourhood="", lat=str(person.lat), lon=str(person.lon))
    if isinstance(person, Newcomer):
        values.update(
            arrived_on=person.arrived_on.isoformat() if person.arrived_on else "",
            civic_integration=person.civic_integration,
            note=person.note,
        )
    if isinstance(person, Volunteer):
        values.update(bio=person.bio, max_buddies=str(person.max_buddies))
    return values


LEVELS = [level.value for level in Level]


def form_context(
    locale: str,
    city: CityProfile,
    kind: str,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    action: str | None = None,
) -> dict[str, Any]:
    """Everything ``people/register.html``, ``people/edit.html`` and the pages built on them
    (the staff welcome desk) need to show a profile form. ``action`` is where the form posts
    (default: the visitor's own registration, ``/register/<kind>``)."""
    chosen = [row["code"] for row in values["languages"] if row["code"]]
    return {
        "kind": kind,
        "form_action": action or f"/register/{kind}",
        "values": values,
        "errors": errors,
        "language_rows": language_rows_for_display(values["languages"]),
        "language_choices": language_choices(locale, chosen),
        "levels": LEVELS,
        "neighbourhoods": sorted(city.neighbourhoods, key=lambda n: n.name),
        **VOCABULARY,
    }
