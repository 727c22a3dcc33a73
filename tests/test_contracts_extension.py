"""The one extension (both sign) and carrying on as friends: service, API and pages, and the
count of pairs carrying on as friends on the dashboard, in the statistics API and the export
(one definition: app/programme/states.py). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import TokenKind
from app.auth.service import issue_token
from app.config import Settings
from app.contracts import extension
from app.contracts import service as contracts
from app.contracts.models import Contract, ContractStatus
from app.contracts.rules import add_months, local_date
from app.db import make_sessionmaker, utcnow
from app.errors import Conflict
from app.evaluations.certificate import lines_for
from app.programme.states import carries_on
from tests.factories import (
    bearer,
    browser_login,
    make_contract,
    make_newcomer,
    make_staff,
    make_volunteer,
)


def _ending(db: Session, days_left: int = 10) -> Contract:
    """An active contract ``days_left`` days before its end date (in the city's calendar)."""
    contract = make_contract(db, make_newcomer(db, first_name="Amina"),
                             make_volunteer(db, first_name="Jan"), signed=True,
                             start=utcnow().date() - timedelta(days=170))  # fmt: skip
    contract.end_date = local_date(utcnow(), "Europe/Brussels") + timedelta(days=days_left)
    db.commit()
    return contract


def _actions(db: Session, contract: Contract) -> list[str]:
    return list(db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.subject_type == "contract", AuditEntry.subject_id == contract.id,
               AuditEntry.action.like("contract.%exten%"))
        .order_by(AuditEntry.id)
    ))  # fmt: skip


