"""docs/privacy.md (the record of processing) names every personal column of the models."""

from __future__ import annotations

import re
from pathlib import Path

from app.models import Base

RECORD = Path(__file__).resolve().parent.parent / "docs" / "privacy.md"

# Tables that describe a person (every column but the key is personal data) …
PERSONAL_TABLES = {
    "users", "auth_tokens", "login_attempts", "people", "newcomers", "volunteers",
    "person_languages", "outbox_emails", "audit_personal", "inbox_messages", "sms_alerts",
}  # fmt: skip
# … and, elsewhere, columns whose names say they hold free text, a name, a place or a person.
PERSONAL_NAME = re.compile(
    r"(note|text|reason|resolution|name|email|phone|ip|bio|lat|lon|_by_id|author_id|staff_id"
    r"|actor_id|subject_id|detail|data|newcomer_id|volunteer_id|shortage)$"
)
NOT_PERSONAL = {
    "id", "dedupe_key", "kind", "status", "attempts", "next_attempt_at", "created_at", "sent_at",
    "succeeded", "person_id", "entry_id",
}  # fmt: skip
# The name of a job, not of a person.
NOT_PERSONAL_HERE = {"matching_locks.name", "job_runs.name"}


def _personal_columns() -> set[str]:
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if (table.name in PERSONAL_TABLES and column.name not in NOT_PERSONAL) or (
                PERSONAL_NAME.search(column.name) and column.name not in NOT_PERSONAL
            ):
                found.add(f"{table.name}.{column.name}")
    return found - NOT_PERSONAL_HERE


def test_every_personal_column_is_in_the_record_of_processing() -> None:
    text = RECORD.read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", text))
    missing = sorted(_personal_columns() - listed)
    assert missing == [], f"add these to docs/privacy.md: {missing}"
    # And nothing listed that no longer exists.
    columns = {f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns}
    assert sorted(listed - columns) == []
