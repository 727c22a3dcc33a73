"""Settings from the environment (prefix ``BUDDY_``) and the city profile.

Everything a second city (Vilvoorde, …) needs to change lives in a city profile: a JSON file
chosen with ``BUDDY_CITY_FILE`` (default: the bundled Mechelen profile). Nothing about one town is
hard-wired in code.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import time
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CITIES_DIR = Path(__file__).parent / "cities"


class Cadence(StrEnum):
    weekly = "weekly"
    fortnightly = "fortnightly"

    @property
    def days(self) -> int:
        return 7 if self is Cadence.weekly else 14


class Point(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Neighbourhood(Point):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance; a city is small enough for this to be exact enough."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


class RoundSchedule(BaseModel):
    """When matching rounds run by themselves (``buddy tick``), in the city's time zone:
    every month on the n-th weekday (``week_of_month`` 1 = the first Monday …), or every week."""

    every: Literal["week", "month"] = "month"
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    week_of_month: int = Field(default=1, ge=1, le=4)
    at: time = time(9, 0)


class CityProfile(BaseModel):
    """What one city decides: its map, its programme rules, the languages its site speaks."""

    slug: str
    name: str
    country: str = "BE"
    timezone: str = "Europe/Brussels"
    center: Point
    radius_km: float = Field(gt=0, le=100)
    panel_size: int = Field(default=5, ge=1, le=10)
    contract_months: int = Field(default=6, ge=1, le=24)
    cadence: Cadence = Cadence.weekly
    max_distance_km: float = Field(default=8.0, gt=0)
    max_open_panels: int = Field(default=2, ge=1, le=10)
    panel_expiry_days: int = Field(default=14, ge=1, le=90)
    participation_hours_goal: int = Field(default=40, ge=0)
    # After the contract's length, a pair may agree (both sign) to go on for this many months,
    # once (0: no extension offered). They can agree in the last ``extension_window_weeks``
    # before the end date: five weeks, so the "one more month" reminder always finds it open.
    extension_months: int = Field(default=3, ge=0, le=12)
    extension_window_weeks: int = Field(default=5, ge=1, le=26)
    # After a speed-dating session, a newcomer may pick only a volunteer they met there.
    choose_only_met: bool = False
    # Checklist items (app/intake/rules.py) that must be done before staff can approve.
    intake_required: list[str] = Field(default_factory=list)
    # None: rounds only by hand.
    round_schedule: RoundSchedule | None = None
    screening_required: list[str] = Field(default_factory=list)
    # Matching weights (see matching/scoring.py). Shared interests and goals count a little
    # (0.1 against language 0.4, time 0.3, place 0.3); practice_weight > 0 puts practising
    # Dutch with a buddy who shares no other language ahead of a shared mother tongue.
    interests_weight: float = Field(default=0.1, ge=0, le=1)
    practice_weight: float = Field(default=0.0, ge=0, lt=1)
    locales: list[str] = Field(default_factory=lambda: ["nl", "en", "fr", "ar"], min_length=1)
    default_locale: str = "nl"
    # The version of the city's privacy notice; a new one is asked for again at next login.
    privacy_notice_version: str = Field(default="2026-12", min_length=1, max_length=32)
    neighbourhoods: list[Neighbourhood] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> CityProfile:
        if self.default_locale not in self.locales:
            raise ValueError("default_locale must be one of locales")
        from app.intake.rules import INTAKE_ITEMS, SCREENING_ITEMS

        for name, known in (("intake_required", INTAKE_ITEMS),
                            ("screening_required", SCREENING_ITEMS)):
            unknown = sorted(set(getattr(self, name)) - set(known))
            if unknown:
                raise ValueError(f"{name}: unknown items {unknown}, expected some of {list(known)}")
        ids = [n.id for n in self.neighbourhoods]
        if len(ids) != len(set(ids)):
            raise ValueError("neighbourhood ids must be unique")
        for n in self.neighbourhoods:
            if not self.contains(n.lat, n.lon):
                raise ValueError(f"neighbourhood {n.id} lies outside the city area")
        return self

    def contains(self, lat: float, lon: float) -> bool:
        return distance_km(self.center.lat, self.center.lon, lat, lon) <= self.radius_km

    def neighbourhood(self, neighbourhood_id: str) -> Neighbourhood | None:
        return next((n for n in self.neighbourhoods if n.id == neighbourhood_id), None)

    def nearest_neighbourhood(self, lat: float, lon: float) -> Neighbourhood:
        return min(self.neighbourhoods, key=lambda n: distance_km(lat, lon, n.lat, n.lon))


def load_city(path: Path) -> CityProfile:
    return CityProfile.model_validate(json.loads(path.read_text(encoding="utf-8")))


class Settings(BaseSettings):
    """Process settings. ``environment=production`` demands an explicit secret key and HTTPS."""

    model_config = SettingsConfigDict(env_prefix="BUDDY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./buddy.db"
    secret_key: str | None = None
    secret_file: Path = Path(".buddy-secret")
    base_url: str = "http://127.0.0.1:8000"
    city_file: Path = CITIES_DIR / "mechelen.json"
    session_days: int = Field(default=14, ge=1)
    api_token_hours: int = Field(default=12, ge=1)
    # Login throttling: failures are counted per account and per address separately. An account
    # lock doubles with each further failure (up to login_lock_max_minutes); a password reset
    # lifts it. The address limit is far higher: a welcome desk is many people behind one NAT.
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_address: int = Field(default=100, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # Request bodies larger than this are refused with 413 before they are read whole.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # The interactive API docs (/docs) and the schema (/openapi.json); off hides both.
    api_docs: bool = True
    login_lock_max_minutes: int = Field(default=24 * 60, ge=1)
    # Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""
    registration_max_per_hour: int = Field(default=50, ge=1)
    # Idle timeout of browser sessions, on top of their absolute lifetime (session_days).
    session_idle_minutes: int = Field(default=24 * 60, ge=1)
    staff_session_idle_minutes: int = Field(default=30, ge=1)
    password_reset_minutes: int = Field(default=60, ge=1)
    setup_code_days: int = Field(default=14, ge=1)
    setup_code_max_failures_address: int = Field(default=20, ge=1)

    # Retention (app/privacy/retention.py, run by `buddy tick`; docs/privacy.md).
    retention_login_days: int = Field(default=30, ge=1, le=30)
    retention_text_months: int = Field(default=24, ge=1)
    retention_inactive_months: int = Field(default=36, ge=1)
    retention_grace_days: int = Field(default=30, ge=1)

    # Outgoing email (app/notifications). "file" (the development default) writes each message
    # as an .eml file into mail_dir instead of sending it; "smtp" delivers through the server.
    mail_mode: Literal["file", "smtp"] = "file"
    mail_from: str = "Welcome Buddy <buddy@localhost>"
    mail_dir: Path = Path("var/mail")
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False  # implicit TLS (usually port 465)
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    # Operations (app/operations): who may scrape /metrics, and the worker's polling interval.
    metrics_token: str | None = None
    metrics_allow: str = "127.0.0.1/32,::1/128"  # comma-separated networks; "" = token only
    worker_poll_seconds: float = Field(default=5.0, gt=0)
    # SMS alerts (app/inbox/sms.py): an HTTP gateway; nothing is queued or sent while sms_url
    # is unset. sms_provider names a class in app.inbox.sms.PROVIDERS.
    sms_url: str | None = None
    sms_token: str | None = None
    sms_sender: str = "WelcomeBuddy"
    sms_provider: str = "json"
    sms_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        # psycopg 3 is the one PostgreSQL driver we ship; accept the common spellings.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ip_network(part.strip(), strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _production(self) -> Settings:
        if self.environment == "production" and not self.secret_key:
            raise ValueError("BUDDY_SECRET_KEY is required when BUDDY_ENVIRONMENT=production")
        return self

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(
            ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    @cached_property
    def city(self) -> CityProfile:
        return load_city(self.city_file)

    @property
    def metrics_networks(self) -> list[str]:
        return [net.strip() for net in self.metrics_allow.split(",") if net.strip()]

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"

    def resolved_secret_key(self) -> str:
        """The configured key; in development one generated once and kept in a local file."""
        if self.secret_key:
            return self.secret_key
        if self.secret_file.exists():
            return self.secret_file.read_text(encoding="utf-8").strip()
        key = secrets.token_urlsafe(48)
        self.secret_file.write_text(key, encoding="utf-8")
        self.secret_file.chmod(0o600)
        return key
