"""Evaluation page and certificate download without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.contracts.pdf import font_paths
from app.contracts.rules import add_months, local_date
from app.db import utcnow
from app.evaluations.models import Evaluation, GoalsMet
from tests.factories import browser_login, make_active_contract, make_checkin, make_staff


def today() -> date:
    return local_date(utcnow(), "Europe/Brussels")


def completed(db: Session) -> Contract:
    contract = make_active_contract(db, start=add_months(today(), -7))
    contract.status = ContractStatus.completed
    contract.ended_at = utcnow() - timedelta(days=25)
    make_checkin(db, contract, contract.start_date, minutes=120, status="confirmed")  # type: ignore[arg-type]
    db.commit()
    return contract


def _post(client: TestClient, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)  # fmt: skip


def test_newcomer_evaluates_on_the_page(client: TestClient, db: Session) -> None:
    contract = completed(db)
    browser_login(client, contract.newcomer.user.email)
    detail = client.get(f"/contracts/{contract.id}")
    assert f'href="/contracts/{contract.id}/evaluation"' in detail.text
    assert f'href="/contracts/{contract.id}/certificate.pdf"' in detail.text
    page = client.get(f"/contracts/{contract.id}/evaluation")
    assert "Did you reach your goals?" in page.text
    url = f"/contracts/{contract.id}/evaluation"

    r = _post(client, url, {"goals_met": "partly", "would_again": "yes", "text": "Merci Jan"})
    assert r.status_code == 422
    assert "Choose a number from 1 to 5." in r.text
    assert "Merci Jan" in r.text
    assert 'value="partly" checked' in r.text
    r = _post(client, url, {"overall": "4", "goals_met": "partly", "text": "Merci Jan"})
    assert r.status_code == 422
    assert "Answer yes or no." in r.text
    assert db.scalar(select(Evaluation)) is None

    r = _post(client, url, {"overall": "4", "goals_met": "partly", "would_again": "yes",
                            "text": "Merci Jan"})  # fmt: skip
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "Thank you for your evaluation!" in page.text
    assert "4 / 5" in page.text
    assert 'name="overall"' not in page.text
    db.expire_all()
    saved = db.scalar(select(Evaluation))
    assert saved is not None
    assert (saved.overall, saved.goals_met, saved.would_again) == (4, GoalsMet.partly, True)
    again = _post(client, url, {"overall": "1", "goals_met": "no", "would_again": "no"})
    assert again.status_code == 409


@pytest.mark.skipif(font_paths() is None, reason="DejaVu Sans is not installed")
def test_certificate_download_from_the_page(client: TestClient, db: Session) -> None:
    contract = completed(db)
    browser_login(client, contract.newcomer.user.email)
    r = client.get(f"/contracts/{contract.id}/certificate.pdf")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")


def test_volunteer_has_no_certificate(client: TestClient, db: Session) -> None:
    contract = completed(db)
    browser_login(client, contract.volunteer.user.email)
    assert "certificate.pdf" not in client.get(f"/contracts/{contract.id}").text
    assert client.get(f"/contracts/{contract.id}/certificate.pdf").status_code == 404


def test_evaluation_waits_for_the_end(client: TestClient, db: Session) -> None:
    contract = make_active_contract(db, start=today() - timedelta(days=20))
    db.commit()
    browser_login(client, contract.newcomer.user.email)
    page = client.get(f"/contracts/{contract.id}/evaluation")
    assert "The evaluation opens when the contract has ended." in page.text
    assert 'name="overall"' not in page.text


def test_staff_read_both_evaluations(client: TestClient, db: Session) -> None:
    contract = completed(db)
    for side, user_id in (("newcomer", contract.newcomer.user_id),
                          ("volunteer", contract.volunteer.user_id)):  # fmt: skip
        db.add(
            Evaluation(
                contract_id=contract.id,
                side=side,
                author_id=user_id,
                overall=5,
                goals_met=GoalsMet.yes,
                would_again=True,
                text=f"From the {side}",
            )
        )
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get(f"/contracts/{contract.id}/evaluation")
    assert "From the newcomer" in page.text
    assert "From the volunteer" in page.text
    assert 'name="overall"' not in page.text
