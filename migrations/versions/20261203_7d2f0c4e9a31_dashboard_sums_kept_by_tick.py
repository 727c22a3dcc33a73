"""dashboard: sums kept by buddy tick (attendance per contract, meetings and entries per day)

contract_attendance (contract_id, met, last_dn, start_dn, ends_dn, expected), meeting_days
(day, meetings, confirmed_minutes) and entry_days (day, not_matched, ended_early, active,
completed): see app/dashboard/models.py. The triggers keep every row exact: a change to a
contract's check-ins (added, removed, or their contract, date, status or minutes changed), to
the contract (its status, dates or cadence; added or removed) or to a newcomer (registered,
removed) deletes the rows it touches; ``buddy tick`` sums them up again
(app/dashboard/attendance.py) and the dashboard counts them live meanwhile.

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
    "contracts_attendance_update", "contracts_entry_insert", "contracts_entry_update",
    "contracts_entry_delete", "people_entry_insert", "people_entry_update",
    "people_entry_delete", "newcomers_entry_insert", "newcomers_entry_delete",
)
# The day (UTC) a contract's newcomer registered, and a person's.
_PG_DAY = "(timezone('UTC', {}))::date"
_SQLITE_DAY = "date({})"

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
CREATE FUNCTION entry_forget_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM entry_days WHERE day = (SELECT {_PG_DAY.format("created_at")} FROM people
                                            WHERE id = OLD.newcomer_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM entry_days WHERE day = (SELECT {_PG_DAY.format("created_at")} FROM people
                                            WHERE id = NEW.newcomer_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION entry_forget_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM entry_days WHERE day = {_PG_DAY.format("OLD.created_at")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM entry_days WHERE day = {_PG_DAY.format("NEW.created_at")};
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION entry_forget_newcomer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM entry_days WHERE day = (SELECT {_PG_DAY.format("created_at")} FROM people
                                            WHERE id = OLD.id);
    ELSE
        DELETE FROM entry_days WHERE day = (SELECT {_PG_DAY.format("created_at")} FROM people
                                            WHERE id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contracts_entry_insert AFTER INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION entry_forget_contract();
CREATE TRIGGER contracts_entry_update AFTER UPDATE OF status, newcomer_id ON contracts
    FOR EACH ROW EXECUTE FUNCTION entry_forget_contract();
CREATE TRIGGER contracts_entry_delete AFTER DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION entry_forget_contract();
CREATE TRIGGER people_entry_insert AFTER INSERT ON people
    FOR EACH ROW EXECUTE FUNCTION entry_forget_person();
CREATE TRIGGER people_entry_update AFTER UPDATE OF created_at ON people
    FOR EACH ROW EXECUTE FUNCTION entry_forget_person();
CREATE TRIGGER people_entry_delete AFTER DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION entry_forget_person();
CREATE TRIGGER newcomers_entry_insert AFTER INSERT ON newcomers
    FOR EACH ROW EXECUTE FUNCTION entry_forget_newcomer();
CREATE TRIGGER newcomers_entry_delete AFTER DELETE ON newcomers
    FOR EACH ROW EXECUTE FUNCTION entry_forget_newcomer();
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
DROP TRIGGER newcomers_entry_delete ON newcomers;
DROP TRIGGER newcomers_entry_insert ON newcomers;
DROP TRIGGER people_entry_delete ON people;
DROP TRIGGER people_entry_update ON people;
DROP TRIGGER people_entry_insert ON people;
DROP TRIGGER contracts_entry_delete ON contracts;
DROP TRIGGER contracts_entry_update ON contracts;
DROP TRIGGER contracts_entry_insert ON contracts;
DROP TRIGGER contracts_attendance_update ON contracts;
DROP TRIGGER checkins_attendance_delete ON checkins;
DROP TRIGGER checkins_attendance_update ON checkins;
DROP TRIGGER checkins_attendance_insert ON checkins;
DROP FUNCTION entry_forget_newcomer();
DROP FUNCTION entry_forget_person();
DROP FUNCTION entry_forget_contract();
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
    *(
        f"""CREATE TRIGGER contracts_entry_{event.split()[0].lower()} AFTER {event} ON contracts
        BEGIN DELETE FROM entry_days WHERE day IN (
            SELECT {_SQLITE_DAY.format("created_at")} FROM people WHERE id IN ({ids})); END"""
        for event, ids in (
            ("INSERT", "NEW.newcomer_id"), ("DELETE", "OLD.newcomer_id"),
            ("UPDATE OF status, newcomer_id", "OLD.newcomer_id, NEW.newcomer_id"),
        )
    ),
    *(
        f"""CREATE TRIGGER people_entry_{event.split()[0].lower()} AFTER {event} ON people
        BEGIN DELETE FROM entry_days WHERE day IN ({days}); END"""
        for event, days in (
            ("INSERT", _SQLITE_DAY.format("NEW.created_at")),
            ("DELETE", _SQLITE_DAY.format("OLD.created_at")),
            ("UPDATE OF created_at", ", ".join(_SQLITE_DAY.format(f"{row}.created_at")
                                               for row in ("OLD", "NEW"))),
        )
    ),
    *(
        f"""CREATE TRIGGER newcomers_entry_{event.lower()} AFTER {event} ON newcomers
        BEGIN DELETE FROM entry_days WHERE day IN (
            SELECT {_SQLITE_DAY.format("created_at")} FROM people WHERE id = {row}.id); END"""
        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"))
    ),
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
    op.create_table('entry_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('not_matched', sa.Integer(), nullable=False),
    sa.Column('ended_early', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_entry_days'))
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
    op.drop_table('entry_days')
    op.drop_table('contract_attendance')
