"""The leak walk: what one side of a pair (or a stranger) can read never holds the other side's
private text, nor the staff's.

A newcomer and a volunteer of one pair each log a meeting with a worry, write the closing
evaluation, and staff record a follow-up call, resolve a worry and screen both people — every
private text carries a unique marker. Then, as each side and as a stranger, the walker
(tests/leakwalk.py) reads every page reachable from that user's pages plus every GET page route
of the app, every ``/api/`` GET route, the contract PDF and ICS, the CSV exports (which must be
refused), and every email in the outbox. Markers must appear nowhere they do not belong.

Routes are read from the app's route table: a page or endpoint added later is walked too. A new
path parameter name fails the walk until ``_values`` below gives it values.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import TokenKind, User
from app.auth.service import issue_token
from app.checkins.models import Checkin
from app.contracts import service as contracts
from app.contracts.models import Contract, EndReason
from app.db import utcnow
from app.inbox.models import InboxMessage
from app.notifications.models import OutboxEmail
from app.notifications.reminders import queue_due_reminders
from app.people.models import IntakeStatus, VettingStatus
from tests.factories import browser_login, make_contract, make_newcomer, make_staff, make_volunteer
from tests.leakwalk import Walk, page_seeds, walk_api, walk_pages

# One marker per private text; a marker is plain letters and digits, so HTML or JSON escaping
# cannot hide it from the search.
WORRY_N, WORRY_V = "WORRYNEWCOMERzq81", "WORRYVOLUNTEERzq82"
EVAL_N, EVAL_V = "EVALNEWCOMERzq83", "EVALVOLUNTEERzq84"
CALL_NOTE, RESOLUTION = "CALLNOTEzq85", "RESOLUTIONzq86"
END_NOTE, VET_NOTE, INTAKE_NOTE = "ENDNOTEzq87", "VETNOTEzq88", "INTAKENOTEzq89"
DECLINE_NOTE = "DECLINENOTEzq90"
# The newcomer's civic-integration file number: theirs (their hours statement) and the staff's.
FILE_NO = "FILENOzq91"
STAFF_ONLY = (CALL_NOTE, RESOLUTION, END_NOTE, VET_NOTE, INTAKE_NOTE, DECLINE_NOTE)
ALL = (WORRY_N, WORRY_V, EVAL_N, EVAL_V, FILE_NO, *STAFF_ONLY)

# What each reader must never see, and (as a check that the walk really reached the data)
# what they must see: their own worry and evaluation.
FORBIDDEN = {
    # The newcomer wrote the note on why the contract ended (theirs, e.g. in their data
    # export); it is private to them and the staff.
    "newcomer": (WORRY_V, EVAL_V, *(m for m in STAFF_ONLY if m != END_NOTE)),
    "volunteer": (WORRY_N, EVAL_N, FILE_NO, *STAFF_ONLY),
    "stranger": ALL,
}
OWN = {"newcomer": (WORRY_N, EVAL_N), "volunteer": (WORRY_V, EVAL_V), "stranger": ()}


@dataclass
class Pair:
    contract: Contract
    newcomer: User
    volunteer: User
    stranger: User
    ids: dict[str, list[object]]


def _token(db: Session, user: User) -> dict[str, str]:
    token = issue_token(db, user, TokenKind.api, timedelta(hours=1))
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _build(db: Session, client: TestClient) -> Pair:
    """The pair's story while the contract runs, through the API wherever it offers the step:
    screening notes, both sides' worries, a resolution and a follow-up call."""
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    stranger = make_newcomer(db)
    db.commit()
    as_staff, as_n, as_v = _token(db, staff), _token(db, newcomer.user), _token(db, volunteer.user)
    _ok(client.post(f"/api/v1/volunteers/{volunteer.id}/vetting", headers=as_staff,
                    json={"decision": "approved", "note": f"fine {VET_NOTE}"}))  # fmt: skip
    _ok(client.post(f"/api/v1/newcomers/{newcomer.id}/intake", headers=as_staff,
                    json={"decision": "approved", "note": f"ok {INTAKE_NOTE}"}))  # fmt: skip
    db.expire_all()
    from app.intake.models import IntakeRecord

    db.merge(IntakeRecord(newcomer_id=newcomer.id, civic_integration_file=FILE_NO))
    db.commit()
    # A first volunteer declines the newcomer's pick, with a reason only the staff read.
    declining = make_volunteer(db)
    declined = make_contract(db, newcomer, declining)
    db.commit()
    _ok(client.post(f"/api/v1/contracts/{declined.id}/decline", headers=_token(db, declining.user),
                    json={"reason": f"sorry {DECLINE_NOTE}"}))  # fmt: skip
    contract = make_contract(db, newcomer, volunteer)
    db.commit()
    for who, name in ((as_n, "Amina Haddad"), (as_v, "Jan Peeters")):
        _ok(client.post(f"/api/v1/contracts/{contract.id}/sign", headers=who,
                        json={"full_name": name}))  # fmt: skip
    # Back-date the start so that meetings on earlier days may be logged.
    db.expire_all()
    contract = db.get(Contract, contract.id)
    assert contract is not None
    assert contract.start_date is not None
    contract.start_date -= timedelta(days=30)
    contract.end_date = (contract.end_date or contract.start_date) - timedelta(days=30)
    db.commit()
    today = contract.start_date + timedelta(days=30)
    logged = {}
    for who, marker, days_ago in ((as_n, WORRY_N, 2), (as_v, WORRY_V, 1)):
        body = {
            "met_on": str(today - timedelta(days=days_ago)),
            "minutes": 60,
            "activities": ["dutch"],
            "note": "a walk",
            "concern": {"reason": marker},
        }
        logged[marker] = _ok(client.post(f"/api/v1/contracts/{contract.id}/checkins",
                                         headers=who, json=body), 201)["id"]  # fmt: skip
    _ok(client.post(f"/api/v1/checkins/{logged[WORRY_V]}/resolve-concern", headers=as_staff,
                    json={"note": f"talked {RESOLUTION}"}))  # fmt: skip
    _ok(client.post(f"/api/v1/contracts/{contract.id}/calls", headers=as_staff,
                    json={"called_on": str(today), "note": f"call {CALL_NOTE}"}), 201)  # fmt: skip
    # A group activity inviting the active pair (both sides answer), and an intake slot: their
    # pages, calendars and invitation emails are walked too.
    starts = datetime.combine(today + timedelta(days=10), time(18), tzinfo=UTC)
    event = _ok(client.post("/api/v1/events", headers=as_staff, json={
        "kind": "group_activity", "title": "Picnic", "place": "Vrijbroekpark",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }), 201)  # fmt: skip
    _ok(client.post(f"/api/v1/events/{event['id']}/invitations", headers=as_staff))
    for who in (as_n, as_v):
        _ok(client.post(f"/api/v1/events/{event['id']}/rsvp", headers=who,
                        json={"attending": True}))  # fmt: skip
    slots = _ok(client.post("/api/v1/intake-slots", headers=as_staff, json={
        "starts_at": (starts + timedelta(days=1)).isoformat(), "place": "Desk 2",
    }), 201)  # fmt: skip
    queue_due_reminders(db, today=today + timedelta(days=60))
    db.commit()
    checkins = list(db.scalars(select(Checkin.id).where(Checkin.contract_id == contract.id)))
    emails = list(db.scalars(select(OutboxEmail.id)))
    messages = list(db.scalars(select(InboxMessage.id)))  # both sides' inbox messages
    person_ids = [newcomer.id, volunteer.id, stranger.id]
    ids: dict[str, list[object]] = {
        "contract_id": [declined.id, contract.id], "checkin_id": checkins,
        "newcomer_id": person_ids, "volunteer_id": person_ids, "person_id": person_ids,
        "round_id": [1], "email_id": emails or [1], "kind": ["contracts", "checkins"],
        "event_id": [event["id"]], "slot_id": [slot["id"] for slot in slots],
        "message_id": messages or [1],
    }  # fmt: skip
    return Pair(contract, newcomer.user, volunteer.user, stranger.user, ids)


