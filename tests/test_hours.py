"""Civic-integration hours: the pure month arithmetic and signing (no database), then the staff's
report (page, CSV, JSON), the newcomer's signed statement (JSON, PDF) and the public check of
its code, on every backend."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import User
from app.checkins.queries import confirmed_minutes_of_newcomer
from app.config import Settings
from app.contracts.models import Contract, ContractStatus
from app.dashboard import filters
from app.evaluations.certificate import confirmed
from app.hours import rules, service, signing
from app.hours.rules import Meeting
from app.i18n.pdf_fonts import DEJAVU, face_paths
from app.intake.models import IntakeRecord
from app.people.models import Newcomer
from tests.factories import (
    bearer,
    browser_login,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_staff,
    make_volunteer,
)

needs_fonts = pytest.mark.skipif(face_paths(DEJAVU) is None, reason="DejaVu is not installed")
KEY = "test-secret-key-not-for-production"  # the test settings' (tests/conftest.py)
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


# --- pure: periods ----------------------------------------------------------------------------


def test_months_are_cut_to_the_range_and_cross_the_year() -> None:
    assert rules.months(date(2025, 3, 15), date(2025, 4, 10)) == [
        ("2025-03", date(2025, 3, 15), date(2025, 3, 31)),
        ("2025-04", date(2025, 4, 1), date(2025, 4, 10)),
    ]
    assert [m[0] for m in rules.months(date(2024, 11, 30), date(2025, 2, 1))] == [
        "2024-11", "2024-12", "2025-01", "2025-02"]  # fmt: skip
    assert rules.months(date(2024, 2, 29), date(2024, 2, 29)) == [
        ("2024-02", date(2024, 2, 29), date(2024, 2, 29))]  # fmt: skip
    assert rules.months(date(2025, 2, 1), date(2025, 1, 31)) == []


def test_per_newcomer_sums_by_month_and_ignores_meetings_outside() -> None:
    meetings = [
        Meeting(1, date(2025, 1, 31), 60), Meeting(1, date(2025, 2, 1), 45),
        Meeting(1, date(2025, 2, 28), 30), Meeting(2, date(2025, 2, 3), 600),
        Meeting(1, date(2024, 12, 31), 90), Meeting(1, date(2025, 4, 1), 90),  # outside
    ]  # fmt: skip
    found = rules.per_newcomer(meetings, date(2025, 1, 1), date(2025, 3, 31))
    assert [(p.month, p.meetings, p.minutes) for p in found[1]] == [
        ("2025-01", 1, 60), ("2025-02", 2, 75)]  # fmt: skip
    assert [(p.month, p.minutes, p.hours) for p in found[2]] == [("2025-02", 600, 10.0)]
    every = rules.per_newcomer(meetings, date(2025, 1, 1), date(2025, 3, 31), every_month=True)
    assert [(p.month, p.minutes) for p in every[1]] == [
        ("2025-01", 60), ("2025-02", 75), ("2025-03", 0)]  # fmt: skip
    assert rules.totals(found[1]) == (3, 135)
    assert rules.per_newcomer([], date(2025, 1, 1), date(2025, 3, 31)) == {}


def test_hours_are_rounded_down_per_period() -> None:
    (period,) = rules.per_newcomer([Meeting(1, date(2025, 5, 5), 95)], date(2025, 5, 1),
                                   date(2025, 5, 31))[1]  # fmt: skip
    assert period.hours == 1.5  # 1 h 35 min: never overstated


def test_a_statement_lists_every_month_even_without_meetings() -> None:
    periods = rules.statement_periods([], date(2025, 1, 1), date(2025, 3, 10))
    assert [(p.month, p.meetings, p.minutes, p.last) for p in periods] == [
        ("2025-01", 0, 0, date(2025, 1, 31)), ("2025-02", 0, 0, date(2025, 2, 28)),
        ("2025-03", 0, 0, date(2025, 3, 10))]  # fmt: skip


def test_the_range_defaults_to_this_year_and_says_what_is_wrong() -> None:
    today = date(2026, 6, 15)
    assert service.check_range(today, None, None) == (date(2026, 1, 1), today, {})
    assert service.check_range(today, "", "2025-08-31") == (date(2025, 1, 1),
                                                            date(2025, 8, 31), {})  # fmt: skip
    assert service.check_range(today, "2026-02-01", "2027-01-31", until_today=True)[:2] == (
        date(2026, 2, 1),
        today,
    )  # a statement states only what is confirmed by now
    assert service.check_range(today, "2026-13-01", None)[2] == {"from": filters.BAD_DATE}
    assert service.check_range(today, "1999-12-31", None)[2] == {"from": filters.TOO_EARLY}
    start, end, errors = service.check_range(today, "2026-05-02", "2026-05-01")
    assert errors == {"from": service.FROM_AFTER_TO}
    assert (start, end) == (date(2026, 1, 1), date(2026, 5, 1))


# --- pure: signing ----------------------------------------------------------------------------


def _signed(periods: list[rules.Period], **changes: object) -> tuple[str, signing.Claim]:
    claim = signing.Claim(42, date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 5))
    fields: dict[str, object] = {
        "newcomer_id": 42,
        "name": "Amina Haddad",
        "file_number": "IB-123",
        "claim": claim,
        "periods": periods,
    }
    content = signing.canonical(**{**fields, **changes})  # type: ignore[arg-type]
    return signing.make_code(KEY, claim, content), claim


def test_a_code_carries_its_claim_and_checks_only_its_own_content() -> None:
    periods = rules.statement_periods([Meeting(42, date(2025, 3, 3), 60)], date(2025, 1, 1),
                                      date(2025, 12, 31))  # fmt: skip
    code, claim = _signed(periods)
    assert len(code) == 39
    assert code.count("-") == 7
    read = signing.read_claim(code.lower().replace("-", " "))  # typed loosely: still read
    assert read is not None
    got, raw, tag = read
    assert got == claim

    def ok(content_changes: dict[str, object], key: str = KEY) -> bool:
        fields: dict[str, object] = {
            "newcomer_id": 42,
            "name": "Amina Haddad",
            "file_number": "IB-123",
            "claim": claim,
            "periods": periods,
        }
        content = signing.canonical(**{**fields, **content_changes})  # type: ignore[arg-type]
        return signing.matches(key, raw, tag, content)

    assert ok({})
    assert not ok({"name": "Amina Hadad"})
    assert not ok({"file_number": None})
    more = rules.statement_periods([Meeting(42, date(2025, 3, 3), 75)], date(2025, 1, 1),
                                   date(2025, 12, 31))  # fmt: skip
    assert not ok({"periods": more})
    assert not ok({}, key="another-secret")
    # One character changed in the tag, or in the claim: no longer genuine, or not a code.
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    read = signing.read_claim(flipped)
    assert read is None or not signing.matches(KEY, read[1], read[2], b"")
    for junk in ("", "ABCD", "!" * 32, code + "AAAA"):
        assert signing.read_claim(junk) is None


def test_misread_characters_are_forgiven() -> None:
    assert signing.normalise(" ab0c-1d8e ") == "ABOCIDBE"


# --- with a database --------------------------------------------------------------------------


@dataclass
class Arranged:
    amina: Newcomer  # two contracts, a file number
    bilal: Newcomer  # no intake record
    carla: Newcomer  # only unconfirmed meetings
    first: Contract
    second: Contract
    staff: User


def arrange(db: Session) -> Arranged:
    amina = make_newcomer(db, first_name="Amina", last_name="Haddad")
    first = make_active_contract(db, amina, make_volunteer(db, first_name="Wouter"),
                                 start=date(2024, 11, 4))  # fmt: skip
    make_checkin(db, first, date(2024, 12, 31), minutes=120, status="confirmed")  # before 2025
    make_checkin(db, first, date(2025, 1, 31), minutes=60, status="confirmed")
    make_checkin(db, first, date(2025, 2, 1), minutes=45, status="confirmed")
    make_checkin(db, first, date(2025, 2, 8), minutes=90, status="pending")  # not confirmed
    make_checkin(db, first, date(2025, 2, 15), minutes=90, status="disputed")  # did not happen
    first.status, first.end_date = ContractStatus.completed, date(2025, 5, 3)
    db.flush()
    second = make_active_contract(db, amina, make_volunteer(db, first_name="Griet"),
                                  start=date(2025, 9, 1))  # fmt: skip
    make_checkin(db, second, date(2025, 9, 2), minutes=95, status="confirmed")
    make_checkin(db, second, date(2025, 12, 31), minutes=30, status="confirmed")
    make_checkin(db, second, date(2026, 1, 1), minutes=60, status="confirmed")  # after 2025
    db.add(IntakeRecord(newcomer_id=amina.id, civic_integration_file="IB-2025/00123"))
    bilal = make_newcomer(db, first_name="Bilal", last_name="Ahmadi")
    theirs = make_active_contract(db, bilal, start=date(2025, 6, 2))
    make_checkin(db, theirs, date(2025, 6, 3), minutes=60, status="confirmed")
    carla = make_newcomer(db, first_name="Carla", last_name="Zapata")
    hers = make_active_contract(db, carla, start=date(2025, 6, 2))
    make_checkin(db, hers, date(2025, 6, 3), minutes=60, status="pending")
    staff = make_staff(db)
    db.commit()
    return Arranged(amina, bilal, carla, first, second, staff)


def rows_of(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_report_adds_up_confirmed_hours_over_every_contract(db: Session) -> None:
    a = arrange(db)
    lines = service.report(db, date(2025, 1, 1), date(2025, 12, 31))
    assert [line.name for line in lines] == ["Bilal Ahmadi", "Amina Haddad"]  # by last name
    bilal, amina = lines
    assert (amina.file_number, bilal.file_number) == ("IB-2025/00123", None)
    assert [(p.month, p.meetings, p.minutes) for p in amina.periods] == [
        ("2025-01", 1, 60),
        ("2025-02", 1, 45),
        ("2025-09", 1, 95),
        ("2025-12", 1, 30),
    ]
    assert (amina.meetings, amina.minutes) == (4, 230)
    # The same definition of "confirmed" as the certificate and the goal on /me.
    everything = service.report(db, date(2000, 1, 1), date(2030, 12, 31))
    whole = next(line for line in everything if line.newcomer_id == a.amina.id)
    assert (
        whole.minutes
        == confirmed_minutes_of_newcomer(db, a.amina.id)
        == (confirmed(db, a.first.id)[1] + confirmed(db, a.second.id)[1])
    )
    # Period boundaries: the last day of January and the first of February.
    assert [p.month for p in service.report(db, date(2025, 1, 31), date(2025, 1, 31))[0].periods
            ] == ["2025-01"]  # fmt: skip
    assert service.report(db, date(2025, 3, 1), date(2025, 5, 31)) == []


def test_staff_json_csv_and_page(client: TestClient, db: Session) -> None:
    a = arrange(db)
    headers = bearer(client, a.staff.email)
    answer = client.get("/api/v1/hours", params=YEAR, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"]) == ("2025-01-01", "2025-12-31")
    amina = next(n for n in body["newcomers"] if n["newcomer_id"] == a.amina.id)
    assert (amina["file_number"], amina["confirmed_minutes"]) == ("IB-2025/00123", 230)
    assert [p["period"] for p in amina["periods"]] == ["2025-01", "2025-02", "2025-09", "2025-12"]
    assert a.carla.id not in {n["newcomer_id"] for n in body["newcomers"]}
    assert "Wouter" not in answer.text
    assert "Griet" not in answer.text
    bad = client.get("/api/v1/hours", params={"from": "2025-02-30"}, headers=headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "from")

    csv_answer = client.get("/api/v1/hours.csv", params=YEAR, headers=headers)
    assert 'filename="hours-2025-01-01-2025-12-31.csv"' in csv_answer.headers[
        "content-disposition"]  # fmt: skip
    rows = rows_of(csv_answer.content)
    assert list(rows[0]) == service.CSV_COLUMNS
    assert [(r["newcomer"], r["file_number"], r["period"], r["confirmed_meetings"],
             r["confirmed_hours"]) for r in rows] == [
        ("Bilal Ahmadi", "", "2025-06", "1", "1.0"),
        ("Amina Haddad", "IB-2025/00123", "2025-01", "1", "1.0"),
        ("Amina Haddad", "IB-2025/00123", "2025-02", "1", "0.7"),
        ("Amina Haddad", "IB-2025/00123", "2025-09", "1", "1.5"),
        ("Amina Haddad", "IB-2025/00123", "2025-12", "1", "0.5"),
    ]  # fmt: skip

    browser_login(client, a.staff.email)
    page = client.get("/staff/hours", params=YEAR)
    assert page.status_code == 200
    assert "IB-2025/00123" in page.text
    assert "Bilal Ahmadi" in page.text
    assert "Carla" not in page.text
    assert f"/staff/hours/{a.amina.id}/statement.pdf?from=2025-01-01" in page.text
    assert client.get("/staff/hours", params={"to": "nope"}).status_code == 200  # shown, not 500
    download = client.get("/staff/hours.csv", params=YEAR)
    assert rows_of(download.content) == rows
    assert client.get("/staff/hours.csv", params={"to": "2025-02-31"}).status_code == 422
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.csv")).all()
    assert [e.detail for e in audits] == [{"kind": "hours", **YEAR}] * 2


def test_only_staff_see_the_report(client: TestClient, db: Session) -> None:
    a = arrange(db)
    for user in (a.amina.user, a.first.volunteer.user):
        headers = bearer(client, user.email)
        assert client.get("/api/v1/hours", headers=headers).status_code == 403
        assert client.get("/api/v1/hours.csv", headers=headers).status_code == 403
        assert client.get(f"/api/v1/hours/{a.bilal.id}/statement.pdf",
                          headers=headers).status_code == 403  # fmt: skip
    volunteer = bearer(client, a.first.volunteer.user.email)
    assert client.get("/api/v1/me/hours", headers=volunteer).status_code == 403
    staff = bearer(client, a.staff.email)
    assert client.get("/api/v1/me/hours", headers=staff).status_code == 403
    assert client.get("/api/v1/hours/999999/statement.pdf", headers=staff).status_code == 404


def _verify(client: TestClient, code: str) -> Response:
    client.get("/verify/hours")
    return client.post("/verify/hours",
                       data={"code": code, "csrftoken": client.cookies["csrftoken"]})  # fmt: skip


def test_own_statement_and_its_verification(client: TestClient, db: Session) -> None:
    a = arrange(db)
    mine = client.get("/api/v1/me/hours", params=YEAR, headers=bearer(client, a.amina.user.email))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["file_number"], body["confirmed_meetings"], body["confirmed_minutes"]) == (
        "IB-2025/00123",
        4,
        230,
    )
    assert len(body["periods"]) == 12  # every month, the empty ones too
    assert [(p["buddy_first_name"], p["contract_id"]) for p in body["pairs"]] == [
        ("Wouter", a.first.id),
        ("Griet", a.second.id),
    ]
    assert body["verify_url"].endswith("/verify/hours")
    code = body["verification_code"]

    checked = _verify(client, code)
    assert checked.status_code == 200, checked.text
    text = checked.text
    assert "This statement is genuine." in text
    assert "Amina Haddad" in text
    assert "IB-2025/00123" in text
    assert 'id="statement-total"' in text
    assert "Wouter" not in text
    assert "Griet" not in text
    assert "<td>3.8</td>" in text  # 230 minutes, rounded down

    tampered = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    refused = _verify(client, tampered)
    assert refused.status_code == 404
    assert "We cannot confirm a statement with this code." in refused.text
    assert "Amina" not in refused.text
    assert _verify(client, "not a code").status_code == 404

    # A meeting confirmed later in the period changes the hours: the old code stops verifying.
    make_checkin(db, a.second, date(2025, 10, 7), minutes=60, status="confirmed")
    db.commit()
    assert _verify(client, code).status_code == 404


def test_a_statement_without_file_number(client: TestClient, db: Session) -> None:
    a = arrange(db)
    mine = client.get("/api/v1/me/hours", params=YEAR, headers=bearer(client, a.bilal.user.email))
    assert mine.json()["file_number"] is None
    checked = _verify(client, mine.json()["verification_code"])
    assert checked.status_code == 200
    assert "File number" not in checked.text


def test_wrong_codes_are_throttled(client: TestClient, db: Session, settings: Settings) -> None:
    limit = settings.setup_code_max_failures_address
    for _ in range(limit):
        assert _verify(client, "AAAA-" * 7 + "AAAA").status_code == 404
    locked = _verify(client, "AAAA-" * 7 + "AAAA")
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@needs_fonts
def test_statement_pdf_for_the_newcomer_and_for_staff(client: TestClient, db: Session) -> None:
    a = arrange(db)
    make_checkin(db, a.second, date.today() - timedelta(days=1), minutes=60, status="confirmed")
    db.commit()
    browser_login(client, a.amina.user.email)
    me = client.get("/me")
    assert 'href="/me/hours.pdf"' in me.text  # this year's statement: there are hours
    answer = client.get("/me/hours.pdf", params=YEAR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    text = _pdf_text(answer.content)
    for expected in ("Statement of participation hours", "Amina Haddad",
                     "Civic-integration file number: IB-2025/00123", "January 2025",
                     "December 2025", "Total", "Confirmed time together: 3.8 hours",
                     "4 confirmed meetings", "Buddy Wouter", "Buddy Griet", "Verification code:",
                     "/verify/hours", "Mechelen"):  # fmt: skip
        assert expected in text, expected
    code = text.split("Verification code:")[1].split()[0]
    assert _verify(client, code).status_code == 200

    client.cookies.clear()
    browser_login(client, a.staff.email)
    bilal = client.get(f"/staff/hours/{a.bilal.id}/statement.pdf", params=YEAR)
    assert bilal.status_code == 200
    text = _pdf_text(bilal.content)
    assert "Bilal Ahmadi" in text
    assert "file number" not in text
    assert client.get("/staff/hours/999999/statement.pdf").status_code == 404
    # The download shows in the newcomer's history on their file.
    history = client.get(f"/staff/people/{a.bilal.id}")
    assert "Statement of hours downloaded by staff" in history.text
    api = client.get(f"/api/v1/hours/{a.bilal.id}/statement.pdf",
                     headers=bearer(client, a.staff.email))  # fmt: skip
    assert api.status_code == 200
    assert api.content.startswith(b"%PDF")


def test_statement_link_only_with_confirmed_hours(client: TestClient, db: Session) -> None:
    a = arrange(db)
    browser_login(client, a.carla.user.email)
    assert "/me/hours.pdf" not in client.get("/me").text
    client.cookies.clear()
    browser_login(client, a.first.volunteer.user.email)
    assert "/me/hours.pdf" not in client.get("/me").text
    assert client.get("/me/hours.pdf").status_code == 403
    # Hours last year only: last year's statement, not an empty one for this year.
    last_year = date.today().year - 1
    dina = make_newcomer(db, first_name="Dina")
    pair = make_active_contract(db, dina, start=date(last_year, 3, 2))
    make_checkin(db, pair, date(last_year, 3, 3), minutes=60, status="confirmed")
    db.commit()
    client.cookies.clear()
    browser_login(client, dina.user.email)
    me = client.get("/me").text
    assert 'href="/me/hours.pdf"' not in me
    assert f"/me/hours.pdf?from={last_year}-01-01&amp;to={last_year}-12-31" in me


@needs_fonts
def test_statement_pdf_in_every_locale(db: Session) -> None:
    from app.hours.pdf import statement_pdf
    from tests.test_i18n_locales import LOCALES, MECHELEN, _check

    a = arrange(db)
    claim = signing.Claim(a.amina.id, date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 2))
    found = service.statement(db, a.amina, claim, secret_key=KEY)
    for locale in LOCALES:
        from app.i18n.catalog import gettext

        data = statement_pdf(found, city=MECHELEN, locale=locale, base_url="https://x.test")
        _check(data, locale, gettext(locale, "Statement of participation hours"))


def test_erased_newcomers_are_left_out(db: Session) -> None:
    a = arrange(db)
    claim = signing.Claim(a.amina.id, date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 2))
    code = service.statement(db, a.amina, claim, secret_key=KEY).code
    assert service.verify(db, code, secret_key=KEY) is not None
    a.amina.erased_at = a.amina.created_at + timedelta(days=1)
    db.commit()
    assert service.verify(db, code, secret_key=KEY) is None
    names = [line.name for line in service.report(db, date(2025, 1, 1), date(2025, 12, 31))]
    assert names == ["Bilal Ahmadi"]


def test_the_page_shows_the_first_newcomers_the_csv_all(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.hours import pages

    a = arrange(db)
    monkeypatch.setattr(pages, "SHOWN", 1)
    browser_login(client, a.staff.email)
    page = client.get("/staff/hours", params=YEAR)
    assert "The first 1 of 2 newcomers, by name." in page.text
    assert "Bilal Ahmadi" in page.text
    assert "Amina Haddad" not in page.text
    assert len(rows_of(client.get("/staff/hours.csv", params=YEAR).content)) == 5


def test_a_code_for_no_newcomer_is_just_not_genuine(db: Session) -> None:
    for newcomer_id in (0, 2**31, 2**32 - 1):  # beyond what an INTEGER key holds, too
        claim = signing.Claim(newcomer_id, date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 1))
        code = signing.make_code(KEY, claim, b"")
        assert service.verify(db, code, secret_key=KEY) is None
