"""CSV exports: contents, RFC 4180 quoting that round-trips, formula-injection safety, the date
range, and the staff-only download from the dashboard (cookie) as well as the API (token)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import User
from app.contracts.models import Contract, ContractStatus, EndReason
from app.exports import people as service_people
from app.exports import service
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_staff,
    make_volunteer,
)

START = date(2026, 3, 2)


def rows_of(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def arrange(db: Session) -> tuple[Contract, Contract, User]:
    newcomer, volunteer = make_newcomer(db), make_volunteer(db)
    newcomer.first_name, newcomer.last_name = '=HYPERLINK("http://x")', "عائشة"
    volunteer.first_name, volunteer.last_name = 'Jan "Jos"', "Peeters, Jr."
    pair = make_active_contract(db, newcomer, volunteer, start=START)
    pair.created_at = datetime(2026, 2, 20, 9, tzinfo=UTC)  # picked a fortnight before
    make_checkin(db, pair, START + timedelta(days=1), minutes=90, status="confirmed",
                 activities=("shopping", "dutch"))  # fmt: skip
    noted = make_checkin(db, pair, START + timedelta(days=8), minutes=60, status="pending")
    noted.note = "@SUM(A1:A9)\nsecond line, with a comma"
    make_checkin(db, pair, START + timedelta(days=15), minutes=30, status="disputed",
                 concern="-1+1 is what they wrote")  # fmt: skip
    make_checkin(db, pair, START + timedelta(days=60), minutes=45, status="confirmed")  # later
    old = make_active_contract(db, start=date(2025, 1, 6))
    old.created_at = datetime(2024, 12, 20, 9, tzinfo=UTC)
    old.status, old.end_reason = ContractStatus.ended_early, EndReason.no_time
    old.ended_at = datetime(2025, 3, 1, 10, tzinfo=UTC)  # over before the range
    staff = make_staff(db)
    db.commit()
    return pair, old, staff


RANGE = {"from": "2026-03-01", "to": "2026-03-31"}


def test_checkins_csv(client: TestClient, db: Session) -> None:
    _, _, staff = arrange(db)
    answer = client.get(
        "/api/v1/exports/checkins.csv", params=RANGE, headers=bearer(client, staff.email)
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="checkins-2026-03-01-2026-03-31.csv"' in answer.headers["content-disposition"]
    rows = rows_of(answer.content)
    assert list(rows[0]) == service.CHECKIN_COLUMNS
    assert [r["met_on"] for r in rows] == ["2026-03-03", "2026-03-10", "2026-03-17"]  # in range
    first, noted, disputed = rows
    assert first["newcomer"] == '\'=HYPERLINK("http://x") عائشة'  # a formula stays text
    assert first["volunteer"] == 'Jan "Jos" Peeters, Jr.'  # quotes and commas round-trip
    assert (first["minutes"], first["status"], first["logged_by"]) == (
        "90",
        "confirmed",
        "volunteer",
    )
    assert first["activities"] == "dutch;shopping"  # in the app's order
    assert noted["note"] == "'@SUM(A1:A9)\nsecond line, with a comma"
    assert (disputed["worry"], disputed["worry_open"]) == ("'-1+1 is what they wrote", "yes")
    assert first["neighbourhood"] == "binnenstad"


def test_contracts_csv(client: TestClient, db: Session) -> None:
    pair, old_contract, staff = arrange(db)
    headers = bearer(client, staff.email)
    rows = rows_of(
        client.get("/api/v1/exports/contracts.csv", params=RANGE, headers=headers).content
    )
    assert list(rows[0]) == service.CONTRACT_COLUMNS
    [row] = rows  # the contract that ended in 2025 is not in March 2026
    assert row["contract_id"] == str(pair.id)
    assert row["newcomer"].startswith("'=")
    assert (row["status"], row["start_date"], row["cadence"]) == ("active", "2026-03-02", "weekly")
    # Judged on 31 March: weeks 0-3 over (met in 0, 1; week 2's meeting disputed), week 4 open.
    assert (row["periods_expected"], row["periods_met"], row["adherence"]) == ("4", "2", "0.5")
    assert (row["meetings"], row["confirmed_hours"]) == ("3", "2.2")  # 90 + 45 confirmed min
    assert (row["open_worries"], row["staff_calls"]) == ("1", "0")
    assert row["at_risk"] == "yes"  # the open worry

    everything = rows_of(
        client.get(
            "/api/v1/exports/contracts.csv", params={"from": "2025-01-01"}, headers=headers
        ).content
    )
    old = next(r for r in everything if r["contract_id"] == str(old_contract.id))
    assert (old["status"], old["ended_on"], old["end_reason"]) == ("ended_early", "2025-03-01",
                                                                    "no_time")  # fmt: skip


def test_staff_download_from_the_dashboard(client: TestClient, db: Session) -> None:
    _, _, staff = arrange(db)
    browser_login(client, staff.email)
    answer = client.get("/staff/exports/checkins.csv", params=RANGE)
    assert answer.status_code == 200
    assert len(rows_of(answer.content)) == 3
    bad = client.get("/staff/exports/checkins.csv", params={"to": "2026-02-31"})
    assert bad.status_code == 422
    assert "to:" in bad.text
    assert client.get("/staff/exports/persons.csv").status_code == 404
    # Only the download that happened is audited: who, which export, which period.
    (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.csv")).all()
    assert entry.actor_id == staff.id
    assert entry.detail == {"kind": "checkins", "from": RANGE["from"], "to": RANGE["to"]}


def test_formula_cells_are_neutralised() -> None:
    assert [service.safe(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "ok", "")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", "",
    ]  # fmt: skip
    assert service.safe(-3) == -3  # numbers are numbers, not text
    assert service.safe(None) == ""
    assert service.safe(True) == "yes"


def test_people_by_state_today(client: TestClient, db: Session) -> None:
    contract, _, staff = arrange(db)
    elsewhere = make_newcomer(db, neighbourhood="nekkerspoel", phone="+32 470 99 88 77")
    db.commit()
    headers = bearer(client, staff.email)
    answer = client.get("/api/v1/exports/people.csv", headers=headers)
    assert answer.status_code == 200
    assert "people-" in answer.headers["content-disposition"]
    rows = rows_of(answer.content)
    assert list(rows[0]) == service_people.PEOPLE_COLUMNS
    states = {(r["role"], int(r["person_id"])): r["state"] for r in rows}
    assert states[("newcomer", contract.newcomer_id)] == "active"
    assert states[("volunteer", contract.volunteer_id)] in ("full", "available")
    assert states[("newcomer", elsewhere.id)] == "waiting_for_round"
    # Never contact details: the file is for following people up, not for mailing them.
    assert b"+32 470" not in answer.content
    assert b"@" not in answer.content
    # The neighbourhood filter applies; the period does not (a state is today's).
    one = rows_of(client.get("/api/v1/exports/people.csv", headers=headers,
                             params={"neighbourhood": "nekkerspoel"}).content)
    assert [int(r["person_id"]) for r in one] == [elsewhere.id]
