"""dashboard sums by neighbourhood (meeting_day_areas, entry_day_areas)

A neighbourhood's dashboard counted every day's meetings and registrations live (the day sums
were city-wide): each summed-up day now also holds its numbers per neighbourhood — the
newcomer's, as the filter reads it. The rows go with their day's row (ON DELETE CASCADE: the
existing triggers drop the day when its check-ins, contracts or newcomers change), and two new
triggers drop the days a move touches: a newcomer's neighbourhood changed (the days of their
meetings, and of their registration), a contract given to another newcomer (its meetings' days).

Revision ID: 4a7c9e2b5d18
Revises: 8e4b1c7d2f60
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4a7c9e2b5d18'
down_revision: str | None = '8e4b1c7d2f60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEWCOMER_DAYS = ("DELETE FROM meeting_days WHERE day IN (SELECT checkins.met_on FROM checkins "
                  "JOIN contracts ON contracts.id = checkins.contract_id "
                  "WHERE contracts.newcomer_id = NEW.id);")
_CONTRACT_DAYS = ("DELETE FROM meeting_days WHERE day IN "
                  "(SELECT met_on FROM checkins WHERE contract_id = NEW.id);")

_PG_UP = f"""
CREATE FUNCTION area_forget_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_NEWCOMER_DAYS}
    DELETE FROM entry_days WHERE day = (timezone('UTC', NEW.created_at))::date;
    RETURN NULL;
END
$$;
CREATE FUNCTION area_forget_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_CONTRACT_DAYS}
    RETURN NULL;
END
$$;
CREATE TRIGGER people_area_update AFTER UPDATE OF neighbourhood ON people FOR EACH ROW
    WHEN (OLD.neighbourhood IS DISTINCT FROM NEW.neighbourhood)
    EXECUTE FUNCTION area_forget_person();
CREATE TRIGGER contracts_area_update AFTER UPDATE OF newcomer_id ON contracts FOR EACH ROW
    WHEN (OLD.newcomer_id IS DISTINCT FROM NEW.newcomer_id)
    EXECUTE FUNCTION area_forget_contract();
"""
_SQLITE_UP = (
    f"""CREATE TRIGGER people_area_update AFTER UPDATE OF neighbourhood ON people
    WHEN OLD.neighbourhood IS NOT NEW.neighbourhood
    BEGIN {_NEWCOMER_DAYS} DELETE FROM entry_days WHERE day = date(NEW.created_at); END""",
    f"""CREATE TRIGGER contracts_area_update AFTER UPDATE OF newcomer_id ON contracts
    WHEN OLD.newcomer_id IS NOT NEW.newcomer_id BEGIN {_CONTRACT_DAYS} END""",
)


def upgrade() -> None:
    op.create_table('meeting_day_areas',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('neighbourhood', sa.String(length=64), nullable=False),
    sa.Column('meetings', sa.Integer(), nullable=False),
    sa.Column('confirmed_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['day'], ['meeting_days.day'], name=op.f('fk_meeting_day_areas_day_meeting_days'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'neighbourhood', name=op.f('pk_meeting_day_areas'))
    )
    op.create_table('entry_day_areas',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('neighbourhood', sa.String(length=64), nullable=False),
    sa.Column('not_matched', sa.Integer(), nullable=False),
    sa.Column('ended_early', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['day'], ['entry_days.day'], name=op.f('fk_entry_day_areas_day_entry_days'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'neighbourhood', name=op.f('pk_entry_day_areas'))
    )
    # The days summed so far have no numbers by neighbourhood: drop them, the tick sums them
    # up again (the dashboard counts them live meanwhile).
    op.execute("DELETE FROM meeting_days")
    op.execute("DELETE FROM entry_days")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_UP)
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER contracts_area_update ON contracts")
        op.execute("DROP TRIGGER people_area_update ON people")
        op.execute("DROP FUNCTION area_forget_contract()")
        op.execute("DROP FUNCTION area_forget_person()")
    else:
        op.execute("DROP TRIGGER contracts_area_update")
        op.execute("DROP TRIGGER people_area_update")
    op.drop_table('entry_day_areas')
    op.drop_table('meeting_day_areas')
