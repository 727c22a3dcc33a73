"""dashboard: attendance per contract and meetings per day, kept by buddy tick, exact by triggers

contract_attendance (contract_id, met, last_dn, start_dn, ends_dn, expected) and meeting_days
(day, meetings, confirmed_minutes): see app/dashboard/models.py. The triggers keep every row
exact: a change to a contract's check-ins (added, removed, or their contract, date, status or
minutes changed) or to the contract's status, dates or cadence deletes the rows it touches;
``buddy tick`` sums them up again (app/dashboard/attendance.py) and the dashboard counts them
live meanwhile.

SQLite drops a table's triggers when a batch migration rebuilds the table:
tests/test_dashboard_attendance.py checks they exist at head on both backends.

Revision ID: 7d2f0c4e9a31
Revises: 5f3c2a9e7b14
Create Date: 2026-12-03 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7d2f0c4e9a31'
down_revision: str | None = '5f3c2a9e7b14'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKIN_COLUMNS = "contract_id, met_on, status, minutes"
CONTRACT_COLUMNS = "status, start_date, end_date, ended_at, cadence"
TRIGGERS = (
    "checkins_attendance_insert", "checkins_attendance_update", "checkins_attendance_delete",
    "contracts_attendance_update",
)

_PG_UP = f"""
CREATE FUNCTION attendance_forget_checkin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM contract_attendance WHERE contract_id = OLD.contract_id;
        DELETE FROM meeting_days WHERE day = OLD.met_on;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM contract_attendance WHERE contract_id = NEW.contract_id;
        DELETE FROM meeting_days WHERE day = NEW.met_on;
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION attendance_forget_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contract_attendance WHERE contract_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER checkins_attendance_insert AFTER INSERT ON checkins
    FOR EACH ROW EXECUTE FUNCTION attendance_forget_checkin();
CREATE TRIGGER checkins_attendance_update AFTER UPDATE OF {CHECKIN_COLUMNS} ON checkins
    FOR EACH ROW EXECUTE FUNCTION attendance_forget_checkin();
CREATE TRIGGER checkins_attendance_delete AFTER DELETE ON checkins
    FOR EACH ROW EXECUTE FUNCTION attendance_forget_checkin();
CREATE TRIGGER contracts_attendance_update AFTER UPDATE OF {CONTRACT_COLUMNS} ON contracts
    FOR EACH ROW EXECUTE FUNCTION attendance_forget_contract();
"""
_PG_DOWN = """
DROP TRIGGER contracts_attendance_update ON contracts;
DROP TRIGGER checkins_attendance_delete ON checkins;
DROP TRIGGER checkins_attendance_update ON checkins;
DROP TRIGGER checkins_attendance_insert ON checkins;
DROP FUNCTION attendance_forget_contract();
DROP FUNCTION attendance_forget_checkin();
"""
_SQLITE_UP = (
    """CREATE TRIGGER checkins_attendance_insert AFTER INSERT ON checkins BEGIN
    DELETE FROM contract_attendance WHERE contract_id = NEW.contract_id;
    DELETE FROM meeting_days WHERE day = NEW.met_on; END""",
    f"""CREATE TRIGGER checkins_attendance_update AFTER UPDATE OF {CHECKIN_COLUMNS} ON checkins
    BEGIN DELETE FROM contract_attendance WHERE contract_id IN (OLD.contract_id, NEW.contract_id);
    DELETE FROM meeting_days WHERE day IN (OLD.met_on, NEW.met_on); END""",
    """CREATE TRIGGER checkins_attendance_delete AFTER DELETE ON checkins BEGIN
    DELETE FROM contract_attendance WHERE contract_id = OLD.contract_id;
    DELETE FROM meeting_days WHERE day = OLD.met_on; END""",
    f"""CREATE TRIGGER contracts_attendance_update AFTER UPDATE OF {CONTRACT_COLUMNS} ON contracts
    BEGIN DELETE FROM contract_attendance WHERE contract_id = NEW.id; END""",
)


def upgrade() -> None:
    op.create_table('contract_attendance',
    sa.Column('contract_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('last_dn', sa.Integer(), nullable=True),
    sa.Column('start_dn', sa.Integer(), nullable=False),
    sa.Column('ends_dn', sa.Integer(), nullable=True),
    sa.Column('expected', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_attendance_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', name=op.f('pk_contract_attendance'))
    )
    op.create_table('meeting_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('meetings', sa.Integer(), nullable=False),
    sa.Column('confirmed_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_meeting_days'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_UP)
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_DOWN)
    else:
        for name in reversed(TRIGGERS):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('meeting_days')
    op.drop_table('contract_attendance')
