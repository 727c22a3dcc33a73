"""newcomer contract rung, kept by triggers

``newcomers.contract_rung``: the position in the programme ladder (app/programme/states.py,
LADDER_STATUSES: 0 active, 1 pending, 2 completed) of the first of those statuses the
newcomer's contracts hold, NULL if none. Counting everyone by state needed one grouped pass
over all contracts joined back to every newcomer (about half the dashboard's newcomer
numbers); with the rung on the row it is one pass over the newcomers. Triggers on contracts
(added, removed, status or newcomer changed) recompute it for the newcomers touched, in the
same statement, so it is never stale (tests/test_programme_states.py checks it against the
contracts on both backends).

SQLite drops a table's triggers when a batch migration rebuilds the table:
tests/test_dashboard_sums.py checks they exist at head on both backends.

Revision ID: 8e4b1c7d2f60
Revises: 3b9d5e7f1a20
Create Date: 2026-12-03 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8e4b1c7d2f60'
down_revision: str | None = '3b9d5e7f1a20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("contracts_rung_insert", "contracts_rung_update", "contracts_rung_delete")


def _rung_of(newcomer: str) -> str:
    """The rung of one newcomer, from their contracts (the ladder's order)."""
    return (
        "(SELECT min(CASE status WHEN 'active' THEN 0 WHEN 'pending' THEN 1 "
        "WHEN 'completed' THEN 2 END) FROM contracts WHERE newcomer_id = "
        f"{newcomer} AND status IN ('active', 'pending', 'completed'))"
    )


def _refresh(newcomer: str) -> str:
    return f"UPDATE newcomers SET contract_rung = {_rung_of(newcomer)} WHERE id = {newcomer};"


_PG_UP = f"""
CREATE FUNCTION newcomer_rung_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_refresh("OLD.newcomer_id")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_refresh("NEW.newcomer_id")}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contracts_rung_insert AFTER INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION newcomer_rung_refresh();
CREATE TRIGGER contracts_rung_update AFTER UPDATE OF status, newcomer_id ON contracts
    FOR EACH ROW EXECUTE FUNCTION newcomer_rung_refresh();
CREATE TRIGGER contracts_rung_delete AFTER DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION newcomer_rung_refresh();
"""
_SQLITE_UP = (
    f"""CREATE TRIGGER contracts_rung_insert AFTER INSERT ON contracts
    BEGIN {_refresh("NEW.newcomer_id")} END""",
    f"""CREATE TRIGGER contracts_rung_update AFTER UPDATE OF status, newcomer_id ON contracts
    BEGIN {_refresh("OLD.newcomer_id")} {_refresh("NEW.newcomer_id")} END""",
    f"""CREATE TRIGGER contracts_rung_delete AFTER DELETE ON contracts
    BEGIN {_refresh("OLD.newcomer_id")} END""",
)


def upgrade() -> None:
    # Plain ALTER TABLE on both backends: a SQLite batch rebuild would drop the newcomers'
    # own triggers (dashboard sums).
    op.add_column('newcomers', sa.Column('contract_rung', sa.SmallInteger(), nullable=True))
    op.execute(f"UPDATE newcomers SET contract_rung = {_rung_of('newcomers.id')}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_UP)
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON contracts")
        op.execute("DROP FUNCTION newcomer_rung_refresh()")
    else:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.execute("ALTER TABLE newcomers DROP COLUMN contract_rung")  # SQLite ≥ 3.35: no rebuild