def _finish(db: Session, client: TestClient, pair: Pair) -> None:
    """The newcomer stops the contract with a note for the staff (the page's form; the API's
    end is for staff), then both sides write their evaluation."""
    contract = db.get(Contract, pair.contract.id)
    assert contract is not None
    contracts.end_early(db, contract, pair.newcomer, EndReason.other, f"moving {END_NOTE}")
    db.commit()
    for user, marker in ((pair.newcomer, EVAL_N), (pair.volunteer, EVAL_V)):
        _ok(client.post(f"/api/v1/contracts/{contract.id}/evaluation", headers=_token(db, user),
                        json={"overall": 4, "goals_met": "mostly", "would_again": True,
                              "text": f"good {marker}"}), 201)  # fmt: skip


def _emails(db: Session) -> str:
    """Every email in the outbox as one text: subject, both bodies, decoded attachments; and
    every inbox message (the same messages, also for people without email)."""
    parts = []
    for message in db.scalars(select(InboxMessage)):
        parts += [message.subject, message.body_text, message.body_html]
    for email in db.scalars(select(OutboxEmail)):
        parts += [email.subject, email.body_text, email.body_html or ""]
        parts += [base64.b64decode(a["data"]).decode("utf-8", "replace")
                  for a in email.attachments]  # fmt: skip
    return "\n".join(parts)


