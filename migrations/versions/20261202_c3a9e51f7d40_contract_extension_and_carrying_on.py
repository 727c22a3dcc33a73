"""Contract extension by three months (once, both sign) and "carrying on as friends" (issue #12).

Revision ID: c3a9e51f7d40
Revises: 17270318ad7d
Create Date: 2026-12-02 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c3a9e51f7d40'
down_revision: str | None = '17270318ad7d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_proposed_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('extension_proposed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extended_months', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('extended_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('newcomer_carrying_on_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('volunteer_carrying_on_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_contracts_extended_months_range'), 'extended_months BETWEEN 0 AND 12')
        batch_op.create_check_constraint(
            op.f('ck_contracts_extension_proposed_by_side'),
            "extension_proposed_by IS NULL OR extension_proposed_by IN ('newcomer', 'volunteer')",
        )


def downgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contracts_extension_proposed_by_side'), type_='check')
        batch_op.drop_constraint(op.f('ck_contracts_extended_months_range'), type_='check')
        batch_op.drop_column('volunteer_carrying_on_at')
        batch_op.drop_column('newcomer_carrying_on_at')
        batch_op.drop_column('extended_from')
        batch_op.drop_column('extended_months')
        batch_op.drop_column('extension_accepted_at')
        batch_op.drop_column('extension_proposed_at')
        batch_op.drop_column('extension_proposed_by')
