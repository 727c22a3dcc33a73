"""The hash chain of the audit log: canonical hashing, appending under a lock, verifying.

Appending takes the chain head row first (an ``UPDATE``): on PostgreSQL that is a row lock held
until the transaction ends, on SQLite the database's write lock. Two transactions can therefore
never both chain to the same previous entry; the second waits for the first to commit and then
reads its hash. The lock is held to the end of the transaction, so audited writes queue behind
each other — acceptable for staff actions, and the price of a single linear chain.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, AuditPersonal
from app.db import insert_ignoring_conflicts

HEAD_ID = 1


class AuditLogImmutable(Exception):
    """Somebody tried to change or delete an audit entry."""


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same bytes for the same value, everywhere.

    >>> canonical({"b": 1, "a": [2, "é"]})
    '{"a":[2,"é"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_digest(salt: str, data: dict[str, Any]) -> str:
    return hashlib.sha256(f"{salt}:{canonical(data)}".encode()).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's canonical fields and the previous entry's hash."""
    fields = {
        "id": entry.id,
        "created_at": _moment(entry.created_at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "detail": entry.detail or {},
        "personal_digest": entry.personal_digest,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical(fields).encode()).hexdigest()


def _take_head(session: Session) -> tuple[int, str] | None:
    # A no-op UPDATE is what takes the lock; RETURNING then reads the row as it is after any
    # transaction we waited for (PostgreSQL re-reads the newest version of a locked row).
    row = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_id=AuditChainHead.last_id)
        .returning(AuditChainHead.last_id, AuditChainHead.last_hash)
        .execution_options(synchronize_session=False)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _lock_head(session: Session) -> AuditChainHead:
    """Take the chain head (creating it on an empty database) and hold it until commit."""
    taken = _take_head(session)
    if taken is None:
        session.execute(
            insert_ignoring_conflicts(session, AuditChainHead, ["id"])
            .values(id=HEAD_ID, last_id=0, last_hash=GENESIS_HASH)
        )
        taken = _take_head(session)
    head = session.get(AuditChainHead, HEAD_ID, populate_existing=True)
    assert head is not None
    assert (head.last_id, head.last_hash) == taken
    return head


def append(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    detail: dict[str, Any],
    personal: dict[str, Any] | None,
    created_at: datetime,
) -> AuditEntry:
    head = _lock_head(session)
    entry = AuditEntry(
        id=head.last_id + 1,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        created_at=created_at,
        prev_hash=head.last_hash,
    )
    salt = secrets.token_hex(16) if personal else None
    if personal and salt:
        entry.personal_digest = personal_digest(salt, personal)
    entry.entry_hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    if personal and salt:
        session.add(AuditPersonal(entry_id=entry.id, salt=salt, data=personal))
    head.last_id, head.last_hash = entry.id, entry.entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.problem


def _entries(session: Session) -> Iterator[tuple[AuditEntry, AuditPersonal | None]]:
    stmt = (
        select(AuditEntry, AuditPersonal)
        .outerjoin(AuditPersonal, AuditPersonal.entry_id == AuditEntry.id)
        .order_by(AuditEntry.id)
        .execution_options(yield_per=1000)
    )
    yield from session.execute(stmt)


def verify(session: Session) -> Verdict:
    """Walk the chain from the start; the first entry whose link does not hold is reported."""
    previous, last_id, checked = GENESIS_HASH, 0, 0
    for entry, personal in _entries(session):
        if entry.id != last_id + 1:
            return Verdict(checked, last_id + 1, "this entry is missing")
        if entry.prev_hash != previous:
            return Verdict(checked, entry.id, "does not follow the previous entry's hash")
        if entry_hash(entry) != entry.entry_hash:
            return Verdict(checked, entry.id, "its content does not match its hash")
        if personal is not None and (
            entry.personal_digest is None
            or personal_digest(personal.salt, personal.data) != entry.personal_digest
        ):
            return Verdict(checked, entry.id, "its personal part was changed")
        previous, last_id, checked = entry.entry_hash, entry.id, checked + 1
    head = session.get(AuditChainHead, HEAD_ID)
    head_id, head_hash = (head.last_id, head.last_hash) if head else (0, GENESIS_HASH)
    if (head_id, head_hash) != (last_id, previous):
        return Verdict(checked, last_id + 1, "entries after the last one were removed")
    return Verdict(checked)


# --- append-only, at the ORM level (PostgreSQL's trigger guards the database itself) ---------


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    session = Session.object_session(target)
    if session is None or session.is_modified(target, include_collections=False):
        raise AuditLogImmutable("audit entries are never changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, _target: AuditEntry) -> None:
    raise AuditLogImmutable("audit entries are never deleted")


@event.listens_for(AuditPersonal, "before_update")
def _refuse_personal_update(_mapper: Any, _connection: Any, target: AuditPersonal) -> None:
    session = Session.object_session(target)
    if session is None or session.is_modified(target, include_collections=False):
        raise AuditLogImmutable("the personal part of an audit entry is dropped, never changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: Any) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise AuditLogImmutable("audit entries are never changed or deleted")
