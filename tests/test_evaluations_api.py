"""The closing evaluation (one per side, only once it is over) and the participation
certificate (PDF in the newcomer's language, with the pair's dates and confirmed hours)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.checkins.models import Party
from app.contracts.models import Contract, ContractStatus
from app.contracts.pdf import font_paths
from app.contracts.rules import add_months, local_date
from app.db import utcnow
from app.evaluations.models import Evaluation, GoalsMet
from tests.factories import bearer, make_active_contract, make_checkin, make_staff

needs_fonts = pytest.mark.skipif(font_paths() is None, reason="DejaVu Sans is not installed")


def today() -> date:
    return local_date(utcnow(), "Europe/Brussels")


def finished(db: Session, status: ContractStatus = ContractStatus.completed) -> Contract:
    start = add_months(today(), -7)
    contract = make_active_contract(db, start=start)
    contract.status = status
    contract.ended_at = utcnow() - timedelta(days=20)
    db.flush()
    return contract


ANSWERS: dict[str, Any] = {
    "overall": 5, "goals_met": "mostly", "would_again": True,
    "text": "We still meet every Saturday at the market.",
}  # fmt: skip


def evaluations(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Evaluation)) or 0


def test_both_sides_evaluate_once(client: TestClient, db: Session) -> None:
    contract = finished(db)
    staff = make_staff(db)
    db.commit()
    url = f"/api/v1/contracts/{contract.id}/evaluation"
    new = bearer(client, contract.newcomer.user.email)
    vol = bearer(client, contract.volunteer.user.email)
    r = client.post(url, json=ANSWERS, headers=new)
    assert r.status_code == 201, r.text
    assert (r.json()["side"], r.json()["overall"], r.json()["goals_met"]) == (
        "newcomer", 5, "mostly",
    )  # fmt: skip
    again = client.post(url, json={**ANSWERS, "overall": 1}, headers=new)
    assert again.status_code == 409
    r = client.post(url, json={**ANSWERS, "overall": 4, "would_again": False}, headers=vol)
    assert r.status_code == 201
    assert evaluations(db) == 2
    # Each side reads only its own; staff read both.
    assert [e["side"] for e in client.get(url, headers=new).json()] == ["newcomer"]
    assert [e["side"] for e in client.get(url, headers=vol).json()] == ["volunteer"]
    both = client.get(url, headers=bearer(client, staff.email)).json()
    assert sorted(e["side"] for e in both) == ["newcomer", "volunteer"]


def test_not_before_the_end(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=30))
    db.commit()
    r = client.post(f"/api/v1/contracts/{contract.id}/evaluation", json=ANSWERS,
                    headers=bearer(client, contract.newcomer.user.email))  # fmt: skip
    assert r.status_code == 409
    assert evaluations(db) == 0


def test_after_an_early_end(client: TestClient, db: Session) -> None:
    contract = finished(db, ContractStatus.ended_early)
    db.commit()
    r = client.post(f"/api/v1/contracts/{contract.id}/evaluation", json=ANSWERS,
                    headers=bearer(client, contract.volunteer.user.email))  # fmt: skip
    assert r.status_code == 201
    db.expire_all()
    stored = db.scalars(select(Evaluation).where(Evaluation.contract_id == contract.id)).all()
    assert [(e.side, e.author_id, e.overall, e.goals_met, e.would_again, e.text)
            for e in stored] == [(Party.volunteer, contract.volunteer.user_id, 5,
                                  GoalsMet.mostly, True, ANSWERS["text"])]
    assert r.json()["id"] == stored[0].id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"overall": 0}, "overall"),
        ({"overall": 6}, "overall"),
        ({"goals_met": "maybe"}, "goals_met"),
        ({"would_again": "perhaps"}, "would_again"),
        ({"text": "x" * 4001}, "text"),
    ],
)
def test_bad_answers_are_422(
    client: TestClient, db: Session, change: dict[str, Any], field: str
) -> None:
    contract = finished(db)
    db.commit()
    r = client.post(f"/api/v1/contracts/{contract.id}/evaluation", json={**ANSWERS, **change},
                    headers=bearer(client, contract.newcomer.user.email))  # fmt: skip
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]
    assert evaluations(db) == 0


def test_staff_and_strangers_cannot_evaluate(client: TestClient, db: Session) -> None:
    contract = finished(db)
    other = finished(db)
    staff = make_staff(db)
    db.commit()
    url = f"/api/v1/contracts/{contract.id}/evaluation"
    assert client.post(url, json=ANSWERS, headers=bearer(client, staff.email)).status_code == 403
    stranger = bearer(client, other.newcomer.user.email)
    assert client.post(url, json=ANSWERS, headers=stranger).status_code == 404
    assert client.get(url, headers=stranger).status_code == 404
    assert evaluations(db) == 0


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@needs_fonts
def test_certificate_with_names_dates_and_confirmed_hours(client: TestClient, db: Session) -> None:
    contract = finished(db)
    start = contract.start_date
    assert start is not None
    make_checkin(db, contract, start, minutes=90, status="confirmed")
    make_checkin(db, contract, start + timedelta(days=7), minutes=60, status="confirmed")
    make_checkin(db, contract, start + timedelta(days=14), minutes=120)  # not confirmed
    make_checkin(db, contract, start + timedelta(days=21), minutes=120, status="disputed")
    db.commit()
    r = client.get(f"/api/v1/contracts/{contract.id}/certificate.pdf",
                   headers=bearer(client, contract.newcomer.user.email))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert "participation-certificate" in r.headers["content-disposition"]
    text = _text(r.content)
    assert "Participation certificate" in text
    assert "Amina Haddad" in text
    assert "Jan Peeters" in text
    assert "Confirmed time together: 2.5 hours" in text
    assert "2 confirmed meetings" in text
    assert str(start.year) in text
    assert "Mechelen" in text


@needs_fonts
def test_certificate_in_arabic(client: TestClient, db: Session) -> None:
    contract = finished(db)
    contract.newcomer.user.locale = "ar"
    contract.newcomer.first_name, contract.newcomer.last_name = "أمينة", "حداد"
    make_checkin(db, contract, contract.start_date, minutes=60, status="confirmed")  # type: ignore[arg-type]
    staff = make_staff(db)
    db.commit()
    # Staff download it for the newcomer: it comes in the newcomer's language.
    r = client.get(f"/api/v1/contracts/{contract.id}/certificate.pdf",
                   headers=bearer(client, staff.email))  # fmt: skip
    assert r.status_code == 200, r.text
    reader = PdfReader(io.BytesIO(r.content))
    assert reader.pdf_header.startswith("%PDF")
    assert "Jan Peeters" in _text(r.content)


def test_certificate_is_the_newcomers_and_only_when_completed(
    client: TestClient, db: Session
) -> None:
    contract = finished(db)
    early = finished(db, ContractStatus.ended_early)
    running = make_active_contract(db, start=today() - timedelta(days=30))
    db.commit()
    url = "/api/v1/contracts/{}/certificate.pdf"
    vol = bearer(client, contract.volunteer.user.email)
    assert client.get(url.format(contract.id), headers=vol).status_code == 403
    stranger = bearer(client, running.newcomer.user.email)
    assert client.get(url.format(contract.id), headers=stranger).status_code == 404
    assert client.get(url.format(running.id), headers=stranger).status_code == 409
    early_h = bearer(client, early.newcomer.user.email)
    assert client.get(url.format(early.id), headers=early_h).status_code == 409
