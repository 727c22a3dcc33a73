"""Settings, the city profile and locale negotiation: plain functions, no HTTP, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.config import CITIES_DIR, CityProfile, Settings, distance_km, load_city
from app.i18n.catalog import choose_locale, gettext, parse_accept_language, text_direction


def test_bundled_cities_load() -> None:
    mechelen = load_city(CITIES_DIR / "mechelen.json")
    vilvoorde = load_city(CITIES_DIR / "vilvoorde.json")
    assert mechelen.panel_size == 5
    assert mechelen.contract_months == 6
    assert mechelen.cadence.days == 7
    assert vilvoorde.cadence.days == 14
    assert mechelen.neighbourhood("battel") is not None
    assert mechelen.neighbourhood("centrum") is None


def test_city_area_check() -> None:
    city = load_city(CITIES_DIR / "mechelen.json")
    assert city.contains(51.0280, 4.4800)
    assert not city.contains(50.8503, 4.3517)  # Brussels
    assert city.nearest_neighbourhood(51.0110, 4.4471).id == "battel"


def test_distance_is_haversine() -> None:
    # Mechelen Grote Markt to Brussels Grand-Place is about 22 km as the crow flies.
    assert 21 < distance_km(51.0280, 4.4800, 50.8467, 4.3525) < 23
    assert distance_km(51.0, 4.4, 51.0, 4.4) == 0


def test_city_profile_rejects_nonsense(tmp_path: Path) -> None:
    data = json.loads((CITIES_DIR / "mechelen.json").read_text())
    data["default_locale"] = "de"
    with pytest.raises(ValidationError, match="default_locale"):
        CityProfile.model_validate(data)
    data = json.loads((CITIES_DIR / "mechelen.json").read_text())
    data["neighbourhoods"][0]["lat"] = 50.0
    with pytest.raises(ValidationError, match="outside the city"):
        CityProfile.model_validate(data)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUDDY_DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("BUDDY_CITY_FILE", str(CITIES_DIR / "vilvoorde.json"))
    settings = Settings(secret_file=tmp_path / "s")
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.city.name == "Vilvoorde"
    # Development: a secret is generated once and kept.
    first = settings.resolved_secret_key()
    assert first == Settings(secret_file=tmp_path / "s").resolved_secret_key()
    assert (tmp_path / "s").stat().st_mode & 0o777 == 0o600


def test_production_requires_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDDY_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="BUDDY_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="x" * 40).secure_cookies


def test_accept_language_parsing() -> None:
    assert parse_accept_language("fr-BE;q=0.8, ar, en;q=0.1") == ["ar", "fr_BE", "en"]
    assert parse_accept_language("") == []
    assert parse_accept_language("*;q=0.5, nl;q=0") == []


@pytest.mark.parametrize(
    ("user", "cookie", "header", "expected"),
    [
        ("fr", "ar", "en", "fr"),  # the user's saved choice wins
        (None, "ar", "en", "ar"),  # then the cookie
        (None, None, "nl-BE,nl;q=0.9", "nl"),  # then Accept-Language, region ignored
        (None, None, "de-DE, en;q=0.5", "en"),
        (None, None, "de-DE", "nl"),  # else the city default
        ("xx", "yy", None, "nl"),  # unknown choices are ignored
    ],
)
def test_locale_negotiation(
    user: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert choose_locale(["nl", "en", "fr", "ar"], "nl", user, cookie, header) == expected


def test_rtl_and_fallback() -> None:
    assert text_direction("ar") == "rtl"
    assert text_direction("nl") == "ltr"
    # A message without a translation falls back to the English msgid, with parameters filled.
    assert gettext("xx", "Hello %(name)s", name="Amina") == "Hello Amina"


def test_home_page_states_the_citys_own_rhythm(app: FastAPI, settings: Settings) -> None:
    """The promise on the start page comes from the city profile, not from Mechelen's rules."""
    from fastapi.testclient import TestClient

    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        text = client.get("/").text
        assert "every week for 6 months" in text
    settings.__dict__["city"] = load_city(CITIES_DIR / "vilvoorde.json").model_copy(
        update={"contract_months": 9}
    )
    with TestClient(app, headers={"Accept-Language": "nl"}) as client:
        text = client.get("/").text
        assert "Spreek 9 maanden lang om de twee weken af" in text


def test_language_names_in_the_readers_language() -> None:
    from app.people.vocabulary import is_language_code, language_name

    assert language_name("ar", "nl") == "Arabisch"
    assert language_name("prs", "fr") == "dari"  # Dari: not in CLDR, supplied by us
    assert language_name("rif", "ar") == "Riffian"  # no Arabic name in CLDR: English, not "rif"
    assert is_language_code("zgh")
    assert not is_language_code("xx1")
