"""Wrong hours-statement codes are throttled: login_attempts.kind may be "verify" (issue #12).

Revision ID: 5f3c2a9e7b14
Revises: c3a9e51f7d40
Create Date: 2026-12-02 18:40:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "5f3c2a9e7b14"
down_revision: str | None = "c3a9e51f7d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("login", "otp", "setup", "register", "reset")
_AFTER = (*_BEFORE, "verify")


def _allow(kinds: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_login_attempts_attempt_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_login_attempts_attempt_kind"), f"kind IN ({listed})"
        )


def upgrade() -> None:
    _allow(_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM login_attempts WHERE kind = 'verify'")
    _allow(_BEFORE)
