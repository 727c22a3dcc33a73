"""Contract pages without JavaScript: read, sign, decline, end, downloads, lists."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from tests.factories import browser_login, make_contract, make_newcomer, make_staff, make_volunteer


def _post(client: TestClient, url: str, data: dict[str, str]) -> object:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)


def _fresh(db: Session, contract_id: int) -> Contract:
    db.expire_all()
    contract = db.get(Contract, contract_id)
    assert contract is not None
    return contract


def test_both_sign_on_the_page(client: TestClient, db: Session) -> None:
    contract = make_contract(db, make_newcomer(db, phone="+32 470 11 22 33"), make_volunteer(db))
    db.commit()
    browser_login(client, contract.newcomer.user.email)
    page = client.get(f"/contracts/{contract.id}")
    assert page.status_code == 200
    html = page.text
    assert "Buddy agreement" in html
    assert "Keep what we tell each other confidential." in html
    assert "Jan" in html
    assert "Peeters" not in html  # never the volunteer's last name before signing …
    assert contract.volunteer.user.email not in html  # … nor their email
    assert 'name="full_name"' in html

    # Missing commitment: the form comes back with the error beside the box, name kept.
    r = _post(client, f"/contracts/{contract.id}/sign", {"full_name": "Amina Haddad"})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "Tick the box to confirm your commitment." in r.text  # type: ignore[attr-defined]
    assert 'value="Amina Haddad"' in r.text  # type: ignore[attr-defined]
    assert _fresh(db, contract.id).newcomer_signed_at is None

    # Everything wrong at once: each error beside its field, what was typed kept.
    r = _post(client, f"/contracts/{contract.id}/sign",
              {"full_name": " ", "start_date": "31-02-2026"})
    assert r.status_code == 422  # type: ignore[attr-defined]
    for message in ("Tick the box to confirm your commitment.", "Enter a valid date.",
                    "Type your full name to sign."):
        assert message in r.text  # type: ignore[attr-defined]
    assert 'value="31-02-2026"' in r.text  # type: ignore[attr-defined]
    r = _post(client, f"/contracts/{contract.id}/sign",
              {"full_name": "A", "commitment": "yes", "start_date": "2020-01-01"})
    assert "Type your full name to sign." in r.text  # type: ignore[attr-defined]
    assert "The start date cannot be in the past." in r.text  # type: ignore[attr-defined]
    assert _fresh(db, contract.id).newcomer_signed_at is None

    r = _post(client, f"/contracts/{contract.id}/sign",
              {"full_name": "Amina Haddad", "commitment": "yes"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert r.headers["location"] == f"/contracts/{contract.id}?done=signed"  # type: ignore[attr-defined]
    page = client.get(r.headers["location"])  # type: ignore[attr-defined]
    assert "We are waiting for <bdi>Jan</bdi> to sign." in page.text
    assert 'name="full_name"' not in page.text

    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, contract.volunteer.user.email)
    r = _post(client, f"/contracts/{contract.id}/sign",
              {"full_name": "Jan Peeters", "commitment": "yes"})
    assert r.headers["location"].endswith("?done=active")  # type: ignore[attr-defined]
    page = client.get(f"/contracts/{contract.id}")
    assert 'data-status="active"' in page.text
    assert contract.newcomer.user.email in page.text  # contact details once both signed
    assert "+32 470 11 22 33" in page.text
    assert f"/contracts/{contract.id}.ics" in page.text
    assert _fresh(db, contract.id).status is ContractStatus.active

    assert client.get(f"/contracts/{contract.id}.pdf").content.startswith(b"%PDF")
    ics = client.get(f"/contracts/{contract.id}.ics")
    assert ics.status_code == 200
    assert b"RRULE:FREQ=WEEKLY" in ics.content

    listing = client.get("/me/contracts").text
    assert "Amina" in listing
    assert contract.newcomer.user.email in listing
    me = client.get("/me").text  # the volunteer's own page lists the live contracts too
    assert "My buddy contracts" in me
    assert f'href="/contracts/{contract.id}"' in me


def test_strangers_and_logged_out(client: TestClient, db: Session) -> None:
    contract = make_contract(db)
    stranger = make_volunteer(db)
    db.commit()
    r = client.get(f"/contracts/{contract.id}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")
    browser_login(client, stranger.user.email)
    assert client.get(f"/contracts/{contract.id}").status_code == 404
    assert client.get(f"/contracts/{contract.id}.pdf").status_code == 404
    r = _post(client, f"/contracts/{contract.id}/sign", {"full_name": "X Y", "commitment": "yes"})
    assert r.status_code == 404  # type: ignore[attr-defined]


def test_decline_and_end_forms(client: TestClient, db: Session) -> None:
    contract = make_contract(db)
    db.commit()
    browser_login(client, contract.volunteer.user.email)
    r = _post(client, f"/contracts/{contract.id}/decline", {"reason": " "})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "Tell the newcomer and the staff why." in r.text  # type: ignore[attr-defined]
    r = _post(client, f"/contracts/{contract.id}/decline", {"reason": "Moving abroad"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert _fresh(db, contract.id).status is ContractStatus.declined
    # Already declined: ending is refused with a message, nothing changes.
    r = _post(client, f"/contracts/{contract.id}/end", {"reason": "no_time"})
    assert r.status_code == 409  # type: ignore[attr-defined]

    active = make_contract(db, signed=True)
    db.commit()
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, active.newcomer.user.email)
    r = _post(client, f"/contracts/{active.id}/end", {"reason": "other", "note": ""})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert 'id="end_note-error"' in r.text  # type: ignore[attr-defined]
    r = _post(client, f"/contracts/{active.id}/end", {"reason": "bogus"})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert _fresh(db, active.id).status is ContractStatus.active
    r = _post(client, f"/contracts/{active.id}/end", {"reason": "health", "note": "Hospital"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    ended = _fresh(db, active.id)
    assert ended.status is ContractStatus.ended_early
    assert ended.end_note == "Hospital"


def test_staff_list_filters(client: TestClient, db: Session) -> None:
    active = make_contract(db, signed=True)
    pending = make_contract(db)
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    everything = client.get("/staff/contracts").text
    assert f'href="/contracts/{active.id}"' in everything
    assert f'href="/contracts/{pending.id}"' in everything
    only = client.get("/staff/contracts?state=pending").text
    assert f'href="/contracts/{pending.id}"' in only
    assert f'href="/contracts/{active.id}"' not in only
    assert client.get(f"/contracts/{pending.id}").status_code == 200
