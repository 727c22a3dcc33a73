"""A volunteer logs a meeting on a 360×740 phone; the newcomer (JavaScript off) confirms it.

The staff dashboard part of this journey is the monitoring engineer's.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.checkins.models import Activity, Checkin, CheckinStatus
from app.contracts.rules import local_date
from app.db import utcnow
from tests.browser.conftest import PHONE, fits_the_screen, login
from tests.factories import PASSWORD, make_active_contract, make_checkin

pytestmark = pytest.mark.browser


def test_volunteer_logs_on_a_phone_and_newcomer_confirms(
    page: Any, page_without_js: Any, db: Session
) -> None:
    today = local_date(utcnow(), "Europe/Brussels")
    # Weekly periods from the start: P0 = today-10 … today-4, P1 (running) = today-3 … today+3.
    contract = make_active_contract(db, start=today - timedelta(days=10), cadence="weekly")
    # Met in P0 (confirmed): a meeting logged today continues the streak.
    make_checkin(db, contract, today - timedelta(days=8), minutes=90, status="confirmed")
    db.commit()
    assert page.viewport_size == PHONE

    # The volunteer: /me → "Log a meeting" → one screen, defaults ready, big taps.
    login(page, contract.volunteer.user.email, PASSWORD)
    page.goto("/me")
    page.locator("#meetings").get_by_role("link", name="Log a meeting").click()
    page.wait_for_url(re.compile(rf"/contracts/{contract.id}/meetings/new$"))
    assert page.input_value("#f-met_on") == today.isoformat()
    assert page.input_value("#f-minutes") == "60"
    assert fits_the_screen(page)
    save = page.get_by_role("button", name="Save")
    box = save.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["y"] + box["height"] <= PHONE["height"] + 400  # reached with a short scroll
    for label in ("Practise Dutch", "Bank or paperwork"):
        tap = page.locator("label.tap", has_text=label)
        tap_box = tap.bounding_box()
        assert tap_box is not None
        assert tap_box["height"] >= 44  # a finger, not a stylus
        tap.click()
    page.fill("#f-minutes", "75")
    page.fill("#f-note", "Opened a bank account at the Grote Markt.")
    save.click()

    page.wait_for_url(re.compile(rf"/contracts/{contract.id}/meetings\?done=logged"))
    assert "Meeting saved." in page.inner_text(".flash")
    summary = page.inner_text("#summary")
    assert "2 weeks in a row" in summary  # the streak, right after saving
    assert "1.5 hours together (confirmed)" in summary  # the new one is not confirmed yet
    assert "100%" in summary  # met in every period so far
    assert fits_the_screen(page)

    db.expire_all()
    logged = db.scalar(select(Checkin).where(Checkin.met_on == today))
    assert logged is not None
    assert (logged.minutes, logged.status) == (75, CheckinStatus.pending)
    assert logged.activities == [Activity.dutch, Activity.paperwork]

    # The newcomer, without JavaScript: confirm it.
    newcomer = page_without_js
    login(newcomer, contract.newcomer.user.email, PASSWORD)
    newcomer.goto("/me")
    assert "1 meeting to confirm" in newcomer.inner_text("#meetings")
    newcomer.locator("#meetings").get_by_role("link", name="Our meetings").click()
    card = newcomer.locator(f"#meeting-{logged.id}")
    assert "Opened a bank account" in card.inner_text()
    assert fits_the_screen(newcomer)
    card.get_by_role("button", name="Yes, we met").click()
    newcomer.wait_for_url(re.compile(r"\?done=confirmed"))
    assert "the meeting is confirmed" in newcomer.inner_text(".flash")
    assert newcomer.get_attribute(f"#meeting-{logged.id}", "data-status") == "confirmed"
    summary = newcomer.inner_text("#summary")
    assert "2.7" in summary  # 90 + 75 minutes, rounded down to a tenth
    assert "2.7 of 40 participation hours" in summary

    db.expire_all()
    confirmed = db.get(Checkin, logged.id)
    assert confirmed is not None
    assert confirmed.status is CheckinStatus.confirmed
    assert confirmed.confirmed_by_id == contract.newcomer.user_id
