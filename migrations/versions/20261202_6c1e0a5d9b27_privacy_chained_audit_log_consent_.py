"""privacy: chained audit log, consent version, erasure

The audit log becomes append-only and hash-chained (app/audit/models.py): existing entries are
numbered 1..n in their order, their personal keys (email, note, reason) move to
``audit_personal``, and each gets its hash; then, on PostgreSQL, a trigger refuses UPDATE,
DELETE and TRUNCATE of audit entries (and UPDATE of their personal part, which erasure may only
delete). People get the accepted privacy-notice version and the erasure/retention timestamps;
contracts may end with the reason ``erased``.

The hashing below repeats app/audit/chain.py on purpose: migrations never import app code, and
this one must keep producing the hashes it produced when it ran.

Revision ID: 6c1e0a5d9b27
Revises: ee8647ac05ba
Create Date: 2026-12-02 14:53:42.290720
"""

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '6c1e0a5d9b27'
down_revision: str | None = 'ee8647ac05ba'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
PERSONAL_KEYS = ("email", "note", "reason")
OLD_REASONS = ('moved_away', 'no_time', 'no_click', 'health', 'found_work', 'not_meeting', 'other')
NEW_REASONS = (*OLD_REASONS, 'erased')

_entries = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer), sa.column('actor_id', sa.Integer),
    sa.column('action', sa.String), sa.column('subject_type', sa.String),
    sa.column('subject_id', sa.Integer), sa.column('detail', sa.JSON),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('personal_digest', sa.String), sa.column('prev_hash', sa.String),
    sa.column('entry_hash', sa.String),
)
_personal = sa.table(
    'audit_personal', sa.column('entry_id', sa.Integer), sa.column('salt', sa.String),
    sa.column('data', sa.JSON),
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _moment(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chain_existing(bind: sa.Connection) -> list[dict[str, Any]]:
    """Hash the existing entries; returns their personal parts, inserted once the table exists
    (SQLite rebuilds audit_entries in between, which a referencing table would prevent)."""
    personal_rows: list[dict[str, Any]] = []
    rows = bind.execute(sa.select(_entries).order_by(_entries.c.id)).mappings().all()
    previous = GENESIS
    for position, row in enumerate(rows, start=1):
        detail = dict(row['detail'] or {})
        personal = {k: detail.pop(k) for k in PERSONAL_KEYS if detail.get(k) not in (None, "")}
        for key in PERSONAL_KEYS:
            detail.pop(key, None)
        digest, salt = None, ""
        if personal:
            salt = secrets.token_hex(16)
            digest = hashlib.sha256(f"{salt}:{_canonical(personal)}".encode()).hexdigest()
        fields = {
            "id": position, "created_at": _moment(row['created_at']),
            "actor_id": row['actor_id'], "action": row['action'],
            "subject_type": row['subject_type'], "subject_id": row['subject_id'],
            "detail": detail, "personal_digest": digest, "prev_hash": previous,
        }
        entry_hash = hashlib.sha256(_canonical(fields).encode()).hexdigest()
        # Positions never exceed the old ids, and rows go in ascending order: no collisions.
        bind.execute(
            _entries.update().where(_entries.c.id == row['id']).values(
                id=position, detail=detail, personal_digest=digest, prev_hash=previous,
                entry_hash=entry_hash,
            )
        )
        if personal:
            personal_rows.append({"entry_id": position, "salt": salt, "data": personal})
        previous = entry_hash
    bind.execute(
        sa.table('audit_chain_head', sa.column('id'), sa.column('last_id'),
                 sa.column('last_hash')).insert().values(id=1, last_id=len(rows),
                                                         last_hash=previous)
    )
    return personal_rows


_PG_GUARD = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_personal_no_update BEFORE UPDATE ON audit_personal
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
_PG_UNGUARD = """
DROP TRIGGER audit_personal_no_update ON audit_personal;
DROP TRIGGER audit_entries_no_truncate ON audit_entries;
DROP TRIGGER audit_entries_append_only ON audit_entries;
DROP FUNCTION audit_refuse_change();
"""


def _reasons(values: tuple[str, ...]) -> str:
    return "end_reason IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    personal_rows = _chain_existing(op.get_bind())
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_entry_hash'), ['entry_hash'])
    op.create_table('audit_personal',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entries.id'], name=op.f('fk_audit_personal_entry_id_audit_entries')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_audit_personal'))
    )
    if personal_rows:
        op.bulk_insert(_personal, personal_rows)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('erasure_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('inactivity_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_erased_at'), ['erased_at'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_end_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_contracts_end_reason'), _reasons(NEW_REASONS))

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_GUARD)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(_PG_UNGUARD)
    op.execute("UPDATE contracts SET end_reason = 'other' WHERE end_reason = 'erased'")
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_end_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_contracts_end_reason'), _reasons(OLD_REASONS))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_erased_at'))
        batch_op.drop_column('inactivity_warned_at')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('erasure_requested_at')
        batch_op.drop_column('consent_version')

    # The personal parts go back into the details they came from.
    for entry_id, data in bind.execute(sa.select(_personal.c.entry_id, _personal.c.data)).all():
        detail = bind.execute(sa.select(_entries.c.detail).where(_entries.c.id == entry_id)).scalar()
        bind.execute(_entries.update().where(_entries.c.id == entry_id).values(detail={**(detail or {}), **data}))
    op.drop_table('audit_personal')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_entry_hash'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('personal_digest')

    op.drop_table('audit_chain_head')
