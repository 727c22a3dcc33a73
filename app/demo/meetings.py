"""A demo pair's meetings and staff calls: planned here, written through the check-in and
follow-up services at the moment each happened.

A pair meets once per meeting period (weekly or fortnightly, the city's cadence), usually on the
weekday of their agreed slot; now and then a week is skipped. The volunteer usually logs the
meeting that evening or the next morning, and the newcomer confirms within a few days — so the
last meetings before "now" are still waiting for confirmation, and a few older ones were never
answered. Staff call each pair a few days before the one-third and two-thirds marks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.auth.models import User
from app.checkins import rules as meeting_rules
from app.checkins import service as checkins
from app.checkins.models import Activity, Checkin, Party
from app.config import CityProfile
from app.contracts.models import Contract
from app.demo import timeline
from app.demo.clock import Clock
from app.demo.timeline import Story
from app.followup import service as followup
from app.followup.models import CallKind
from app.people.vocabulary import DAYS

PART_HOURS = {"morning": 10, "afternoon": 14, "evening": 19}
MINUTES = (45, 60, 60, 60, 75, 90, 90, 120, 150)
OTHER_ACTIVITIES = (
    Activity.paperwork, Activity.shopping, Activity.leisure, Activity.leisure,
    Activity.work_school, Activity.health, Activity.housing, Activity.other,
)  # fmt: skip
SKIP_CHANCE = 0.07  # a missed week now and then
NEVER_ANSWERED = 0.04  # the buddy never tapped "confirm"


def local_time(day: date, hour: int, minute: int, timezone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Meeting:
    day: date
    logged_at: datetime
    side: Party
    minutes: int
    activities: tuple[Activity, ...]
    note: str
    answered_at: datetime | None
    concern: str | None = None
    resolved_at: datetime | None = None


class Meetings:
    def __init__(
        self, session: Session, city: CityProfile, staff: User, clock: Clock, rng: random.Random
    ) -> None:
        self.session, self.city, self.staff, self.clock, self.rng = (
            session, city, staff, clock, rng,
        )  # fmt: skip

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_time(day, hour, minute, self.city.timezone)

    # --- planning -------------------------------------------------------------------------

    def _days(self, contract: Contract, last: date, skip: float) -> list[date]:
        """One meeting day per period from the start up to ``last``, on the slot's weekday."""
        assert contract.start_date is not None
        length = contract.cadence.days
        weekday = DAYS.index(contract.meeting_slot[:3]) if contract.meeting_slot else None
        days: list[date] = []
        first = contract.start_date
        while first <= last:
            offset = self.rng.randrange(length) if weekday is None else (
                (weekday - first.weekday()) % 7 + 7 * self.rng.randrange(length // 7)
            )  # fmt: skip
            if self.rng.random() < 0.2:  # this week another day suited them better
                offset = min(length - 1, max(0, offset + self.rng.choice((-1, 1))))
            day = first + timedelta(days=offset)
            if day <= last and (not days or self.rng.random() >= skip):
                days.append(day)
            first += timedelta(days=length)
        return days

    def plan(self, contract: Contract, story: Story, last: date) -> list[Meeting]:
        part = contract.meeting_slot[4:] if contract.meeting_slot else "afternoon"
        skip = 0.3 if story.reason is not None and story.reason.value == "no_click" else (
            SKIP_CHANCE
        )  # fmt: skip
        days = self._days(contract, last, skip)
        meetings = []
        for n, day in enumerate(days):
            concern = None
            if story.open_worry and n == len(days) - 1:
                concern = timeline.WORRY_OPEN
            if story.resolved_worry and n == len(days) // 2:
                concern = timeline.WORRY_RESOLVED
            ended = self._at(day, PART_HOURS[part]) + timedelta(minutes=90)
            # A worry is written down the same evening; other logs wait till morning sometimes.
            logged = ended + timedelta(hours=1) if concern or self.rng.random() < 0.7 else (
                self._at(day + timedelta(days=1), 9, self.rng.randrange(60))
            )  # fmt: skip
            answered = logged + timedelta(minutes=self.rng.randint(60, 60 * 60))
            activities = {Activity.dutch} if self.rng.random() < 0.75 else set()
            activities.add(self.rng.choice(OTHER_ACTIVITIES))
            resolved = logged + timedelta(days=1) if concern == timeline.WORRY_RESOLVED else None
            meetings.append(
                Meeting(
                    day=day,
                    logged_at=logged,
                    side=Party.volunteer if concern or self.rng.random() < 0.8 else Party.newcomer,
                    minutes=self.rng.choice(MINUTES),
                    activities=tuple(sorted(activities, key=list(Activity).index)),
                    note=self.rng.choice(timeline.MEETING_NOTES)
                    if self.rng.random() < 0.35
                    else "",
                    answered_at=None if self.rng.random() < NEVER_ANSWERED else answered,
                    concern=concern,
                    resolved_at=resolved,
                )
            )
        return meetings

    def schedule(self, contract: Contract, story: Story, last: date, calls_until: date) -> None:
        """Plan the pair's meetings up to ``last`` and staff's calls before ``calls_until``."""
        for meeting in self.plan(contract, story, last):
            self.clock.at(meeting.logged_at, partial(self._log, contract.id, meeting))
        assert contract.start_date is not None
        assert contract.end_date is not None
        for mark in meeting_rules.call_marks(contract.start_date, contract.end_date):
            called_on = max(contract.start_date, mark - timedelta(days=self.rng.randint(0, 9)))
            if called_on < calls_until:
                when = self._at(called_on, 14, self.rng.randrange(60))
                self.clock.at(when, partial(self._call, contract.id, called_on))

    # --- the events -----------------------------------------------------------------------

    def _contract(self, contract_id: int) -> Contract:
        contract = self.session.get(Contract, contract_id)
        assert contract is not None
        return contract

    def _log(self, contract_id: int, meeting: Meeting, when: datetime) -> None:
        contract = self._contract(contract_id)
        author = contract.volunteer if meeting.side is Party.volunteer else contract.newcomer
        data = checkins.CheckinData(
            met_on=meeting.day, minutes=meeting.minutes, activities=list(meeting.activities),
            note=meeting.note, concern=meeting.concern,
        )  # fmt: skip
        checkin = checkins.log(self.session, contract, author.user, data, city=self.city, now=when)
        if meeting.answered_at is not None:
            self.clock.at(meeting.answered_at, partial(self._answer, checkin.id))
        if meeting.resolved_at is not None:
            self.clock.at(meeting.resolved_at, partial(self._resolve, checkin.id))

    def _checkin(self, checkin_id: int) -> Checkin:
        checkin = self.session.get(Checkin, checkin_id)
        assert checkin is not None
        return checkin

    def _answer(self, checkin_id: int, when: datetime) -> None:
        checkin = self._checkin(checkin_id)
        contract = self._contract(checkin.contract_id)
        other = (
            contract.newcomer if checkin.logged_by_side is Party.volunteer else contract.volunteer
        )
        checkins.answer(self.session, checkin, other.user, True, now=when)
        checkin.updated_at = when  # the column's onupdate would stamp the wall clock

    def _resolve(self, checkin_id: int, when: datetime) -> None:
        checkin = self._checkin(checkin_id)
        note = timeline.WORRY_RESOLUTION
        checkins.resolve_concern(self.session, checkin, self.staff, note, now=when)
        checkin.updated_at = when  # the column's onupdate would stamp the wall clock

    def _call(self, contract_id: int, called_on: date, when: datetime) -> None:
        followup.record_call(
            self.session, self._contract(contract_id), self.staff, called_on=called_on,
            kind=CallKind.midterm, note=self.rng.choice(timeline.CALL_NOTES), city=self.city,
            now=when,
        )  # fmt: skip
