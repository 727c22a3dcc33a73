"""When mail is (re)tried and when a reminder is due, as plain functions: no database, no SMTP.

DELIVERY
    A message is tried at most ``MAX_ATTEMPTS`` times. After failed attempt ``k`` (1-based) the
    next try waits ``BACKOFF[k-1]`` (1 min, 5 min, 30 min, 2 h, 12 h); after the sixth failure it
    is ``failed`` for good (staff see it and may queue it again). A permanent refusal by the
    receiving server (5xx for the recipient or the message) fails at once: retrying cannot help.

SILENCE (the "no meeting" reminders; periods as in app/checkins/rules.py)
    For an ACTIVE contract seen on ``today``: ``n`` periods are completed; the last meeting that
    counts (not disputed, between the start and today) fell in period ``p`` (none: ``p = -1``).
    The silence began with period ``gap_start = p + 1`` and ``missed = n - gap_start`` completed
    periods have passed without a meeting (nothing logged since, not even in the open period).

    * ``missed == 1``: a gentle reminder to the volunteer, key ``nomeet1:{contract}:{gap_start}``;
    * ``missed >= 2``: the pair is at risk (exactly the check-ins rule ``missed_last_two``); both
      are told, key ``nomeet2:{contract}:{gap_start}:{side}``.

    Keyed by the silence's first period, each silence gets at most one of each, however often
    ``buddy tick`` runs; a logged meeting ends the silence, and a later one starts afresh.

ENDING SOON
    One month before the end date (``end - 1 month <= today < end``), once per contract and side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.config import Cadence
from app.contracts.rules import add_months

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claimed message is reserved for the worker that claimed it. Much longer than one
# SMTP conversation (timeout 30 s), so a live worker is never overtaken; a crashed worker's
# message becomes due again after it.
CLAIM_LEASE = timedelta(minutes=10)


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or ``None``: give up."""
    if attempts < 1 or attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempts - 1]


@dataclass(frozen=True)
class Silence:
    gap_start: int  # the first period without a meeting
    missed: int  # completed periods without a meeting since then


def silence(start: date, cadence: Cadence, last_met_on: date | None, today: date) -> Silence:
    """The current silence of an active contract (``missed`` may be ≤ 0: no silence)."""
    length = cadence.days
    completed = max(0, (today - start).days // length)
    last_period = (last_met_on - start).days // length if last_met_on is not None else -1
    gap_start = last_period + 1
    return Silence(gap_start, completed - gap_start)


def reminder_due(missed: int) -> str | None:
    """Which silence reminder fits: ``"nomeet1"``, ``"nomeet2"`` or none."""
    if missed >= 2:
        return "nomeet2"
    if missed == 1:
        return "nomeet1"
    return None


def ending_soon(end: date, today: date) -> bool:
    return add_months(end, -1) <= today < end


def period_start(start: date, cadence: Cadence, index: int) -> date:
    return start + timedelta(days=index * cadence.days)
