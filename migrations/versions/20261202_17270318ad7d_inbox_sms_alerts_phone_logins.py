"""Inbox on /me, SMS alerts, and phone logins for newcomers without email (issue #11).

users.email becomes nullable (a desk registration may have a phone only); users.phone is a
unique E.164 login name.

Revision ID: 17270318ad7d
Revises: 0b5e1a7c9d21
Create Date: 2026-12-02 15:58:34.865656
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '17270318ad7d'
down_revision: str | None = '0b5e1a7c9d21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('about', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inbox_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_messages_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('sms_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('to_phone', sa.String(length=16), nullable=False),
    sa.Column('body_text', sa.String(length=320), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', name='sms_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['inbox_messages.id'], name=op.f('fk_sms_alerts_message_id_inbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_alerts')),
    sa.UniqueConstraint('message_id', name=op.f('uq_sms_alerts_message_id'))
    )
    with op.batch_alter_table('sms_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_sms_alerts_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sms_alerts', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_users_phone'), ['phone'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_phone'), type_='unique')
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=False)
        batch_op.drop_column('sms_alerts')
        batch_op.drop_column('phone')

    with op.batch_alter_table('sms_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_alerts_status_next_attempt_at')

    op.drop_table('sms_alerts')
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_messages_user_id_read_at')

    op.drop_table('inbox_messages')
