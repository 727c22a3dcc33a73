"""outbox: what a message is about, and messages dropped as stale at send time

``about`` lets the sender re-check a message against the current state (app/notifications/
relevance.py); a stale one becomes ``dropped`` with ``dropped_reason``.

Revision ID: 34d3fca2dcb8
Revises: acd9eaa9e009
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '34d3fca2dcb8'
down_revision: str | None = 'acd9eaa9e009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = sa.Enum('queued', 'sent', 'failed', name='email_status', native_enum=False,
              create_constraint=True)
NEW = sa.Enum('queued', 'sent', 'failed', 'dropped', name='email_status', native_enum=False,
              create_constraint=True)


# alter_column swaps the CHECK of the enum's values itself (PostgreSQL: drop and add; SQLite:
# the rebuilt table gets the new type's CHECK).
def upgrade() -> None:
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dropped_reason', sa.String(length=200), nullable=True))
        batch_op.alter_column('status', existing_type=OLD, type_=NEW, existing_nullable=False)


def downgrade() -> None:
    op.execute("UPDATE outbox_emails SET status = 'failed' WHERE status = 'dropped'")
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=NEW, type_=OLD, existing_nullable=False)
        batch_op.drop_column('dropped_reason')
        batch_op.drop_column('about')
