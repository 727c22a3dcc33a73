"""Panel rules and the wording of reasons: plain functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.matches.models import PanelStatus
from app.matches.panels import rough_km
from app.matches.reasons import (
    distance_phrase,
    moment_phrase,
    reason_sentences,
    slot_label,
    slots_phrase,
    usable_languages,
)
from app.matches.rules import panel_expires_at, panel_is_expired, panel_is_open

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

REASONS = {
    "languages": [
        {"code": "ar", "newcomer_level": "native", "volunteer_level": "fluent", "usable": True},
        {"code": "fr", "newcomer_level": "basic", "volunteer_level": "basic", "usable": False},
        {"code": "nl", "newcomer_level": "basic", "volunteer_level": "native", "usable": True},
    ],
    "strongest_language": True,
    "shared_slots": ["sat-morning", "mon-evening"],
    "distance_km": 2.3,
}


def test_panel_expiry() -> None:
    expires = panel_expires_at(NOW, 14)
    assert expires == NOW + timedelta(days=14)
    assert not panel_is_expired(PanelStatus.open, expires, NOW)
    assert panel_is_open(PanelStatus.open, expires, NOW)
    assert panel_is_expired(PanelStatus.open, expires, expires)  # at the minute it expires
    assert not panel_is_open(PanelStatus.open, expires, expires)
    assert panel_is_expired(PanelStatus.expired, expires, NOW)
    # A panel that was chosen or declined is closed, not expired.
    assert not panel_is_expired(PanelStatus.chosen, expires, expires + timedelta(days=1))
    assert not panel_is_open(PanelStatus.declined, expires, NOW)


def test_reasons_in_english() -> None:
    assert reason_sentences(REASONS, "en", first_name="Griet") == [
        "Griet speaks your strongest language, Arabic.",
        "You can talk together in Arabic (fluent) and Dutch (native).",
        "You are both free on Monday evening and Saturday morning.",
        "Lives about 2 km from you.",
    ]


def test_reasons_use_the_readers_language_for_names_and_days() -> None:
    dutch = " ".join(reason_sentences(REASONS, "nl", first_name="Griet"))
    assert "Arabisch" in dutch
    assert "maandag" in dutch
    assert "zaterdag" in dutch
    arabic = " ".join(reason_sentences(REASONS, "ar", first_name="Griet"))
    assert "العربية" in arabic
    assert "السبت" in arabic  # Saturday


def test_unusable_languages_are_not_claimed() -> None:
    assert usable_languages(REASONS) == ["ar", "nl"]  # the newcomer's strongest first
    nothing = reason_sentences({"languages": [], "shared_slots": []}, "en", first_name="X")
    assert nothing == []


def test_rough_distances() -> None:
    assert distance_phrase(0.4, "en") == "less than 1 km"
    assert distance_phrase(2.6, "en") == "about 3 km"
    assert distance_phrase(None, "en") == ""
    assert rough_km(0.1) == 0.5
    assert rough_km(2.26) == 2.5
    assert rough_km(None) is None


def test_slots_and_moments() -> None:
    assert slot_label("tue-afternoon", "en") == "Tuesday afternoon"
    assert slots_phrase(["sun-morning", "mon-morning", "mon-morning"], "en") == (
        "Monday morning and Sunday morning"
    )
    # 18:34 UTC is 19:34 in Brussels in winter.
    moment = moment_phrase(datetime(2026, 11, 21, 18, 34, tzinfo=UTC), "Europe/Brussels", "nl")
    assert moment.startswith("21 november 2026 ")
    assert moment.endswith(" 19:34")
