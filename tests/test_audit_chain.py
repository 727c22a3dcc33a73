"""The audit log is append-only and hash-chained; ``buddy audit verify`` finds the first broken
link. Tampering is done the way only a database administrator could: raw SQL, with
PostgreSQL's append-only trigger switched off for that transaction."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.audit import chain
from app.audit.models import AuditEntry, AuditPersonal
from app.audit.service import drop_personal, record
from app.cli import cli
from app.db import make_sessionmaker
from tests.factories import make_staff


def _record_some(db: Session, n: int = 4) -> list[AuditEntry]:
    staff = make_staff(db)
    entries = [
        record(db, actor_id=staff.id, action="test.action", subject_type="user",
               subject_id=staff.id, personal={"note": f"note {i}"} if i % 2 else None, n=i)
        for i in range(n)
    ]  # fmt: skip
    db.commit()
    return entries


def _tamper(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql))


def test_entries_are_chained_in_order(db: Session) -> None:
    entries = _record_some(db)
    assert [e.id for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    verdict = chain.verify(db)
    assert verdict.ok
    assert verdict.checked == 4
    # Personal data is not in the hashed detail, only in its own droppable row.
    assert "note" not in entries[1].detail
    assert entries[1].full_detail["note"] == "note 1"


def test_orm_refuses_updates_and_deletes(db: Session) -> None:
    entry = _record_some(db, 1)[0]
    entry.action = "rewritten"
    with pytest.raises(chain.AuditLogImmutable):
        db.flush()
    db.rollback()
    db.delete(db.get(AuditEntry, entry.id))
    with pytest.raises(chain.AuditLogImmutable):
        db.flush()
    db.rollback()
    with pytest.raises(chain.AuditLogImmutable):
        db.execute(update(AuditEntry).values(action="x"))
    with pytest.raises(chain.AuditLogImmutable):
        db.execute(delete(AuditEntry))


def test_postgresql_trigger_refuses_raw_sql(db: Session, clean_db: Engine) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("the database-level guard is PostgreSQL's trigger")
    _record_some(db, 2)
    for sql in (
        "UPDATE audit_entries SET action = 'x'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries CASCADE",
        "UPDATE audit_personal SET data = '{}'",
    ):
        with pytest.raises(DBAPIError, match="append-only"), clean_db.begin() as conn:
            conn.execute(text(sql))


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE audit_entries SET subject_id = 999 WHERE id = 3", "content"),
        (
            'UPDATE audit_personal SET data = \'{"note": "forged"}\' WHERE entry_id = 2',
            "personal part",
        ),
        ("DELETE FROM audit_entries WHERE id = 3", "missing"),
        ("DELETE FROM audit_entries WHERE id = 4", "removed"),
    ],
)
def test_verify_reports_the_first_broken_link(
    db: Session, clean_db: Engine, database_url: str, sql: str, problem: str,
    tmp_path: object, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    _record_some(db)
    db.close()
    _tamper(clean_db, "DELETE FROM audit_personal WHERE entry_id IN (3, 4)")
    _tamper(clean_db, sql)
    with make_sessionmaker(clean_db)() as session:
        verdict = chain.verify(session)
    assert not verdict.ok
    assert problem in verdict.problem
    expected = 2 if "personal" in problem else (4 if "removed" in problem else 3)
    assert verdict.broken_id == expected

    monkeypatch.chdir(str(tmp_path))
    result = CliRunner().invoke(cli, ["audit", "verify"], env={
        "BUDDY_DATABASE_URL": database_url, "BUDDY_ENVIRONMENT": "development",
        "BUDDY_SECRET_FILE": f"{tmp_path}/secret"})  # fmt: skip
    assert result.exit_code == 1, result.output
    assert f"broken at entry {expected}" in result.output


def test_verify_command_on_an_intact_log(
    db: Session, database_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record_some(db, 3)
    monkeypatch.chdir(str(tmp_path))
    result = CliRunner().invoke(cli, ["audit", "verify"], env={
        "BUDDY_DATABASE_URL": database_url, "BUDDY_ENVIRONMENT": "development",
        "BUDDY_SECRET_FILE": f"{tmp_path}/secret"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 entries chained" in result.output


def test_dropping_personal_parts_keeps_the_chain_valid(db: Session) -> None:
    entries = _record_some(db)
    assert drop_personal(db, [e.id for e in entries]) == 2
    db.commit()
    db.expire_all()
    assert db.query(AuditPersonal).count() == 0
    assert chain.verify(db).ok
    assert "note" not in db.get(AuditEntry, 2).full_detail  # type: ignore[union-attr]


def test_concurrent_appends_form_one_chain(clean_db: Engine) -> None:
    factory = make_sessionmaker(clean_db)
    with factory() as session:
        staff_id = make_staff(session).id
        session.commit()
    per_thread, errors = 15, []

    def work(worker: int) -> None:
        try:
            for i in range(per_thread):
                with factory() as session, session.begin():
                    record(session, actor_id=staff_id, action="test.race", subject_type="user",
                           subject_id=staff_id, worker=worker, i=i)  # fmt: skip
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as session:
        verdict = chain.verify(session)
    assert verdict.ok
    assert verdict.checked == 3 * per_thread
