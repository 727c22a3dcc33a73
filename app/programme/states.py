"""Each person's place in the programme, defined ONCE.

Every page, API answer and export that says "waiting", "with a panel", "active"… reads it from
here: ``newcomer_state`` / ``volunteer_state`` for one person (plain functions of the facts, no
database), and ``newcomer_state_sql`` / ``volunteer_state_sql`` for counting and filtering in the
database. The SQL is the same ladder of conditions in the same order (tests/test_programme_states.py
checks both agree for every person of the demo city, on both backends).

NEWCOMER (the first rule that holds wins):

1. intake pending                                  → ``waiting_for_intake``
2. intake rejected                                 → ``not_accepted``
3. an active contract                              → ``active``
4. a pending contract (picked, signatures missing) → ``choice_pending``
5. a completed contract (the programme is done)    → ``completed``
6. an open panel not past its expiry               → ``panel_open``
7. otherwise                                       → ``waiting_for_round``

A contract that ended early (or was declined) is history, not a state: the newcomer waits for a
new buddy again (the next round treats them as waiting), exactly as matching does.

VOLUNTEER (the first rule that holds wins):

1. screening pending                    → ``waiting_for_screening``
2. rejected                             → ``not_approved``
3. paused (their own choice)            → ``paused``
4. no free place (buddies ≥ offered)    → ``full``
5. on an open panel (not withdrawn)     → ``proposed``
6. otherwise                            → ``available``

A volunteer's contracts (pending or active, possibly several) are listed one by one where
they are shown; the state says whether newcomers can still be offered them.

CARRYING ON AS FRIENDS (an outcome within ``completed``, counted on its own): a COMPLETED
contract of which either side said the pair carries on as friends (``carries_on`` for one
contract, ``carrying_on_sql`` as a condition over ``Contract`` rows). A newcomer whose
completed contract carries on is still ``completed``; the dashboard, the statistics API and the
contracts export count these contracts with this one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from app.contracts.models import Contract, ContractStatus
from app.i18n.catalog import N_
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer


class NewcomerState(StrEnum):
    waiting_for_intake = "waiting_for_intake"
    not_accepted = "not_accepted"
    waiting_for_round = "waiting_for_round"
    panel_open = "panel_open"
    choice_pending = "choice_pending"
    active = "active"
    completed = "completed"


class VolunteerState(StrEnum):
    waiting_for_screening = "waiting_for_screening"
    not_approved = "not_approved"
    paused = "paused"
    available = "available"
    proposed = "proposed"
    full = "full"


NEWCOMER_LABELS = {
    NewcomerState.waiting_for_intake: N_("Waiting for intake"),
    NewcomerState.not_accepted: N_("Not accepted"),
    NewcomerState.waiting_for_round: N_("Waiting for a matching round"),
    NewcomerState.panel_open: N_("Choosing from their candidates"),
    NewcomerState.choice_pending: N_("Contract waiting for signatures"),
    NewcomerState.active: N_("With a buddy"),
    NewcomerState.completed: N_("Programme completed"),
}
VOLUNTEER_LABELS = {
    VolunteerState.waiting_for_screening: N_("Waiting for screening"),
    VolunteerState.not_approved: N_("Not approved"),
    VolunteerState.paused: N_("Paused"),
    VolunteerState.available: N_("Available"),
    VolunteerState.proposed: N_("Proposed on a panel"),
    VolunteerState.full: N_("No free place"),
}


# --- carrying on as friends: an outcome of a completed contract ------------------------------


def carries_on(
    status: ContractStatus, newcomer_said: datetime | None, volunteer_said: datetime | None
) -> bool:
    """Completed, and either side said the pair carries on as friends."""
    return status is ContractStatus.completed and (
        newcomer_said is not None or volunteer_said is not None
    )


def carrying_on_sql() -> ColumnElement[bool]:
    """``carries_on`` as a condition over ``Contract`` rows."""
    return and_(
        Contract.status == ContractStatus.completed,
        or_(Contract.newcomer_carrying_on_at.is_not(None),
            Contract.volunteer_carrying_on_at.is_not(None)),
    )  # fmt: skip


# --- one person: plain functions of the facts ----------------------------------------------


def newcomer_state(
    intake: IntakeStatus, contracts: Iterable[ContractStatus], panel_open: bool
) -> NewcomerState:
    """The newcomer's state from their intake, the statuses of all their contracts and whether
    they have an open, unexpired panel.

    >>> newcomer_state(IntakeStatus.approved, [ContractStatus.ended_early], False)
    <NewcomerState.waiting_for_round: 'waiting_for_round'>
    >>> newcomer_state(IntakeStatus.approved, [ContractStatus.declined], True)
    <NewcomerState.panel_open: 'panel_open'>
    """
    held = set(contracts)
    if intake is IntakeStatus.pending:
        return NewcomerState.waiting_for_intake
    if intake is IntakeStatus.rejected:
        return NewcomerState.not_accepted
    if ContractStatus.active in held:
        return NewcomerState.active
    if ContractStatus.pending in held:
        return NewcomerState.choice_pending
    if ContractStatus.completed in held:
        return NewcomerState.completed
    if panel_open:
        return NewcomerState.panel_open
    return NewcomerState.waiting_for_round


def volunteer_state(
    vetting: VettingStatus, committed: int, offered: int, on_open_panel: bool
) -> VolunteerState:
    """The volunteer's state from their screening, buddies committed and offered, and whether
    an open panel shows them.

    >>> volunteer_state(VettingStatus.approved, 2, 2, True)
    <VolunteerState.full: 'full'>
    """
    if vetting is VettingStatus.pending:
        return VolunteerState.waiting_for_screening
    if vetting is VettingStatus.rejected:
        return VolunteerState.not_approved
    if vetting is VettingStatus.paused:
        return VolunteerState.paused
    if committed >= offered:
        return VolunteerState.full
    if on_open_panel:
        return VolunteerState.proposed
    return VolunteerState.available


def open_panel_condition(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(Panel.status == PanelStatus.open, Panel.expires_at > now)


def shown_volunteer_ids(now: datetime | ColumnElement[datetime]) -> Any:
    return (
        select(PanelCandidate.volunteer_id)
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(PanelCandidate.withdrawn_at.is_(None), open_panel_condition(now))
    )


# --- many people: the same ladder in SQL ----------------------------------------------------


def _newcomer_ladder(
    intake: Any,
    has_active: ColumnElement[bool],
    has_pending: ColumnElement[bool],
    has_completed: ColumnElement[bool],
    has_panel: ColumnElement[bool],
) -> ColumnElement[str]:
    """The newcomer ladder in SQL, from the facts as conditions (however they are found)."""
    return case(
        (intake == IntakeStatus.pending, literal("waiting_for_intake")),
        (intake == IntakeStatus.rejected, literal("not_accepted")),
        (has_active, literal("active")),
        (has_pending, literal("choice_pending")),
        (has_completed, literal("completed")),
        (has_panel, literal("panel_open")),
        else_=literal("waiting_for_round"),
    )


# The contract statuses the newcomer ladder looks at, in its order: the first one held decides.
LADDER_STATUSES = (ContractStatus.active, ContractStatus.pending, ContractStatus.completed)


def newcomer_state_sql(now: datetime | ColumnElement[datetime]) -> ColumnElement[str]:
    """``newcomer_state`` as a column over ``Newcomer`` rows.

    The contracts' part of the ladder is ``Newcomer.contract_rung`` (the position in
    LADDER_STATUSES of the first status held, kept by triggers on contracts): counting
    everyone is one pass over the newcomers, with the few open panels read once, hashed.
    """
    open_panels = select(Panel.newcomer_id).where(open_panel_condition(now))
    rung = Newcomer.contract_rung
    active, pending, completed = (rung == i for i in range(len(LADDER_STATUSES)))
    return _newcomer_ladder(
        Newcomer.intake_status, active, pending, completed, Newcomer.id.in_(open_panels)
    )


def newcomer_facts(
    *where: ColumnElement[bool], order: Sequence[ContractStatus] = LADDER_STATUSES
) -> Subquery:
    """Per newcomer holding a contract with a status in ``order``: ``newcomer_id`` and
    ``first``, the position in ``order`` of the first of those statuses they hold — from ONE
    grouped pass over the contracts (those matching ``where``: e.g. of some newcomers only)
    with one aggregate, instead of lookups per newcomer. With the ladder's own order this is
    what ``Newcomer.contract_rung`` keeps; other orders (the entry cohorts') count it live."""
    position = case({status: i for i, status in enumerate(order)}, value=Contract.status)
    return (
        select(Contract.newcomer_id.label("newcomer_id"), func.min(position).label("first"))
        .where(Contract.status.in_(order), *where)
        .group_by(Contract.newcomer_id)
        .subquery("facts")
    )


def volunteer_state_sql(now: datetime) -> ColumnElement[str]:
    """``volunteer_state`` as a column over ``Volunteer`` rows."""
    return case(
        (Volunteer.vetting_status == VettingStatus.pending, literal("waiting_for_screening")),
        (Volunteer.vetting_status == VettingStatus.rejected, literal("not_approved")),
        (Volunteer.vetting_status == VettingStatus.paused, literal("paused")),
        (Volunteer.committed_buddies >= Volunteer.max_buddies, literal("full")),
        (Volunteer.id.in_(shown_volunteer_ids(now)), literal("proposed")),
        else_=literal("available"),
    )


def newcomers_in(state: NewcomerState, now: datetime) -> ColumnElement[bool]:
    """A WHERE condition: the newcomer is in ``state`` (for lists and the matching round)."""
    return newcomer_state_sql(now) == state.value


def volunteers_in(state: VolunteerState, now: datetime) -> ColumnElement[bool]:
    return volunteer_state_sql(now) == state.value