def test_extension_over_the_api(client: TestClient, db: Session) -> None:
    contract = _ending(db)
    old_end = contract.end_date
    assert old_end is not None
    url = f"/api/v1/contracts/{contract.id}/extension"
    newcomer = bearer(client, contract.newcomer.user.email or "")
    volunteer = bearer(client, contract.volunteer.user.email or "")

    got = client.get(f"/api/v1/contracts/{contract.id}", headers=newcomer).json()
    assert got["extension"] == {"proposed_by": None, "proposed_at": None, "accepted_at": None,
                                "months": 0, "extended_from": None}  # fmt: skip
    assert got["carrying_on"]["as_friends"] is False

    proposed = client.post(url, headers=volunteer)
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["extension"]["proposed_by"] == "volunteer"
    again = client.post(url, headers=newcomer)
    assert again.status_code == 409
    assert again.json()["detail"] == "An extension is already waiting for an answer."
    own = client.post(f"{url}/accept", headers=volunteer)
    assert own.status_code == 403
    assert own.json()["detail"] == "The other person has to accept your proposal."

    staff = make_staff(db)
    db.commit()
    other = make_contract(db, signed=True)
    db.commit()
    assert client.post(f"/api/v1/contracts/{other.id}/extension",
                       headers=newcomer).status_code == 404  # fmt: skip
    raw = issue_token(db, staff, TokenKind.api, timedelta(hours=1), second_factor=True)
    db.commit()
    refused = client.post(url, headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 403

    accepted = client.post(f"{url}/accept", headers=newcomer)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["end_date"] == add_months(old_end, 3).isoformat()
    assert body["months"] == 6  # what was signed first
    assert body["extension"]["months"] == 3
    assert body["extension"]["extended_from"] == old_end.isoformat()
    assert body["extension"]["proposed_by"] == "volunteer"
    assert body["extension"]["accepted_at"] is not None

    # Once only: a second extension is refused, whoever asks and whenever.
    for who in (newcomer, volunteer):
        second = client.post(url, headers=who)
        assert second.status_code == 409
        assert second.json()["detail"] == "This contract has already been extended once."
    assert _actions(db, contract) == ["contract.extension_proposed", "contract.extended"]


def test_either_side_takes_a_waiting_proposal_back(db: Session, settings: Settings) -> None:
    contract = _ending(db)
    city = settings.city
    newcomer, volunteer = contract.newcomer.user, contract.volunteer.user
    extension.propose(db, contract, newcomer, city=city)
    extension.decline(db, contract, newcomer, city=city)  # she withdraws it
    assert contract.extension_proposed_at is None
    extension.propose(db, contract, newcomer, city=city)  # and proposes again
    extension.decline(db, contract, volunteer, city=city)  # he says no, thank you
    assert (contract.extension_proposed_by, contract.extended_months) == (None, 0)
    assert _actions(db, contract) == [
        "contract.extension_proposed", "contract.extension_withdrawn",
        "contract.extension_proposed", "contract.extension_declined",
    ]  # fmt: skip


def test_outside_the_window_the_dates_are_given(client: TestClient, db: Session) -> None:
    contract = _ending(db, days_left=60)
    answer = client.post(f"/api/v1/contracts/{contract.id}/extension",
                         headers=bearer(client, contract.newcomer.user.email or ""))
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("An extension can be agreed from ")


def test_completion_waits_for_the_new_end(db: Session, settings: Settings) -> None:
    contract = _ending(db, days_left=3)
    city = settings.city
    old_end = contract.end_date
    assert old_end is not None
    extension.propose(db, contract, contract.newcomer.user, city=city)
    extension.accept(db, contract, contract.volunteer.user, city=city)
    db.commit()
    at_old_end = utcnow() + timedelta(days=4)
    assert contracts.complete_due(db, city=city, now=at_old_end) == 0
    assert contract.status is ContractStatus.active
    # A proposal or an accept after the old end date is refused: the contract runs on.
    new_end = contract.end_date
    assert new_end == add_months(old_end, 3)
    at_new_end = utcnow() + timedelta(days=(new_end - old_end).days + 4)
    assert contracts.complete_due(db, city=city, now=at_new_end) == 1
    assert contract.status is ContractStatus.completed
    # The certificate says how long the extension was, in months.
    lines = [text for text, _, _ in lines_for(contract, meetings=3, minutes=180, city=city,
                                              locale="en", issued_on=new_end)]  # fmt: skip
    assert "Including an extension of 3 months, agreed by both." in lines
    nl = [text for text, _, _ in lines_for(contract, meetings=3, minutes=180, city=city,
                                           locale="nl", issued_on=new_end)]  # fmt: skip
    assert any("3 maanden" in line for line in nl)


def test_the_contract_page_forms(app: FastAPI, client: TestClient, db: Session) -> None:
    contract = _ending(db)
    browser_login(client, contract.newcomer.user.email or "")
    page = client.get(f"/contracts/{contract.id}")
    assert "Extend by 3 months?" in page.text
    assert "Propose the extension" in page.text
    posted = client.post(f"/contracts/{contract.id}/extension", follow_redirects=False,
                         data={"csrftoken": client.cookies.get("csrftoken", "")})
    assert posted.status_code == 303, posted.text
    page = client.get(posted.headers["location"])
    assert "Your proposal is sent." in page.text
    assert "We are waiting for <bdi>Jan</bdi> to answer." in page.text
    assert "Withdraw my proposal" in page.text

    with TestClient(app, headers={"Accept-Language": "en"}) as other:
        browser_login(other, contract.volunteer.user.email or "")
        page = other.get(f"/contracts/{contract.id}")
        assert "<bdi>Amina</bdi> proposes to extend your buddy contract." in page.text
        token = {"csrftoken": other.cookies.get("csrftoken", "")}
        done = other.post(f"/contracts/{contract.id}/extension/accept", data=token,
                          follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        page = other.get(done.headers["location"])
        assert "The contract is extended." in page.text
        assert "Extended once by 3 months: both of us signed the extension." in page.text
        assert "(9 months)" in page.text
        # Accepting again: the page again, with the reason, and nothing changed.
        refused = other.post(f"/contracts/{contract.id}/extension/accept", data=token)
        assert refused.status_code == 409
        assert "This contract has already been extended once." in refused.text


def test_carrying_on_as_friends(app: FastAPI, client: TestClient, db: Session) -> None:
    contract = _ending(db)
    newcomer = bearer(client, contract.newcomer.user.email or "")
    url = f"/api/v1/contracts/{contract.id}/carrying-on"
    early = client.put(url, json={"carrying_on": True}, headers=newcomer)
    assert early.status_code == 409
    assert early.json()["detail"] == "You can say this once the contract is completed."
    contract.status = ContractStatus.completed
    db.commit()
    said = client.put(url, json={"carrying_on": True}, headers=newcomer)
    assert said.status_code == 200
    assert said.json()["carrying_on"]["as_friends"] is True
    assert said.json()["carrying_on"]["newcomer_said_at"] is not None

    # The volunteer sees it on the contract page and can say it too; the evaluation page
    # offers the same button to a side that has not said it yet.
    browser_login(client, contract.volunteer.user.email or "")
    assert 'id="carrying-on"' in client.get(f"/contracts/{contract.id}/evaluation").text
    page = client.get(f"/contracts/{contract.id}")
    assert "<bdi>Amina</bdi> says you will carry on as friends." in page.text
    token = {"csrftoken": client.cookies.get("csrftoken", "")}
    client.post(f"/contracts/{contract.id}/carrying-on", data={**token, "carrying_on": "yes"})
    db.expire_all()
    assert contract.volunteer_carrying_on_at is not None
    page = client.get(f"/contracts/{contract.id}")
    assert "You said you will carry on as friends." in page.text
    client.post(f"/contracts/{contract.id}/carrying-on", data={**token, "carrying_on": "no"})
    db.expire_all()
    assert contract.volunteer_carrying_on_at is None
    assert carries_on(contract.status, contract.newcomer_carrying_on_at, None)


def test_dashboard_stats_and_export_agree_on_carrying_on(client: TestClient, db: Session) -> None:
    today = local_date(utcnow(), "Europe/Brussels")
    made = []
    # Five finished contracts: completed and said by one side, by the other, by both, by
    # none; and one ended early (its word does not count: it did not complete).
    for said in ("newcomer", "volunteer", "both", "", "early"):
        contract = make_contract(db, signed=True, start=today - timedelta(days=200))
        contract.end_date = today - timedelta(days=10)
        contract.ended_at = utcnow() - timedelta(days=10)
        contract.status = (ContractStatus.ended_early if said == "early"
                           else ContractStatus.completed)  # fmt: skip
        if said in ("newcomer", "both", "early"):
            contract.newcomer_carrying_on_at = utcnow()
        if said in ("volunteer", "both"):
            contract.volunteer_carrying_on_at = utcnow()
        made.append(contract)
    staff = make_staff(db)
    db.commit()
    expected = sum(carries_on(c.status, c.newcomer_carrying_on_at, c.volunteer_carrying_on_at)
                   for c in made)  # fmt: skip
    assert expected == 3

    headers = bearer(client, staff.email or "")
    stats = client.get("/api/v1/programme/stats", headers=headers).json()
    assert stats["completed"] == 4
    assert stats["completed_carrying_on_as_friends"] == expected
    export = client.get("/api/v1/exports/contracts.csv", headers=headers,
                        params={"from": (today - timedelta(days=30)).isoformat()})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert sum(r["carrying_on_as_friends"] == "yes" for r in rows) == expected
    browser_login(client, staff.email or "")
    dashboard = client.get("/staff/dashboard").text
    found = re.search(r'id="n-carrying-on"><strong>(\d+)', dashboard)
    assert found
    assert int(found.group(1)) == expected


def test_two_requests_racing_cannot_both_succeed(db: Session, clean_db: Engine,
                                                 settings: Settings) -> None:  # fmt: skip
    """Each request read the contract before the other wrote: the conditional UPDATE refuses
    the second, with the rules' message on the fresh state (interleaved by hand, so it runs on
    SQLite too)."""
    contract = _ending(db)
    city = settings.city
    factory = make_sessionmaker(clean_db)

    def stale(session: Session) -> Contract:
        """The contract as a request read it before the other request's commit."""
        found = session.get(Contract, contract.id)
        assert found is not None
        _ = (found.newcomer.user, found.volunteer.user)
        session.expunge(found)
        session.rollback()
        return found

    # Both sides propose at the same moment: one proposal waits, the other is told so.
    with factory() as first, factory() as second:
        mine, theirs = stale(first), stale(second)
        first.add(mine)
        extension.propose(first, mine, mine.newcomer.user, city=city)
        first.commit()
        late = second.merge(theirs, load=False)
        with pytest.raises(Conflict) as refused:
            extension.propose(second, late, late.volunteer.user, city=city)
        assert refused.value.message == "An extension is already waiting for an answer."
        second.rollback()

    # The volunteer accepts twice (a double tap on two devices): extended once.
    with factory() as first, factory() as second:
        mine, theirs = stale(first), stale(second)
        first.add(mine)
        extension.accept(first, mine, mine.volunteer.user, city=city)
        first.commit()
        late = second.merge(theirs, load=False)
        with pytest.raises(Conflict) as refused:
            extension.accept(second, late, late.volunteer.user, city=city)
        assert refused.value.message == "This contract has already been extended once."
        second.rollback()
    db.expire_all()
    assert contract.extended_months == 3
