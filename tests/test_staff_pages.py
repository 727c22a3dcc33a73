"""Staff pages: access, overview, the screening/intake queue, lists and a person's file."""

from __future__ import annotations

import re
from typing import TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.models import Role
from app.config import Cadence
from app.contracts.models import Contract, ContractStatus
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from app.people.vocabulary import Level
from tests.factories import browser_login, make_newcomer, make_staff, make_volunteer

P = TypeVar("P", bound=Person)
STAFF_PAGES = ["/staff", "/staff/vetting", "/staff/volunteers", "/staff/newcomers",
               "/staff/newcomers/new", "/staff/people/1"]  # fmt: skip


def _staff_client(client: TestClient, db: Session) -> str:
    staff = make_staff(db, "coord@city.example")
    db.commit()
    browser_login(client, staff.email)
    return staff.email


def _post(client: TestClient, url: str, data: dict[str, str]) -> httpx.Response:
    return client.post(
        url, data={**data, "csrftoken": client.cookies["csrftoken"]}, follow_redirects=False
    )


def _named(person: P, first: str, last: str | None = None, **attrs: object) -> P:
    """The factories fix the names (and a volunteer's bio): set them afterwards."""
    person.first_name = first
    if last is not None:
        person.last_name = last
    for name, value in attrs.items():
        setattr(person, name, value)
    return person


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    for url in STAFF_PAGES:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", [Role.newcomer, Role.volunteer])
def test_other_roles_are_refused(client: TestClient, db: Session, role: Role) -> None:
    person = make_newcomer(db) if role is Role.newcomer else make_volunteer(db)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    browser_login(client, person.user.email)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This page is not for your account." in response.text
    response = _post(client, f"/staff/volunteers/{volunteer.id}/vetting", {"decision": "approved"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Volunteer, volunteer.id).vetting_status is VettingStatus.pending  # type: ignore[union-attr]


def test_overview_counts(client: TestClient, db: Session) -> None:
    _staff_client(client, db)
    for _ in range(3):
        make_volunteer(db, vetting=VettingStatus.pending)
    make_volunteer(db, vetting=VettingStatus.paused)
    approved = make_volunteer(db)
    make_volunteer(db)
    make_newcomer(db, intake=IntakeStatus.pending)
    matched = make_newcomer(db)
    make_newcomer(db)
    make_newcomer(db)
    # A newcomer with a live (pending) contract is no longer waiting for a buddy.
    db.add(
        Contract(
            newcomer_id=matched.id,
            volunteer_id=approved.id,
            status=ContractStatus.pending,
            cadence=Cadence.weekly,
            months=6,
        )
    )
    db.commit()
    page = client.get("/staff")
    assert page.status_code == 200
    html = page.text

    def count(card: str) -> int:
        match = re.search(rf'id="count-{card}">\s*<strong>(\d+)</strong>', html)
        assert match, card
        return int(match.group(1))

    assert count("volunteers-pending") == 3
    assert count("newcomers-pending") == 1
    assert count("volunteers-approved") == 2
    assert count("newcomers-waiting") == 2


def test_vetting_queue_shows_details_and_approves(client: TestClient, db: Session) -> None:
    staff_email = _staff_client(client, db)
    waiting = make_volunteer(
        db, vetting=VettingStatus.pending, languages={"nl": Level.native, "tr": Level.fluent}
    )
    _named(waiting, "Griet", "Claes", bio="Librarian who loves the Saturday market.")
    _named(make_volunteer(db), "Already", "Approved")
    newcomer = _named(make_newcomer(db, intake=IntakeStatus.pending), "Tesfay")
    db.commit()

    page = client.get("/staff/vetting")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Griet Claes" in text
    assert "Librarian who loves the Saturday market." in text
    assert "Turkish (Fluent)" in text
    assert "Already Approved" not in text
    assert "Tesfay" in text

    response = _post(
        client,
        f"/staff/volunteers/{waiting.id}/vetting",
        {"decision": "approved", "note": "References fine.", "back": "vetting"},
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/staff/vetting?done=approved")
    db.expire_all()
    volunteer = db.get(Volunteer, waiting.id)
    assert volunteer is not None
    assert volunteer.vetting_status is VettingStatus.approved
    assert volunteer.vetting_note == "References fine."
    entry = db.scalar(select(AuditEntry).where(AuditEntry.subject_id == waiting.id))
    assert entry is not None
    assert entry.action == "volunteer.vetting"
    assert entry.full_detail["note"] == "References fine."

    after = client.get(location)
    assert "Griet Claes: approved." in _text(after.text)
    assert "Griet Claes</a>" not in after.text  # left the queue

    response = _post(
        client,
        f"/staff/newcomers/{newcomer.id}/intake",
        {"decision": "rejected", "note": "Lives in Antwerp.", "back": "vetting"},
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Newcomer, newcomer.id).intake_status is IntakeStatus.rejected  # type: ignore[union-attr]
    assert staff_email


def test_refused_decision_keeps_the_note(client: TestClient, db: Session) -> None:
    _staff_client(client, db)
    decided = _named(make_volunteer(db), "Bart")  # already approved
    waiting = _named(make_volunteer(db, vetting=VettingStatus.pending), "Lotte")
    db.commit()

    # Someone else decided first: the card has left the queue, so the message is on top.
    response = _post(
        client,
        f"/staff/volunteers/{decided.id}/vetting",
        {"decision": "approved", "note": "Second look", "back": "vetting"},
    )
    assert response.status_code == 409
    assert "Bart Peeters: This volunteer&#39;s screening is already approved." in response.text

    # A refused form in the queue: message beside that card's form, typed note kept.
    response = _post(
        client,
        f"/staff/volunteers/{waiting.id}/vetting",
        {"decision": "maybe", "note": "Typed <note>", "back": "vetting"},
    )
    assert response.status_code == 422
    html = response.text
    card = html[html.index(f'id="volunteer-{waiting.id}"') :]
    card = card[: card.index("</article>")]
    assert 'role="alert"' in card
    assert "Choose one of the options." in card
    assert "Typed &lt;note&gt;</textarea>" in card

    # The same from the person's page: that page comes back, with the message and the note.
    response = _post(
        client,
        f"/staff/volunteers/{decided.id}/vetting",
        {"decision": "approved", "note": "typed", "back": "person"},
    )
    assert response.status_code == 409
    html = response.text
    assert '<h1 dir="auto">Bart Peeters</h1>' in html
    assert "already approved" in html
    assert ">typed</textarea>" in html
    db.expire_all()
    assert db.get(Volunteer, waiting.id).vetting_status is VettingStatus.pending  # type: ignore[union-attr]
    assert db.scalar(select(AuditEntry)) is None


def test_decisions_on_unknown_people_are_404(client: TestClient, db: Session) -> None:
    _staff_client(client, db)
    assert client.get("/staff/people/999999").status_code == 404
    response = _post(client, "/staff/volunteers/999999/vetting", {"decision": "approved"})
    assert response.status_code == 404
    assert "No such volunteer." in response.text
    # A newcomer's id is not a volunteer's.
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    db.commit()
    response = _post(client, f"/staff/volunteers/{newcomer.id}/vetting", {"decision": "approved"})
    assert response.status_code == 404


def test_csrf_is_required(client: TestClient, db: Session) -> None:
    _staff_client(client, db)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    response = client.post(
        f"/staff/volunteers/{volunteer.id}/vetting", data={"decision": "approved"}
    )
    assert response.status_code == 403


def test_person_page_profile_grid_and_history(client: TestClient, db: Session) -> None:
    staff_email = _staff_client(client, db)
    volunteer = make_volunteer(
        db,
        vetting=VettingStatus.pending,
        availability=["mon-evening", "sat-morning", "sun-afternoon"],
        languages={"nl": Level.native, "ar": Level.conversational},
    )
    db.commit()
    page = client.get(f"/staff/people/{volunteer.id}")
    assert page.status_code == 200
    assert page.text.count('class="free"') == 3
    assert "Arabic: Conversational" in _text(page.text)
    assert "No staff action yet." in page.text

    response = _post(
        client,
        f"/staff/volunteers/{volunteer.id}/vetting",
        {"decision": "rejected", "note": "No show at the talk.", "back": "person"},
    )
    assert response.headers["location"].startswith(f"/staff/people/{volunteer.id}?")
    page = client.get(response.headers["location"])
    text = _text(page.text)
    assert "Jan Peeters: rejected." in text
    assert "Screening decision: Rejected" in text
    assert "No show at the talk." in text
    assert staff_email in text
    # From rejected, only approving is possible.
    assert 'value="approved"' in page.text
    assert 'value="rejected"' not in page.text


def test_lists_search_filter_and_paginate(client: TestClient, db: Session) -> None:
    _staff_client(client, db)
    for i in range(27):
        _named(make_volunteer(db), f"Vol{i:02d}")
    _named(make_volunteer(db, vetting=VettingStatus.pending), "Zoë", "Wachtend")
    _named(make_newcomer(db), "Olena", "Melnyk")
    db.commit()

    first = client.get("/staff/volunteers")
    assert first.status_code == 200
    assert "Showing 1–25 of 28" in first.text
    assert first.text.count('href="/staff/people/') == 25
    assert 'rel="next"' in first.text
    second = client.get("/staff/volunteers?page=2")
    assert "Showing 26–28 of 28" in second.text
    assert second.text.count('href="/staff/people/') == 3

    pending = client.get("/staff/volunteers?status=pending")
    assert "Showing 1–1 of 1" in pending.text
    assert "Zoë Wachtend" in pending.text
    found = client.get("/staff/volunteers", params={"q": "wacht"})
    assert "Zoë Wachtend" in found.text
    assert "Vol00" not in found.text
    # The search term and filter survive in the pager links and the form.
    paged = client.get("/staff/volunteers?q=vol&status=approved")
    assert 'href="/staff/volunteers?q=vol&amp;status=approved&amp;page=2"' in paged.text
    assert 'value="vol"' in paged.text

    newcomers = client.get("/staff/newcomers?q=olena")
    assert "Olena Melnyk" in newcomers.text
    # Nonsense parameters do not break the page.
    odd = client.get("/staff/volunteers?status=bogus&page=-3")
    assert odd.status_code == 200
    assert "Showing 1–25 of 28" in odd.text
    empty = client.get("/staff/newcomers?q=nobody-at-all")
    assert "Nobody matches this search." in empty.text