def _walk_as(app: FastAPI, db: Session, pair: Pair, user: User, role: str) -> tuple[Walk, Walk]:
    with TestClient(app, headers={"Accept-Language": "en"}) as browser:
        browser_login(browser, user.email)
        seeds = ["/", "/me", *page_seeds(app, pair.ids)]
        pages = walk_pages(browser, seeds, FORBIDDEN[role])
    with TestClient(app, headers={"Accept-Language": "en"}) as api:
        endpoints = walk_api(api, app, pair.ids, FORBIDDEN[role], _token(db, user))
    return pages, endpoints


def _check(pages: Walk, endpoints: Walk, role: str, own: tuple[str, ...]) -> None:
    assert not pages.leaks, f"private text on pages: {pages.leaks}"
    assert not endpoints.leaks, f"private text in the API: {endpoints.leaks}"
    # The walk reached the data: the reader's own private texts are there.
    for marker in own:
        assert pages.seen(marker), f"{marker} on no page: the walk missed it"
        assert endpoints.seen(marker), f"{marker} in no API answer: the walk missed it"
    read = pages.visited | endpoints.visited
    if role != "stranger":
        assert len(pages.visited) >= 15
        assert len(endpoints.visited) >= 15
    # CSV exports are refused to everyone but staff.
    exports = {url: status for url, status in read.items() if ".csv" in url}
    assert len(exports) >= 4, exports
    assert all(s in (401, 403, 404) for s in exports.values()), exports


def _report(role: str, phase: str, pages: Walk, endpoints: Walk) -> None:
    print(f"\nleak walk as {role} ({phase}): {len(pages.visited)} pages, "
          f"{len(endpoints.visited)} API GETs")  # fmt: skip


@pytest.mark.parametrize("role", ["newcomer", "volunteer"])
def test_no_private_text_reaches_the_other_side(
    app: FastAPI, client: TestClient, db: Session, role: str
) -> None:
    pair = _build(db, client)
    user = pair.newcomer if role == "newcomer" else pair.volunteer
    cid = pair.contract.id
    own_worry, own_eval = OWN[role]

    # While the contract runs: meetings, worries, the agreement and its calendar file.
    pages, endpoints = _walk_as(app, db, pair, user, role)
    _report(role, "active contract", pages, endpoints)
    _check(pages, endpoints, role, (own_worry,))
    read = pages.visited | endpoints.visited
    for url in (f"/contracts/{cid}.pdf", f"/contracts/{cid}.ics",
                f"/api/v1/contracts/{cid}.pdf", f"/api/v1/contracts/{cid}.ics"):  # fmt: skip
        assert read.get(url) == 200, f"{url} was not read ({read.get(url)})"
    if role == "newcomer":  # their own hours statement names their file number
        assert read.get("/me/hours.pdf") == read.get("/api/v1/me/hours") == 200
        assert pages.seen(FILE_NO)
        assert endpoints.seen(FILE_NO)

    # Once it has ended: the evaluations and the ending note.
    _finish(db, client, pair)
    pages, endpoints = _walk_as(app, db, pair, user, role)
    _report(role, "ended contract", pages, endpoints)
    _check(pages, endpoints, role, (own_worry, own_eval))


def test_a_stranger_reads_nothing_private(app: FastAPI, client: TestClient, db: Session) -> None:
    pair = _build(db, client)
    _finish(db, client, pair)
    pages, endpoints = _walk_as(app, db, pair, pair.stranger, "stranger")
    _report("stranger", "ended contract", pages, endpoints)
    _check(pages, endpoints, "stranger", ())


def test_no_private_text_in_any_email(client: TestClient, db: Session) -> None:
    _finish(db, client, _build(db, client))
    text = _emails(db)
    assert db.scalar(select(OutboxEmail.id).limit(1)) is not None, "the story sent no email"
    assert [m for m in ALL if m in text] == []


def test_walker_finds_a_planted_leak(app: FastAPI, client: TestClient, db: Session) -> None:
    """The walker is not blind: a worry put where the other side reads (the shared meeting
    note) is reported."""
    pair = _build(db, client)
    checkin = db.scalars(select(Checkin).where(Checkin.contract_id == pair.contract.id)).first()
    assert checkin is not None
    checkin.note, checkin.updated_at = f"planted {WORRY_N}", utcnow()
    db.commit()
    pages, endpoints = _walk_as(app, db, pair, pair.volunteer, "volunteer")
    assert {m for _, m in pages.leaks} == {WORRY_N}
    assert {m for _, m in endpoints.leaks} == {WORRY_N}
