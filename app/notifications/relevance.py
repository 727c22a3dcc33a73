"""Is a queued message still true when its turn comes? One check per kind of email.

An email is queued in the transaction of the event that causes it, but sent later (the next
``buddy tick``, a retry after a failure). Meanwhile the world moves on: the newcomer signs the
contract they were asked to sign, the volunteer declines it, a panel closes. Just before
sending, the sender asks ``stale_reason(session, row)``; a message whose check answers a reason
is not sent but ``dropped``, and the outbox keeps the reason for staff.

``CHECKS`` maps an email kind to its check; ``register`` adds one. A kind without a check is
sent as before (password resets, invitations … need none), as is a row without ``about``
(queued before the checks existed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.checkins.models import Checkin, CheckinStatus
from app.contracts.models import Contract, ContractStatus
from app.matches.models import Panel, PanelStatus
from app.notifications.models import OutboxEmail

Check = Callable[[Session, dict[str, Any], datetime], str | None]
CHECKS: dict[str, Check] = {}


def register(*kinds: str) -> Callable[[Check], Check]:
    def add(check: Check) -> Check:
        for kind in kinds:
            CHECKS[kind] = check
        return check

    return add


def stale_reason(session: Session, row: OutboxEmail, now: datetime) -> str | None:
    """Why ``row`` must not be sent any more, or ``None``: send it."""
    return stale_about(session, row.kind, row.about, now)


def stale_about(
    session: Session, kind: str, about: dict[str, Any] | None, now: datetime
) -> str | None:
    """The same check for any message of ``kind`` about ``about`` (the inbox uses it too)."""
    check = CHECKS.get(kind)
    if check is None or not about:
        return None
    return check(session, dict(about), now)


def _contract(session: Session, about: dict[str, Any]) -> Contract | None:
    found = about.get("contract")
    return session.get(Contract, int(found), populate_existing=True) if found else None


@register("panel_ready")
def _panel_still_open(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    panel = session.get(Panel, int(about.get("panel", 0)), populate_existing=True)
    if panel is None:
        return "the panel no longer exists"
    if panel.status is not PanelStatus.open or panel.expires_at <= now:
        return f"the panel is {panel.status.value if panel.expires_at > now else 'expired'}"
    return None


@register("chosen", "please_sign")
def _signature_still_missing(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    contract = _contract(session, about)
    if contract is None:
        return "the contract no longer exists"
    if contract.status is not ContractStatus.pending:
        return f"the contract is {contract.status.value}"
    side = str(about.get("side", ""))
    if getattr(contract, f"{side}_signed_at", None) is not None:
        return f"the {side} has already signed"
    return None


@register("nomeet1", "nomeet2")
def _still_silent(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    """A "no meeting since …" reminder is wrong once a meeting since then is logged."""
    inactive = _contract_still_active(session, about, now)
    if inactive is not None or "since" not in about:
        return inactive
    met = session.scalar(
        select(func.count()).where(
            Checkin.contract_id == int(about["contract"]),
            Checkin.status != CheckinStatus.disputed,
            Checkin.met_on >= date.fromisoformat(str(about["since"])),
        )
    )
    return "a meeting was logged since" if met else None


@register("contract_active", "extension_agreed")
def _contract_still_active(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    contract = _contract(session, about)
    if contract is None:
        return "the contract no longer exists"
    if contract.status is not ContractStatus.active:
        return f"the contract is {contract.status.value}"
    return None


@register("ending_soon")
def _end_still_near(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    """ "Ends on …" is wrong once the pair extended the contract meanwhile."""
    inactive = _contract_still_active(session, about, now)
    if inactive is not None or "end" not in about:
        return inactive
    contract = _contract(session, about)
    if contract is not None and contract.end_date != date.fromisoformat(str(about["end"])):
        return "the contract was extended"
    return None


@register("extension_proposed")
def _proposal_still_waiting(session: Session, about: dict[str, Any], now: datetime) -> str | None:
    inactive = _contract_still_active(session, about, now)
    if inactive is not None:
        return inactive
    contract = _contract(session, about)
    assert contract is not None
    if contract.extended_months:
        return "the extension was accepted"
    at = contract.extension_proposed_at
    if at is None or at.isoformat() != about.get("proposed_at"):
        return "the proposal was withdrawn or declined"
    return None
