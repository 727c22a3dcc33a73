"""Meeting pages without JavaScript: the log form, the list with confirm / "did not happen",
editing, deleting, worries for staff, and the hours on the contract page and on /me."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.checkins.models import Activity, Checkin, CheckinStatus
from app.contracts.models import Contract
from app.contracts.rules import local_date
from app.db import utcnow
from tests.factories import (
    browser_login,
    make_active_contract,
    make_checkin,
    make_staff,
)


def today() -> date:
    return local_date(utcnow(), "Europe/Brussels")


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Response:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]},
                       follow_redirects=False)  # fmt: skip


def _checkins(db: Session) -> list[Checkin]:
    db.expire_all()
    return list(db.scalars(select(Checkin).order_by(Checkin.met_on)))


def _pair(db: Session) -> Contract:
    contract = make_active_contract(db, start=days_ago(10), cadence="weekly")
    db.commit()
    return contract


def test_log_form_defaults_and_saving(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    browser_login(client, pair.volunteer.user.email)
    form = client.get(f"/contracts/{pair.id}/meetings/new")
    assert form.status_code == 200
    assert f'value="{today().isoformat()}"' in form.text  # today by default
    assert 'name="minutes" type="number" value="60"' in form.text
    for label in ("Practise Dutch", "Bank or paperwork", "Shopping", "Work or school",
                  "Leisure", "Health", "Housing", "Something else"):  # fmt: skip
        assert label in form.text

    r = _post(client, f"/contracts/{pair.id}/meetings/new", {
        "met_on": days_ago(1).isoformat(), "minutes": "90",
        "activities": ["dutch", "paperwork"], "note": "Opened a bank account",
    })  # fmt: skip
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/contracts/{pair.id}/meetings?done=logged#summary"
    [saved] = _checkins(db)
    assert (saved.minutes, saved.activities) == (90, [Activity.dutch, Activity.paperwork])
    assert saved.note == "Opened a bank account"

    page = client.get(r.headers["location"])
    assert "Meeting saved." in page.text
    assert "1 week in a row" in page.text  # the streak, right after saving
    assert "0 hours together (confirmed)" in page.text  # the newcomer has not confirmed yet
    assert "Waiting for confirmation" in page.text
    assert "Yes, we met" not in page.text  # not for the one who logged it


def test_refused_form_keeps_what_was_typed(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    browser_login(client, pair.volunteer.user.email)
    client.get(f"/contracts/{pair.id}/meetings/new")
    cases = [
        ({"minutes": "5"}, "A meeting lasts between 15 and 600 minutes."),
        ({"activities": []}, "Choose at least one thing you did together."),
        ({"met_on": (today() + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"met_on": days_ago(11).isoformat()}, "before the contract started"),
        ({"met_on": "yesterday"}, "Enter a valid date."),
        ({"worried": "yes", "concern": ""}, "what worries you"),
    ]
    for change, message in cases:
        data = {"met_on": days_ago(1).isoformat(), "minutes": "45", "activities": ["shopping"],
                "note": "Market in the rain", **change}  # fmt: skip
        r = _post(client, f"/contracts/{pair.id}/meetings/new", data)
        assert r.status_code == 422, (change, r.status_code)
        assert message in r.text, change
        assert "Market in the rain" in r.text
        assert 'aria-invalid="true"' in r.text or "has-error" in r.text
    assert _checkins(db) == []


def test_newcomer_confirms_or_says_it_did_not_happen(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    first = make_checkin(db, pair, days_ago(8), minutes=120)
    second = make_checkin(db, pair, days_ago(2), minutes=60)
    db.commit()
    browser_login(client, pair.newcomer.user.email)
    page = client.get(f"/contracts/{pair.id}/meetings")
    assert page.text.count("Yes, we met") == 2
    assert "Change" not in page.text.split('id="list-title"')[1].split("You can")[0]

    assert _post(client, f"/meetings/{first.id}/confirm", {"happened": "yes"}).status_code == 303
    assert _post(client, f"/meetings/{second.id}/confirm", {"happened": "no"}).status_code == 303
    statuses = [c.status for c in _checkins(db)]
    assert statuses == [CheckinStatus.confirmed, CheckinStatus.disputed]
    page = client.get(f"/contracts/{pair.id}/meetings")
    assert "2 hours together (confirmed)" in page.text
    assert "2 of 40 participation hours" in page.text  # the newcomer's goal
    assert "Did not happen" in page.text


def test_confirming_your_own_log_is_refused(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    mine = make_checkin(db, pair, days_ago(2))
    db.commit()
    browser_login(client, pair.volunteer.user.email)
    client.get(f"/contracts/{pair.id}/meetings")
    r = _post(client, f"/meetings/{mine.id}/confirm", {"happened": "yes"})
    assert r.status_code == 409
    assert "your buddy confirms it" in r.text
    assert _checkins(db)[0].status is CheckinStatus.pending


def test_edit_and_delete_by_the_author(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    c = make_checkin(db, pair, days_ago(3), minutes=60, activities=("leisure",))
    db.commit()
    browser_login(client, pair.volunteer.user.email)
    form = client.get(f"/meetings/{c.id}/edit")
    assert 'value="leisure" checked' in form.text
    r = _post(client, f"/meetings/{c.id}/edit", {
        "met_on": days_ago(4).isoformat(), "minutes": "75", "activities": ["housing"],
        "note": "Viewed a flat",
    })  # fmt: skip
    assert r.status_code == 303
    [changed] = _checkins(db)
    assert (changed.met_on, changed.minutes, changed.activities) == (
        days_ago(4), 75, [Activity.housing],
    )  # fmt: skip
    r = _post(client, f"/meetings/{c.id}/delete", {})
    assert r.status_code == 303
    assert _checkins(db) == []


def test_someone_elses_meetings_are_404(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    other = make_active_contract(db, start=days_ago(5))
    c = make_checkin(db, pair, days_ago(2))
    db.commit()
    browser_login(client, other.volunteer.user.email)
    assert client.get(f"/contracts/{pair.id}/meetings").status_code == 404
    assert client.get(f"/contracts/{pair.id}/meetings/new").status_code == 404
    assert client.get(f"/meetings/{c.id}/edit").status_code == 404
    r = _post(
        client,
        f"/contracts/{pair.id}/meetings/new",
        {"met_on": days_ago(1).isoformat(), "minutes": "60", "activities": ["dutch"]},
    )
    assert r.status_code == 404
    assert _post(client, f"/meetings/{c.id}/confirm", {"happened": "no"}).status_code == 404
    assert _post(client, f"/meetings/{c.id}/delete", {}).status_code == 404
    assert len(_checkins(db)) == 1
    assert _checkins(db)[0].status is CheckinStatus.pending


def test_staff_see_worries_and_resolve_them(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    c = make_checkin(db, pair, days_ago(2), concern="He has not shown up twice.")
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get(f"/contracts/{pair.id}/meetings")
    assert "He has not shown up twice." in page.text
    assert 'id="at-risk"' in page.text
    assert "Log a meeting" not in page.text
    r = _post(client, f"/meetings/{c.id}/resolve", {"note": "Called both."})
    assert r.status_code == 303
    page = client.get(f"/contracts/{pair.id}/meetings")
    assert 'id="at-risk"' not in page.text
    assert "Dealt with by the staff" in page.text
    # The newcomer does not see the volunteer's worry.
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, pair.newcomer.user.email)
    assert "He has not shown up twice." not in client.get(f"/contracts/{pair.id}/meetings").text


def test_pair_cannot_resolve_worries(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    c = make_checkin(db, pair, days_ago(2), concern="Worried")
    db.commit()
    browser_login(client, pair.volunteer.user.email)
    client.get(f"/contracts/{pair.id}/meetings")
    assert _post(client, f"/meetings/{c.id}/resolve", {"note": "x"}).status_code == 403
    db.expire_all()
    assert db.scalar(select(func.count()).where(Checkin.concern_resolved_at.is_not(None))) == 0


def test_hours_on_the_contract_page_and_on_me(client: TestClient, db: Session) -> None:
    pair = _pair(db)
    make_checkin(db, pair, days_ago(9), minutes=90, status="confirmed")
    make_checkin(db, pair, days_ago(2), minutes=60, by="newcomer")
    db.commit()
    browser_login(client, pair.newcomer.user.email)
    page = client.get(f"/contracts/{pair.id}")
    assert 'id="meetings"' in page.text
    assert "1.5 of 40 participation hours" in page.text
    assert f'href="/contracts/{pair.id}/meetings"' in page.text
    me = client.get("/me")
    assert "Meetings with my buddy" in me.text
    assert "1.5 of 40 participation hours" in me.text
    assert 'value="3"' in me.text  # <progress> at 3 %
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, pair.volunteer.user.email)
    me = client.get("/me")
    assert "1 meeting to confirm" in me.text
    assert "participation hours" not in me.text
