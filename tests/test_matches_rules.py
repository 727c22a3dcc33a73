"""Panel rules and the wording of reasons: plain functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.config import CITIES_DIR, CityProfile, load_city
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
from app.matches.service import engine_config

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
    "shared_interests": ["cooking", "football", "goal:paperwork"],
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
    assert reason_sentences(REASONS, "en", first_name="Griet", volunteer_gender="female",
                            newcomer_gender="male") == [
        "Griet speaks Arabic fluently. You speak it as your mother tongue.",
        "Griet speaks Dutch as a mother tongue. You speak a little of it.",
        "You are both free on Monday evening and Saturday morning.",
        "Griet lives about 2 km from you.",
        "You both like cooking and football.",
        "You both chose: bank and paperwork.",
    ]


def test_reasons_say_whose_level_with_the_right_gender_in_arabic() -> None:
    def first(volunteer: str, newcomer: str) -> str:
        return reason_sentences(REASONS, "ar", first_name="سمية", volunteer_gender=volunteer,
                                newcomer_gender=newcomer)[0]

    she_you_f = first("female", "female")
    assert "سمية تتحدث العربية بطلاقة." in she_you_f  # she speaks (feminine verb)
    assert "وأنتِ تتحدثينها كلغتك الأم." in she_you_f  # you (feminine) speak it
    he_you_m = first("male", "male")
    assert "يتحدث العربية بطلاقة." in he_you_m  # he speaks (masculine verb)
    assert "وأنتَ تتحدثها كلغتك الأم." in he_you_m
    neutral = first("other", "other")
    assert "تتحدث" not in neutral
    assert "يتحدث" not in neutral  # no gendered verb for a person who chose "other"
    assert "العربية" in neutral
    # unknown genders (old data, API) fall back to the neutral wording
    assert first("x", "y") == neutral


def test_reasons_in_dutch_and_french_name_both_levels() -> None:
    nl = reason_sentences(REASONS, "nl", first_name="Griet", volunteer_gender="female")
    assert nl[0] == "Griet spreekt vlot Arabisch. Voor jou is het je moedertaal."
    assert nl[-2] == "Jullie houden allebei van koken en voetbal."
    fr = reason_sentences(REASONS, "fr", first_name="Griet", volunteer_gender="female")
    assert fr[1] == "Griet parle néerlandais depuis l’enfance : c’est sa langue maternelle. " \
        "Vous la parlez un peu."
    assert fr[-2] == "Vous aimez tous les deux : cuisine et football."


def test_reasons_are_whole_sentences_in_every_locale() -> None:
    """No translated phrase is glued into another, and no translation is lower-cased by code:
    Turkish keeps its dotted "i", Russian counts kilometres, Arabic verbs agree with the
    volunteer's gender in the distance sentence too."""
    work = {**REASONS, "shared_interests": ["goal:work"]}
    assert reason_sentences(work, "tr", first_name="Ayşe")[-1] == "İkiniz de şunları seçtiniz: iş."
    near = {**REASONS, "distance_km": 0.4}
    near_en = reason_sentences(near, "en", first_name="Griet")
    assert "Griet lives less than 1 km from you." in near_en
    ru = {km: reason_sentences({**REASONS, "distance_km": km}, "ru", first_name="Оля")[3]
          for km in (1.2, 3.0, 5.0)}
    assert ru[1.2] == "Оля живёт примерно в 1 км от вас."
    assert ru[5.0] == "Оля живёт примерно в 5 км от вас."
    she = reason_sentences(REASONS, "ar", first_name="سمية", volunteer_gender="female")[3]
    he = reason_sentences(REASONS, "ar", first_name="سمير", volunteer_gender="male")[3]
    assert "تسكن" in she
    assert "يسكن" in he
    neutral = reason_sentences(REASONS, "ar", first_name="سام", volunteer_gender="other")[3]
    assert "تسكن" not in neutral
    assert "يسكن" not in neutral


def test_old_panels_without_interests_still_read() -> None:
    old = {k: v for k, v in REASONS.items() if k != "shared_interests"}
    assert not any("like" in line for line in reason_sentences(old, "en", first_name="G"))


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


def test_city_matching_settings_reach_the_engine() -> None:
    city = load_city(CITIES_DIR / "mechelen.json")
    default = engine_config(city)
    assert (default.weight_interests, default.practice_weight) == (0.1, 0.0)
    tuned = engine_config(city.model_copy(update={"interests_weight": 0.2,
                                                  "practice_weight": 0.4}))
    assert (tuned.weight_interests, tuned.practice_weight) == (0.2, 0.4)
    raw = city.model_dump()
    with pytest.raises(ValidationError):
        CityProfile.model_validate({**raw, "practice_weight": 1.0})
    with pytest.raises(ValidationError):
        CityProfile.model_validate({**raw, "interests_weight": -0.1})
