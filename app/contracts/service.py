"""Contracts: creation from a pick, signatures, decline, early end, automatic completion.

Every state change is one conditional UPDATE (``... WHERE status IN (allowed sources)``), so two
requests racing on the same contract cannot both succeed, and the volunteer's capacity counter
is claimed and released exactly once per contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.config import CityProfile
from app.contracts import rules
from app.contracts.models import Contract, ContractStatus, EndReason

# Reading lives in its own module; re-exported so callers need import only this one.
from app.contracts.queries import Side as Side
from app.contracts.queries import find_for_user as find_for_user
from app.contracts.queries import get_for_user as get_for_user
from app.contracts.queries import list_for_user as list_for_user
from app.contracts.queries import live_contract_of_newcomer as live_contract_of_newcomer
from app.contracts.queries import other_party_is_female as other_party_is_female
from app.contracts.queries import side_of as side_of
from app.contracts.rules import ContractEvent
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, Invalids, NotFound
from app.i18n.catalog import N_, NP_
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.matches.rules import panel_is_expired
from app.notifications import contract_mail as notifications
from app.people.models import Newcomer, VettingStatus, Volunteer
from app.people.vocabulary import SLOTS

_volunteers = cast(Table, Volunteer.__table__)
_contracts = cast(Table, Contract.__table__)


# --- capacity -------------------------------------------------------------------------------


def claim_capacity(session: Session, volunteer_id: int) -> bool:
    """Take one of the volunteer's free places, atomically.

    The check and the increment are one statement: on PostgreSQL a concurrent claim waits for
    the row lock and re-checks the condition on the committed row; on SQLite writers are
    serialised. Either way a full volunteer can never be over-committed.
    """
    result = session.execute(
        update(_volunteers)
        .where(
            _volunteers.c.id == volunteer_id,
            _volunteers.c.committed_buddies < _volunteers.c.max_buddies,
            _volunteers.c.vetting_status == VettingStatus.approved.value,
        )
        .values(committed_buddies=_volunteers.c.committed_buddies + 1)
    )
    _forget_counter(session, volunteer_id)
    return cast(Any, result).rowcount == 1


def release_capacity(session: Session, volunteer_id: int) -> None:
    session.execute(
        update(_volunteers)
        .where(_volunteers.c.id == volunteer_id, _volunteers.c.committed_buddies > 0)
        .values(committed_buddies=_volunteers.c.committed_buddies - 1)
    )
    _forget_counter(session, volunteer_id)


def _forget_counter(session: Session, volunteer_id: int) -> None:
    loaded = session.identity_map.get(session.identity_key(Volunteer, volunteer_id))
    if loaded is not None:
        session.expire(loaded, ["committed_buddies"])


# --- changes --------------------------------------------------------------------------------


def _move(
    session: Session, contract: Contract, event: ContractEvent, **values: Any
) -> ContractStatus:
    """Apply ``event`` with one conditional UPDATE; 409 if someone else got there first."""
    target = rules.contract_transition(contract.status, event)  # refuses early, clearly
    result = session.execute(
        update(_contracts)
        .where(_contracts.c.id == contract.id, _contracts.c.status.in_(rules.sources(event)))
        .values(status=target.value, updated_at=utcnow(), **values)
    )
    session.refresh(contract)
    if cast(Any, result).rowcount != 1:
        rules.contract_transition(contract.status, event)  # raises with the current state
        raise Conflict(N_("This contract changed meanwhile; please look again."))
    return target


def create_pending(
    session: Session,
    *,
    newcomer: Newcomer,
    volunteer: Volunteer,
    panel_id: int | None,
    city: CityProfile,
) -> Contract:
    """The newcomer's pick: a pending contract, the volunteer's place taken atomically."""
    if live_contract_of_newcomer(session, newcomer.id) is not None:
        raise Conflict(N_("You already have a buddy contract."))
    if not claim_capacity(session, volunteer.id):
        # The feminine wording (Arabic, French, Russian… agree with the volunteer's gender):
        NP_("feminine", "%(name)s has just been chosen by someone else. Please pick another buddy.")
        raise Conflict(
            N_("%(name)s has just been chosen by someone else. Please pick another buddy."),
            field="volunteer_id",
            context="feminine" if volunteer.gender.value == "female" else None,
            name=volunteer.first_name,
        )
    theirs = set(volunteer.availability)
    shared = sorted((s for s in newcomer.availability if s in theirs), key=SLOTS.index)
    contract = Contract(
        newcomer_id=newcomer.id,
        volunteer_id=volunteer.id,
        panel_id=panel_id,
        status=ContractStatus.pending,
        cadence=city.cadence,
        months=city.contract_months,
        meeting_slot=shared[0] if shared else None,
        end_note="",
    )
    session.add(contract)
    session.flush()
    return contract


@dataclass(frozen=True)
class Signature:
    full_name: str
    ip: str
    start_on: date | None = None  # a later start the signer asks for


def sign(
    session: Session,
    contract: Contract,
    user: User,
    signature: Signature,
    *,
    city: CityProfile,
    now: datetime | None = None,
) -> Contract:
    side = side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the two people in this contract can sign it."))
    name = " ".join(signature.full_name.split())
    now = now or utcnow()
    today = rules.local_date(now, city.timezone)
    problems = rules.signature_problems(name, signature.start_on, today)
    if problems:
        raise Invalids(problems)
    rules.contract_transition(contract.status, ContractEvent.first_signature)
    if getattr(contract, f"{side}_signed_at") is not None:
        raise Conflict(N_("You have already signed this contract."))
    # Claim our own signature slot atomically; the row stays locked (PostgreSQL) or the
    # database write-locked (SQLite) until commit, so the re-read below sees the other side's
    # signature if it came first, and exactly one of two racing signers activates.
    signed_at = getattr(_contracts.c, f"{side}_signed_at")
    result = session.execute(
        update(_contracts)
        .where(
            _contracts.c.id == contract.id,
            _contracts.c.status == ContractStatus.pending.value,
            signed_at.is_(None),
        )
        .values(
            {
                f"{side}_signed_name": name[:200],
                f"{side}_signed_at": now,
                f"{side}_signed_ip": signature.ip[:64],
                "updated_at": now,
            }
        )
    )
    session.refresh(contract)
    if cast(Any, result).rowcount != 1:
        rules.contract_transition(contract.status, ContractEvent.first_signature)
        raise Conflict(N_("You have already signed this contract."))
    requested = [d for d in (contract.requested_start_date, signature.start_on) if d]
    contract.requested_start_date = max(requested) if requested else None
    if contract.newcomer_signed_at and contract.volunteer_signed_at:
        contract.status = rules.contract_transition(contract.status, ContractEvent.second_signature)
        contract.start_date = rules.start_date(today, contract.requested_start_date)
        contract.end_date = rules.end_date(contract.start_date, contract.months)
    contract.updated_at = now
    session.flush()
    if contract.status is ContractStatus.active:
        notifications.queue_contract_active(session, contract)  # with the .ics attached
    return contract


def decline(
    session: Session, contract: Contract, user: User, reason: str, *, now: datetime | None = None
) -> Contract:
    """The volunteer says no to a pending contract; the newcomer gets their panel back."""
    if side_of(contract, user) != Side.volunteer:
        raise Forbidden(N_("Only the volunteer can decline this contract."))
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Tell the newcomer and the staff why."), field="reason")
    now = now or utcnow()
    _move(
        session, contract, ContractEvent.decline,
        ended_at=now, ended_by_id=user.id, end_note=reason[:2000],
    )  # fmt: skip
    release_capacity(session, contract.volunteer_id)
    panel = _reopen_panel(session, contract, now=now)
    # The newcomer hears it, with what happens next; the unsent "please sign" emails of this
    # contract are dropped when their turn comes (app/notifications/relevance.py).
    notifications.queue_contract_declined(session, contract, panel)
    record(
        session, actor_id=user.id, action="contract.declined",
        subject_type="contract", subject_id=contract.id, personal={"reason": reason[:200]},
    )  # fmt: skip
    return contract


def _reopen_panel(session: Session, contract: Contract, *, now: datetime) -> Panel | None:
    """Give the newcomer their panel back without the volunteer who declined, unless it has
    expired meanwhile (then they simply wait for the next round)."""
    panel = session.get(Panel, contract.panel_id) if contract.panel_id else None
    if panel is None or panel.status is not PanelStatus.chosen:
        return None
    candidate = session.get(PanelCandidate, (panel.id, contract.volunteer_id))
    if candidate is not None:
        candidate.withdrawn_at = now
    remaining = [c for c in panel.candidates if c.withdrawn_at is None]
    if remaining and not panel_is_expired(PanelStatus.open, panel.expires_at, now):
        panel.status, panel.closed_at = PanelStatus.open, None
    else:
        panel.status, panel.closed_at = PanelStatus.expired, now
    session.flush()
    return panel


def end_early(
    session: Session,
    contract: Contract,
    user: User | None,
    reason: EndReason,
    note: str = "",
    *,
    now: datetime | None = None,
    erasure: bool = False,
) -> Contract:
    """Either side, or staff, stops the contract. The newcomer may be matched again (with
    someone else: the pair is excluded from later panels). ``erasure``: app/privacy ends it
    because one side's data is erased (``user`` is then the staff member, or None for the
    retention job)."""
    if user is not None and user.role is not Role.staff and side_of(contract, user) is None:
        raise NotFound(N_("No such contract."))
    if (reason is EndReason.erased) is not erasure:
        raise Invalid(N_("Please choose a reason from the list."), field="reason")
    note = note.strip()
    if reason is EndReason.other and not note:
        raise Invalid(N_("Please say in a few words why."), field="note")
    now = now or utcnow()
    _move(
        session, contract, ContractEvent.end_early,
        ended_at=now, ended_by_id=user.id if user else None, end_reason=reason.value,
        end_note=note[:2000],
    )  # fmt: skip
    release_capacity(session, contract.volunteer_id)
    # Waiting starts again: the next round treats the newcomer as newly waiting.
    contract.newcomer.waiting_since = now
    record(
        session, actor_id=user.id if user else None, action="contract.ended_early",
        subject_type="contract", subject_id=contract.id, reason=reason.value,
    )  # fmt: skip
    session.flush()
    if not erasure:
        # After an erasure no email may carry the erased person's name (the outbox keeps
        # bodies); the partner sees the ended contract on /me.
        notifications.queue_contract_ended_early(session, contract, user)
    return contract


def complete_due(session: Session, *, city: CityProfile, now: datetime | None = None) -> int:
    """Active contracts whose end date has come become ``completed``. Safe to run twice, and
    concurrently: each contract moves (and frees its volunteer's place) exactly once."""
    now = now or utcnow()
    today = rules.local_date(now, city.timezone)
    due = session.scalars(
        select(Contract).where(Contract.status == ContractStatus.active, Contract.end_date <= today)
    ).all()
    done = 0
    for contract in due:
        result = session.execute(
            update(_contracts)
            .where(
                _contracts.c.id == contract.id,
                _contracts.c.status == ContractStatus.active.value,
                # Re-checked: an extension agreed meanwhile moved the end date.
                _contracts.c.end_date <= today,
            )
            .values(status=ContractStatus.completed.value, ended_at=now, updated_at=now)
        )
        if cast(Any, result).rowcount == 1:
            release_capacity(session, contract.volunteer_id)
            notifications.queue_contract_completed(session, contract)  # evaluation, certificate
            done += 1
        session.refresh(contract)
    return done
