"""The demo city's programme history, made by the real services at the moments it happened.

Matching rounds run through ``app.matches.service.run_round`` (the real engine), newcomers pick
through ``app.matches.panels``, pairs sign, end early and evaluate through the contracts and
evaluations services, meet through the check-ins service and are called through the follow-up
service (``app.demo.meetings``), and a daily ``buddy tick`` (panel expiry, contract completion,
reminders) runs through the same functions the command uses. Every call gets the event's moment
as ``now``; the few timestamps a service takes from the wall clock are set to that moment right
after the call (commented where it happens), never a status. What happens to each panel follows
the plan in ``app.demo.timeline``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import User
from app.config import CityProfile
from app.contracts import extension
from app.contracts import service as contracts
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import local_date
from app.demo import timeline
from app.demo.clock import Clock
from app.demo.meetings import Meetings, local_time
from app.demo.timeline import Fate, Story
from app.evaluations import service as evaluations
from app.evaluations.models import GoalsMet
from app.matches import panels
from app.matches import service as matches
from app.matches.models import Panel
from app.notifications import reminders
from app.people import service as people
from app.people.models import Newcomer, Volunteer

PICK_RANK_WEIGHTS = (6, 3, 2, 1, 1)  # most newcomers pick their first candidate


class History:
    def __init__(
        self,
        session: Session,
        city: CityProfile,
        staff: User,
        clock: Clock,
        logins: dict[str, str],
    ) -> None:
        self.session, self.city, self.staff, self.clock = session, city, staff, clock
        self.rng = random.Random(f"{timeline.__name__}:{city.slug}")
        self.today = local_date(clock.now, city.timezone)
        self.meetings = Meetings(session, city, staff, clock, self.rng)
        self.logins = logins
        self.stories: dict[int, Story] = {}  # contract id → its plan

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_time(day, hour, minute, self.city.timezone)

    def _day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def schedule(self) -> None:
        for plan in timeline.ROUNDS:
            when = self._at(self._day(plan.days_ago), 10)
            self.clock.at(when, partial(self._round, plan.stories, False))
        current = self._at(self._day(timeline.CURRENT_ROUND_DAYS_AGO), 10)
        self.clock.at(current, partial(self._round, timeline.CURRENT_STORIES, True))
        day = self._day(timeline.ROUNDS[0].days_ago)
        while day <= self.today:  # cron's daily ``buddy tick``, early in the morning
            self.clock.at(self._at(day, 6, 30), partial(self._tick, day))
            day += timedelta(days=1)

    # --- who is who -----------------------------------------------------------------------

    def _login_person_id(self, kind: str) -> int | None:
        model = Newcomer if kind == "newcomer" else Volunteer
        return self.session.scalar(
            select(model.id).join(User, User.id == model.user_id)
            .where(User.email == self.logins[kind])
        )  # fmt: skip

    def _newcomer(self, newcomer_id: int) -> Newcomer:
        newcomer = self.session.get(Newcomer, newcomer_id)
        assert newcomer is not None
        return newcomer

    def _contract(self, contract_id: int) -> Contract:
        contract = self.session.get(Contract, contract_id)
        assert contract is not None
        return contract

    # --- rounds and picks -----------------------------------------------------------------

    def _tick(self, day: date, when: datetime) -> None:
        matches.expire_panels(self.session, when)
        contracts.complete_due(self.session, city=self.city, now=when)
        reminders.queue_due_reminders(self.session, today=day)

    def _round(self, stories: tuple[Story, ...], current: bool, when: datetime) -> None:
        try:
            done = matches.run_round(
                self.session, city=self.city, started_by=self.staff, now=when
            )
        except matches.NobodyWaiting:
            return  # not recorded: nothing to propose (the real round does the same)
        done.finished_at = when + timedelta(seconds=2)  # the service stamps the wall clock
        for panel in done.panels:
            panel.created_at = when  # the column default is the wall clock
        record(self.session, actor_id=self.staff.id, action="matching.round",
               subject_type="matching_round", subject_id=done.id, panels=done.panels_made,
               waiting=done.newcomers_waiting)  # fmt: skip
        # The service's own order of the waiting list: civic integration first, longest wait.
        waiting = sorted(
            done.panels,
            key=lambda p: (not self._newcomer(p.newcomer_id).civic_integration,
                           self._newcomer(p.newcomer_id).waiting_since, p.newcomer_id),
        )  # fmt: skip
        demo_newcomer = self._login_person_id("newcomer")
        demo_volunteer = self._login_person_id("volunteer")
        demo_panel = next((p for p in waiting if p.newcomer_id == demo_newcomer), None)
        # Whoever picks now leaves the demo newcomer's candidates free for the demo.
        avoid = {c.volunteer_id for c in demo_panel.candidates} if demo_panel else set()
        free = [p for p in waiting if p is not demo_panel]
        for n, story in enumerate(stories):
            if not free:
                break
            panel = free[0]
            prefer = None
            if story.for_demo_volunteer and not self._has_active_buddy(demo_volunteer):
                with_demo = [p for p in free if demo_volunteer in self._candidates(p)]
                panel, prefer = (with_demo[0], demo_volunteer) if with_demo else (panel, None)
            free.remove(panel)
            # In the current round, the picks happened in the days since (before "now").
            after = n + 1 if current else self.rng.randint(1, 5)
            self._plan_panel(panel, story, when, after, prefer, avoid)

    def _candidates(self, panel: Panel) -> list[int]:
        return [c.volunteer_id for c in panel.candidates if c.withdrawn_at is None]

    def _has_active_buddy(self, volunteer_id: int | None) -> bool:
        """Whether the volunteer already has a pair that is still meeting today."""
        return volunteer_id is None or any(
            story.fate is Fate.active and self._contract(contract_id).volunteer_id == volunteer_id
            for contract_id, story in self.stories.items()
        )

    def _plan_panel(
        self, panel: Panel, story: Story, when: datetime, after_days: int, prefer: int | None,
        avoid: set[int],
    ) -> None:  # fmt: skip
        if story.fate is Fate.unpicked:
            return  # nobody picks: the panel expires (or, in the current round, stays open)
        day = local_date(when, self.city.timezone) + timedelta(days=after_days)
        if story.fate is Fate.declined:
            self.clock.at(self._at(day, 19), partial(self._decline, panel.newcomer_id, story.note))
            return
        at = self._at(day, self.rng.randint(9, 20), self.rng.randrange(60))
        self.clock.at(at, partial(self._pick, panel.newcomer_id, story, prefer, avoid))

    def _decline(self, newcomer_id: int, reason: str, when: datetime) -> None:
        panels.decline(self.session, self._newcomer(newcomer_id), reason, now=when)

    def _pick(
        self, newcomer_id: int, story: Story, prefer: int | None, avoid: set[int], when: datetime
    ) -> None:
        newcomer = self._newcomer(newcomer_id)
        panel = panels.open_panel(self.session, newcomer, when)
        assert panel is not None, "the plan picks from open panels only"
        free = [v for v in self._candidates(panel) if self._has_room(v)]
        choice = prefer if prefer in free else None
        if choice is None:
            usable = [v for v in free if v not in avoid] or free
            weights = PICK_RANK_WEIGHTS[: len(usable)]
            choice = self.rng.choices(usable, weights=weights)[0]
        contract = panels.choose(self.session, newcomer, choice, city=self.city, now=when)
        self.clock.keep.append(contract)
        contract.created_at = contract.updated_at = when  # column defaults: the wall clock
        self.stories[contract.id] = story
        if story.fate is Fate.pending:
            if story.newcomer_signed:
                self.clock.at(when + timedelta(minutes=12), partial(self._sign, contract.id, 0))
            return
        newcomer_at = when + timedelta(minutes=self.rng.randint(10, 600))
        volunteer_at = when + timedelta(hours=self.rng.randint(3, 60))
        self.clock.at(newcomer_at, partial(self._sign, contract.id, 0))
        self.clock.at(volunteer_at, partial(self._sign, contract.id, 1))

    def _has_room(self, volunteer_id: int) -> bool:
        volunteer = self.session.get(Volunteer, volunteer_id)
        return volunteer is not None and volunteer.committed_buddies < volunteer.max_buddies

    # --- the contract's life --------------------------------------------------------------

    def _sign(self, contract_id: int, side: int, when: datetime) -> None:
        contract = self._contract(contract_id)
        person = (contract.newcomer, contract.volunteer)[side]
        signature = contracts.Signature(
            full_name=person.display_name, ip=f"192.0.2.{self.rng.randint(1, 254)}"
        )
        contracts.sign(self.session, contract, person.user, signature, city=self.city, now=when)
        # Activating, the service re-assigns ``updated_at`` an unchanged value, so the column's
        # onupdate stamps the wall clock: the signature's moment instead.
        contract.updated_at = when
        if contract.status is ContractStatus.active:
            self._live(contract, self.stories[contract.id])

    def _live(self, contract: Contract, story: Story) -> None:
        """Both signed: schedule what the pair does until today (or until it ends)."""
        assert contract.start_date is not None
        assert contract.end_date is not None
        yesterday = self.today - timedelta(days=1)
        if story.fate is Fate.completed:
            last = calls_until = contract.end_date - timedelta(days=1)
            for side, days in ((0, 1), (1, 2)):
                at = self._at(contract.end_date + timedelta(days=days), 19, 30)
                self.clock.at(at, partial(self._evaluate, contract.id, side))
        elif story.fate is Fate.ended_early:
            end = contract.start_date + timedelta(weeks=story.after_weeks)
            last, calls_until = end - timedelta(days=2), end
            self.clock.at(self._at(end, 11), partial(self._end_early, contract.id, story))
            # The one who stopped (the newcomer, if staff did) says why in the evaluation.
            side = 1 if story.ended_by == "volunteer" else 0
            at = self._at(end + timedelta(days=2), 20)
            self.clock.at(at, partial(self._evaluate, contract.id, side))
        elif story.stopped_periods is not None:
            stopped = round(story.stopped_periods * contract.cadence.days)
            last = calls_until = self.today - timedelta(days=stopped)
        else:
            last, calls_until = yesterday, self.today
        self.meetings.schedule(contract, story, min(last, yesterday), calls_until)

    def _end_early(self, contract_id: int, story: Story, when: datetime) -> None:
        contract = self._contract(contract_id)
        assert story.reason is not None
        by = {"newcomer": contract.newcomer.user, "volunteer": contract.volunteer.user}
        user = by.get(story.ended_by, self.staff)
        contracts.end_early(self.session, contract, user, story.reason, story.note, now=when)
        contract.updated_at = when  # the service stamps the wall clock
        moved = story.ended_by == "volunteer" and story.reason.value == "moved_away"
        # Moving away, the volunteer also pauses: not proposed to newcomers any more. Never the
        # demo login's volunteer, whom the printed "try this" needs on the newcomer's panel.
        if moved and contract.volunteer.id != self._login_person_id("volunteer"):
            people.set_volunteer_paused(self.session, contract.volunteer, True)

    def _evaluate(self, contract_id: int, side: int, when: datetime) -> None:
        contract = self._contract(contract_id)
        story = self.stories[contract.id]
        person = (contract.newcomer, contract.volunteer)[side]
        texts = timeline.EVALUATION_TEXTS["newcomer" if side == 0 else "volunteer"]
        happy = story.fate is Fate.completed
        clicked = story.reason is None or story.reason.value != "no_click"
        answers = evaluations.Answers(
            overall=self.rng.choice((4, 5, 5)) if happy else (4 if clicked else 2),
            goals_met=self.rng.choice((GoalsMet.yes, GoalsMet.mostly)) if happy else (
                GoalsMet.partly
            ),
            would_again=clicked,
            text=self.rng.choice(texts) % {"city": self.city.name} if happy else story.evaluation,
        )  # fmt: skip
        evaluations.submit(self.session, contract, person.user, answers, now=when)
        if story.carries_on == ("newcomer", "volunteer")[side]:
            extension.say_carrying_on(self.session, contract, person.user, True, now=when)
