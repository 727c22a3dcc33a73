"""Events of the meetings, follow-up and evaluation domains, for whoever needs to react (the
notifications domain queues emails from them).

Listeners run synchronously, inside the transaction of the action, so an email queued in the
outbox is committed together with the event that caused it — or not at all.

Events and their payload (all ids are ints):
    ``checkin.logged``          checkin_id, contract_id, by_user_id, by_side, confirm_side
    ``checkin.concern_raised``  checkin_id, contract_id, by_user_id, reason
    ``checkin.answered``        checkin_id, contract_id, by_user_id, happened (bool)
    ``checkin.concern_resolved`` checkin_id, contract_id, by_user_id
    ``staff_call.recorded``     call_id, contract_id, by_user_id
    ``evaluation.submitted``    evaluation_id, contract_id, by_user_id, side
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Listener = Callable[[Session, str, dict[str, Any]], None]
_LISTENERS: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    """Register ``listener(session, event_name, payload)``; usable as a decorator."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def unsubscribe(listener: Listener) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def publish(session: Session, name: str, **payload: Any) -> None:
    for listener in list(_LISTENERS):
        listener(session, name, payload)
