"""Recording actions in the audit log. Written in the same transaction as the action itself.

``detail`` holds what may be kept for ever (ids, states, enum values); anything that identifies
or describes a person (an email, a staff note, a free-text reason) goes in ``personal``, which
erasure can drop without breaking the hash chain (see app/audit/models.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditEntry, AuditPersonal
from app.db import utcnow

# The demo history writes its past at the moment each event happened (app/demo/clock.py).
_moment: ContextVar[datetime | None] = ContextVar("audit_moment", default=None)


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Entries recorded inside this block carry ``moment`` instead of the wall clock."""
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    personal: dict[str, Any] | None = None,
    **detail: Any,
) -> AuditEntry:
    return chain.append(
        session,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        personal={k: v for k, v in (personal or {}).items() if v not in (None, "")} or None,
        created_at=_moment.get() or utcnow(),
    )


def entries_for(session: Session, subject_type: str, subject_id: int) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return list(session.scalars(stmt))


def drop_personal(session: Session, entry_ids: list[int]) -> int:
    """Erasure: forget the personal part of these entries (the chain still verifies)."""
    if not entry_ids:
        return 0
    result = session.execute(
        delete(AuditPersonal)
        .where(AuditPersonal.entry_id.in_(entry_ids))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
