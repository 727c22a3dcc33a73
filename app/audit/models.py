"""Who did what, to whom, and when: an append-only, hash-chained log.

Each entry's ``entry_hash`` is SHA-256 over its canonical fields and the previous entry's hash
(``prev_hash``), so changing, removing or inserting a row anywhere breaks the chain from that
row on (``buddy audit verify``). Entries are never updated or deleted: the ORM refuses it
(app/audit/chain.py) and on PostgreSQL a trigger does too (migration 6c1e0a5d9b27).

Personal data (an email, a staff note, a free-text reason) never goes into ``detail``: it goes
into ``AuditPersonal``, one row per entry, which the chain covers only through a salted digest
(``personal_digest``). Erasure deletes that row; the chain still verifies, and the digest
reveals nothing about what was dropped (the random salt went with it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_type", "subject_id"),)

    # Assigned by the chain (its position), not by the database: ids have no gaps.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    personal: Mapped[AuditPersonal | None] = relationship(lazy="selectin", viewonly=True)

    @property
    def full_detail(self) -> dict[str, Any]:
        """What staff see: the detail and, unless erased, the personal part."""
        extra = self.personal.data if self.personal is not None else {}
        return {**(self.detail or {}), **extra}


class AuditPersonal(Base):
    """The personal part of one audit entry; deleted by erasure, never changed."""

    __tablename__ = "audit_personal"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entries.id"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditChainHead(Base):
    """One row: the last entry of the chain. Appending updates it first, which serialises
    appends (a row lock on PostgreSQL, the write lock on SQLite) and detects a removed tail."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
