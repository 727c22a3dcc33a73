"""people created_at index

The dashboard counts registrations by day live for the days the tick has not summed up (those
before the first registration of a 12-month period, or changed since the tick): without an
index that is a scan of every person, with it a range lookup.

Revision ID: 3b9d5e7f1a20
Revises: 7d2f0c4e9a31
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '3b9d5e7f1a20'
down_revision: str | None = '7d2f0c4e9a31'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_people_created_at', 'people', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_people_created_at', table_name='people')
