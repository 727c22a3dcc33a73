"""A deterministic, believable population for the demo city (pure functions, no database).

The same seed and city always give the same people, so screenshots, docs and tests agree.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.config import CityProfile
from app.demo import data, logins, timeline
from app.demo.data import Background
from app.people.models import IntakeStatus, PersonKind, VettingStatus
from app.people.vocabulary import SLOTS, BuddyGender, Gender, Goal, Level

SEED = 2026
EMAIL_DOMAIN = "demo.welcomebuddy.example"
DEMO_PASSWORD = "demo-buddy-2026"
# The demo staff account's two-step login key (base32), fixed and printed so that whoever tries
# the demo can add it to an authenticator app or ask `buddy demo-code`. Demo data only: never
# load demo data in production.
DEMO_TOTP_SECRET = "WELCOMEBUDDYDEMOSTAFFONLY2345672"
DEMO_LOGINS: dict[str, str] = {
    "newcomer": f"newcomer@{EMAIL_DOMAIN}",
    "volunteer": f"volunteer@{EMAIL_DOMAIN}",
    "staff": f"staff@{EMAIL_DOMAIN}",
}
# Scatter of a home around its neighbourhood centre (standard deviation, km).
JITTER_KM = 0.45

# How many volunteers wait for vetting, chose to pause, or were turned down; the rest approved.
VOLUNTEER_STATUSES = (
    (VettingStatus.pending, 8),
    (VettingStatus.paused, 3),
    (VettingStatus.rejected, 2),
)
# Enough newcomers for the history's cohorts (app/demo/timeline.py), the rest still at intake.
NEWCOMER_STATUSES = ((IntakeStatus.pending, 7), (IntakeStatus.rejected, 2))

# EU citizens are not obliged to follow civic integration.
EU_LANGUAGES = frozenset({"ro", "pl", "bg", "es", "pt"})


@dataclass
class DemoPerson:
    kind: PersonKind
    email: str
    locale: str
    first_name: str
    last_name: str
    year_of_birth: int
    gender: Gender
    buddy_gender: BuddyGender
    phone: str | None
    # As a registration form sends it: ``{"neighbourhood": id}`` or ``{"lat": …, "lon": …}``.
    location: dict[str, object]
    availability: list[str]
    interests: list[str]
    goals: list[str]
    languages: dict[str, Level]
    registered_at: datetime
    status: str
    # Newcomer- or volunteer-only fields (arrived_on, civic_integration, note / bio, max_buddies).
    extra: dict[str, object] = field(default_factory=dict)

    def payload(self) -> dict[str, object]:
        """The person as the registration form submits it, for the people schemas to check."""
        return {
            "email": self.email,
            "password": DEMO_PASSWORD,
            "locale": self.locale,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "year_of_birth": self.year_of_birth,
            "gender": self.gender.value,
            "buddy_gender": self.buddy_gender.value,
            "phone": self.phone,
            "languages": [{"code": c, "level": lvl.value} for c, lvl in self.languages.items()],
            "availability": self.availability,
            "location": self.location,
            "interests": self.interests,
            "goals": self.goals,
            "consent": True,
            **self.extra,
        }


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-")


def _surname(rng: random.Random, bg: Background, gender: Gender) -> str:
    name = rng.choice(bg.surnames)
    if "/" in name:
        male, female = name.split("/")
        return female if gender is Gender.female else male
    return name


def _name(rng: random.Random, bg: Background, gender: Gender, taken: set[str]) -> tuple[str, str]:
    """A first and last name nobody else in the demo has (so staff searches are unambiguous)."""
    for _ in range(50):
        first = rng.choice(bg.female if gender is Gender.female else bg.male)
        last = _surname(rng, bg, gender)
        if f"{first} {last}" not in taken:
            break
    taken.add(f"{first} {last}")
    return first, last


def _languages(rng: random.Random, bg: Background, dutch: Level | None = None) -> dict[str, Level]:
    langs = {bg.native: Level.native}
    for code, chance, level in bg.extra:
        if rng.random() < chance:
            langs[code] = level
    # Every newcomer states their Dutch, even when it is only a beginning.
    if dutch is not None:
        langs["nl"] = dutch
    return langs


def _availability(rng: random.Random, pattern: str) -> list[str]:
    pool = data.PATTERNS[pattern]
    chosen = set(rng.sample(pool, k=min(len(pool), rng.randint(3, 6))))
    if rng.random() < 0.3:  # most people have one odd slot outside their usual pattern
        chosen.add(rng.choice(SLOTS))
    return [slot for slot in SLOTS if slot in chosen]


def _home(rng: random.Random, city: CityProfile) -> dict[str, object]:
    """Some people just pick their neighbourhood; most give their street, i.e. a point scattered
    around a neighbourhood centre (retried until it lies inside the city)."""
    hood = rng.choice(city.neighbourhoods)
    if rng.random() < 0.35:
        return {"neighbourhood": hood.id}
    for _ in range(50):
        north, east = rng.gauss(0, JITTER_KM), rng.gauss(0, JITTER_KM)
        lat = round(hood.lat + north / 111.32, 5)
        lon = round(hood.lon + east / (111.32 * math.cos(math.radians(hood.lat))), 5)
        if city.contains(lat, lon):
            return {"lat": lat, "lon": lon}
    return {"neighbourhood": hood.id}


def _phone(rng: random.Random) -> str | None:
    if rng.random() < 0.25:
        return None
    digits = [rng.randint(0, 9) for _ in range(6)]
    return "+32 4{}{} {}{} {}{} {}{}".format(rng.choice("5789"), rng.randint(0, 9), *digits)


def _statuses(
    rng: random.Random, total: int, plan: tuple[tuple[str, int], ...], rest: str
) -> list[str]:
    """Statuses for people 1..total-1 shuffled; person 0 (the demo login) is always ``rest``."""
    statuses = [status for status, n in plan for _ in range(n)]
    statuses += [rest] * (total - 1 - len(statuses))
    rng.shuffle(statuses)
    return [rest, *statuses]


def _email(kind: str, index: int, first: str, last: str, used: set[str]) -> str:
    if index == 0:
        return DEMO_LOGINS[kind]
    base = f"{ascii_slug(first)}.{ascii_slug(last)}".replace("--", "-")
    email, n = f"{base}@{EMAIL_DOMAIN}", 2
    while email in used:
        email, n = f"{base}{n}@{EMAIL_DOMAIN}", n + 1
    used.add(email)
    return email


def _registered(rng: random.Random, now: datetime, days: int) -> datetime:
    """``days`` ago, at some time of that day's working hours (the registration form is used in
    the daytime, often at the welcome desk)."""
    minutes = rng.randint(9 * 60, 18 * 60)
    return (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0) + (
        timedelta(minutes=minutes)
    )


def demo_newcomers(city: CityProfile, rng: random.Random, now: datetime) -> list[DemoPerson]:
    statuses = _statuses(rng, len(data.NEWCOMER_MIX), NEWCOMER_STATUSES, IntakeStatus.approved)
    registration_days = timeline.newcomer_days(rng, statuses)
    used: set[str] = set()
    names: set[str] = set()
    people = []
    for index, (native, status) in enumerate(zip(data.NEWCOMER_MIX, statuses, strict=True)):
        bg = data.NEWCOMER_BACKGROUNDS[native]
        gender = Gender.female if rng.random() < (0.8 if native == "uk" else 0.5) else Gender.male
        first, last = _name(rng, bg, gender, names)
        dutch = rng.choices([Level.basic, Level.conversational], weights=[4, 1])[0]
        langs = _languages(rng, bg, dutch)
        locale = next((c for c in (native, "fr", "en") if c in langs and c in city.locales), None)
        location = _home(rng, city)
        registered = _registered(rng, now, registration_days[index])
        goals = [Goal.dutch] if rng.random() < 0.9 else []
        goals += rng.sample([g for g in Goal if g is not Goal.dutch], k=rng.randint(1, 2))
        people.append(
            DemoPerson(
                kind=PersonKind.newcomer,
                email=_email("newcomer", index, first, last, used),
                locale="en" if index == 0 else (locale or city.default_locale),
                first_name=first,
                last_name=last,
                year_of_birth=now.year - rng.randint(19, 62),
                gender=gender,
                buddy_gender=BuddyGender.same
                if rng.random() < (0.5 if gender is Gender.female else 0.2)
                else BuddyGender.any,
                phone=_phone(rng),
                location=location,
                availability=_availability(rng, rng.choice(["after-class", "daytime", "weekend"])),
                interests=sorted(rng.sample(data.INTERESTS, k=rng.randint(1, 4))),
                goals=[g.value for g in goals],
                languages=langs,
                registered_at=registered,
                status=status,
                extra={
                    "arrived_on": registered.date() - timedelta(days=rng.randint(10, 300)),
                    "civic_integration": native not in EU_LANGUAGES and rng.random() < 0.85,
                    "note": rng.choice(data.NEWCOMER_NOTES),
                },
            )
        )
    return people


def _jobs(age: int) -> tuple[str, ...]:
    if age < 26:
        return data.STUDENT_JOBS
    return data.RETIRED_JOBS if age >= 65 else data.WORKING_JOBS


def demo_volunteers(city: CityProfile, rng: random.Random, now: datetime) -> list[DemoPerson]:
    statuses = _statuses(rng, len(data.VOLUNTEER_MIX), VOLUNTEER_STATUSES, VettingStatus.approved)
    used: set[str] = set()
    names: set[str] = set()
    people = []
    for index, (bg, status) in enumerate(zip(data.VOLUNTEER_MIX, statuses, strict=True)):
        gender = Gender.female if rng.random() < 0.6 else Gender.male
        first, last = _name(rng, bg, gender, names)
        location = _home(rng, city)
        age = rng.randint(20, 74)
        pattern = "daytime" if age >= 65 else rng.choice(["after-work", "after-work", "weekend"])
        motive = rng.choice(data.VOLUNTEER_MOTIVES) % {"city": city.name}
        people.append(
            DemoPerson(
                kind=PersonKind.volunteer,
                email=_email("volunteer", index, first, last, used),
                locale="en" if index == 0 else city.default_locale,
                first_name=first,
                last_name=last,
                year_of_birth=now.year - age,
                gender=gender,
                buddy_gender=BuddyGender.same if rng.random() < 0.1 else BuddyGender.any,
                phone=_phone(rng),
                location=location,
                availability=_availability(rng, pattern),
                interests=sorted(rng.sample(data.INTERESTS, k=rng.randint(2, 5))),
                goals=sorted(g.value for g in rng.sample(list(Goal), k=rng.randint(2, 4))),
                languages=_languages(rng, bg, None),
                registered_at=_registered(
                    rng,
                    now,
                    timeline.DEMO_VOLUNTEER_DAYS
                    if index == 0
                    else timeline.volunteer_days(rng, status),
                ),
                status=status,
                extra={
                    "bio": f"{rng.choice(_jobs(age))}. {motive}",
                    "max_buddies": 2 if rng.random() < 0.15 else 1,
                },
            )
        )
    return people


def demo_now(today: date | None = None) -> datetime:
    """The moment the demo is loaded: now, or noon (UTC) of ``today`` for a reproducible city."""
    if today is None:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime(today.year, today.month, today.day, 12, tzinfo=UTC)


def demo_population(
    city: CityProfile,
    *,
    seed: int = SEED,
    today: date | None = None,
    now: datetime | None = None,
) -> tuple[list[DemoPerson], list[DemoPerson]]:
    """(volunteers, newcomers) of the demo city; the first of each is the documented demo login."""
    now = now or demo_now(today)
    rng = random.Random(f"{seed}:{city.slug}")
    volunteers, newcomers = demo_volunteers(city, rng, now), demo_newcomers(city, rng, now)
    newcomers[0] = logins.suitable_newcomer(newcomers[0], city)
    volunteers[0] = logins.suitable_volunteer(volunteers[0], city, newcomers[0])
    return volunteers, newcomers
