"""The demo city's programme history as a plan (pure data, no database).

Eight monthly-ish matching rounds in the past and one current round three days ago. Each round
lists what happens to the panels it makes, in the order the matching service ranks its waiting
newcomers (civic-integration first, then longest waiting): a pick that becomes a contract with
a given fate, a declined panel, or a panel nobody picks. The registration dates of the demo
newcomers are drawn so that each round finds exactly its cohort waiting (see
``app.demo.generate``), and newcomers whose contract ended early wait again and are matched in a
later round, as the contracts service makes them.

With six-month contracts (both bundled cities) this gives: 6 completed contracts (2 of them
carrying on as friends), 3 ended early (for different reasons), 12 active pairs that started
one to five months ago (two of which stopped meeting, one with an open worry), 2 pending
contracts waiting for signatures, and the current round's open panels, the demo newcomer's
among them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from app.contracts.models import EndReason
from app.people.models import IntakeStatus, VettingStatus


class Fate(StrEnum):
    completed = "completed"  # signed, met for six months, evaluated by both sides
    active = "active"  # signed and still meeting (or stopped: see ``Story.stopped_periods``)
    ended_early = "ended_early"
    pending = "pending"  # picked, waiting for the volunteer's (and maybe the newcomer's) signature
    declined = "declined"  # the newcomer turned the whole panel down
    unpicked = "unpicked"  # nobody was picked: the panel expires, or is still open now


@dataclass(frozen=True)
class Story:
    fate: Fate
    # active: the pair stopped meeting this many meeting periods ago (at risk); None: meeting.
    stopped_periods: float | None = None
    # active: a worry raised at their latest meeting, not yet dealt with by staff.
    open_worry: bool = False
    # completed: a worry raised mid-way that staff resolved.
    resolved_worry: bool = False
    # completed: the side that says, with the evaluation, they carry on as friends ("": none).
    carries_on: str = ""
    # ended_early: why, who stopped it, after how many weeks, and what they wrote.
    reason: EndReason | None = None
    ended_by: str = ""  # "newcomer" | "volunteer" | "staff"
    after_weeks: int = 0
    note: str = ""
    evaluation: str = ""  # ended_early: what the one who stopped writes in the evaluation
    # pending: the newcomer has already signed.
    newcomer_signed: bool = False
    # active: a healthy pair the demo volunteer may take (the demo login must have a buddy).
    for_demo_volunteer: bool = False


@dataclass(frozen=True)
class RoundPlan:
    days_ago: int
    # Newcomers whose intake was done since the previous round (the round's new cohort).
    cohort: int
    stories: tuple[Story, ...]


C, A = Story(Fate.completed), Story(Fate.active)
CURRENT_ROUND_DAYS_AGO = 3

ROUNDS: tuple[RoundPlan, ...] = (
    RoundPlan(228, 4, (
        Story(Fate.completed, carries_on="newcomer"), C, C,
        Story(Fate.ended_early, reason=EndReason.no_click, ended_by="staff", after_weeks=9,
              note="They never really got along; both agreed to stop after a talk with staff.",
              evaluation="We did not really click. I would like to try with another buddy."),
    )),
    RoundPlan(200, 4, (
        C, Story(Fate.completed, resolved_worry=True), Story(Fate.completed,
                                                            carries_on="volunteer"),
        Story(Fate.ended_early, reason=EndReason.moved_away, ended_by="volunteer",
              after_weeks=14, note="I am moving to Ghent for a new job.",
              evaluation="Sad to stop so soon; I hope my buddy is matched again quickly."),
    )),
    RoundPlan(172, 2, (
        Story(Fate.declined, note="I would like a buddy who can meet on Saturdays."),
        Story(Fate.unpicked),
    )),
    # The newcomer of the "no click" contract, and the two of the round before, pick now.
    RoundPlan(144, 0, (
        Story(Fate.active, for_demo_volunteer=True), A, Story(Fate.active, stopped_periods=5),
    )),
    RoundPlan(116, 3, (
        A, A,
        Story(Fate.ended_early, reason=EndReason.found_work, ended_by="newcomer",
              after_weeks=13, note="I found a job in a warehouse and work in shifts now.",
              evaluation="I have work now, thank you! My Dutch is much better than before."),
    )),
    # The newcomer whose buddy moved away is matched again here.
    RoundPlan(88, 2, (A, Story(Fate.active, open_worry=True),
                      Story(Fate.active, stopped_periods=3.3))),
    RoundPlan(60, 2, (A, A)),
    RoundPlan(40, 2, (A, A)),
)  # fmt: skip

# The current round: two newcomers have picked (one has signed too); every other panel is open.
CURRENT_STORIES: tuple[Story, ...] = (
    Story(Fate.pending, newcomer_signed=True),
    Story(Fate.pending),
)


def cohort_windows() -> list[tuple[int, int]]:
    """For each past round, then the current one: the range of "days ago" in which its cohort
    registered (inclusive). Intake is decided 2–7 days after registering (see ``DECISION_DAYS``),
    so a cohort is approved after the previous round and before its own."""
    windows = []
    older = ROUNDS[0].days_ago + 60
    for days in [r.days_ago for r in ROUNDS] + [CURRENT_ROUND_DAYS_AGO]:
        windows.append((days + DECISION_DAYS[-1] + 1, older - 1))
        older = days
    return windows


# Staff decide on a registration this many days after it (cycled over the people).
DECISION_DAYS = (2, 3, 4, 5, 6, 7)


def decision_days(index: int) -> int:
    return DECISION_DAYS[index % len(DECISION_DAYS)]


# The demo logins: the volunteer has been in the programme from the start; the newcomer's intake
# was done just before the current matching round.
DEMO_VOLUNTEER_DAYS, DEMO_NEWCOMER_DAYS = 300, 12


def newcomer_days(rng: random.Random, statuses: list[str]) -> list[int]:
    """How many days ago each newcomer registered. Approved newcomers are spread over the
    history's cohorts, so every matching round finds the newcomers its plan expects; those still
    waiting for intake registered in the last three weeks."""
    windows = cohort_windows()
    cohorts = [i for i, plan in enumerate(ROUNDS) for _ in range(plan.cohort)]
    approved = [i for i, s in enumerate(statuses) if s == IntakeStatus.approved and i > 0]
    assert len(approved) >= len(cohorts), "too few approved newcomers for the history"
    cohorts += [len(ROUNDS)] * (len(approved) - len(cohorts))  # the current round's
    rng.shuffle(cohorts)
    days = [DEMO_NEWCOMER_DAYS] * len(statuses)
    for index, status in enumerate(statuses[1:], start=1):
        days[index] = rng.randint(1, 20) if status == IntakeStatus.pending else rng.randint(20, 200)
    for index, cohort in zip(approved, cohorts, strict=True):
        days[index] = rng.randint(*windows[cohort])
    return days


def volunteer_days(rng: random.Random, status: str) -> int:
    # Volunteers still waiting for screening registered recently; the others over the last year.
    return rng.randint(1, 12) if status == VettingStatus.pending else rng.randint(20, 330)


# What pairs write, and what staff note; English like the rest of the demo's free text.
MEETING_NOTES = (
    "Coffee on the market square; practised ordering in Dutch.",
    "Walked along the river and talked about our families.",
    "Filled in the form for the child benefit together.",
    "Went to the Saturday market; bought vegetables and learned their names.",
    "Looked at job vacancies on the VDAB site.",
    "Visited the library and got a library card.",
    "Played chess at my place; lots of laughing.",
    "Opened a bank account together.",
    "Cooked together: I was shown how to make a family soup.",
    "Went to the football club to ask about training times.",
)
CALL_NOTES = (
    "Both happy; they meet regularly, mostly in the city centre.",
    "Good contact. The newcomer's Dutch is clearly improving.",
    "They had a busy month but are back on track.",
    "Volunteer asks for tips on explaining letters from the tax office; sent the leaflet.",
)
WORRY_OPEN = "My buddy seems very tired and worried about housing. Could staff call?"
WORRY_RESOLVED = "My buddy got a letter about the residence permit and is very anxious."
WORRY_RESOLUTION = "Called the next day and referred them to the legal helpdesk."
EVALUATION_TEXTS = {
    "newcomer": (
        "My buddy helped me with many letters and now I dare to speak Dutch in shops.",
        "We became friends. Thank you for this programme.",
        "Very nice person. I learned a lot about %(city)s.",
    ),
    "volunteer": (
        "A warm and motivated person; we will keep meeting.",
        "I learned as much as I taught. Recommended to every local.",
        "Good experience, although the paperwork took most of our time.",
    ),
}
