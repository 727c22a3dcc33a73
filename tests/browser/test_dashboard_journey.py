"""The whole journey on 360 px phones: a volunteer logs a meeting, the newcomer (JavaScript off)
confirms it, and staff see the confirmed hours on the dashboard, its chart's numbers, and the
pair that stopped meeting in the list of pairs to call."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.contracts.rules import local_date
from app.db import utcnow
from tests.browser.conftest import fits_the_screen, login
from tests.factories import (
    PASSWORD,
    make_active_contract,
    make_checkin,
    make_newcomer,
    make_staff,
)

pytestmark = pytest.mark.browser


def card_number(page: Any, card: str) -> str:
    return str(page.inner_text(f"#{card} strong")).strip()


def test_a_logged_and_confirmed_meeting_reaches_the_staff_dashboard(
    page: Any, page_without_js: Any, db: Session
) -> None:
    today = local_date(utcnow(), "Europe/Brussels")
    contract = make_active_contract(db, start=today - timedelta(days=10))
    make_checkin(db, contract, today - timedelta(days=8), minutes=90, status="confirmed")
    silent = make_active_contract(db, make_newcomer(db), start=today - timedelta(days=30))
    staff = make_staff(db)
    db.commit()

    # The volunteer logs today's meeting: 75 minutes, practising Dutch.
    login(page, contract.volunteer.user.email, PASSWORD)
    page.goto(f"/contracts/{contract.id}/meetings/new")
    page.locator("label.tap", has_text="Practise Dutch").click()
    page.fill("#f-minutes", "75")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"\?done=logged"))

    # Staff look before the newcomer confirms: only the first 1.5 hours are confirmed.
    page.context.clear_cookies()
    login(page, staff.email, PASSWORD)
    page.goto("/staff/dashboard")
    assert card_number(page, "n-hours") == "1.5"
    assert card_number(page, "n-meetings") == "2"
    assert card_number(page, "n-active") == "2"
    assert card_number(page, "n-at-risk") == "1"

    # The newcomer confirms, without JavaScript.
    newcomer = page_without_js
    login(newcomer, contract.newcomer.user.email, PASSWORD)
    newcomer.goto(f"/contracts/{contract.id}/meetings")
    newcomer.get_by_role("button", name="Yes, we met").click()
    newcomer.wait_for_url(re.compile(r"\?done=confirmed"))

    # Staff now see 2.7 hours (90 + 75 minutes, rounded down to a tenth), on a phone.
    page.reload()
    assert card_number(page, "n-hours") == "2.7"
    assert "goal per newcomer: 40 hours" in page.inner_text("#n-hours")
    assert fits_the_screen(page)
    weeks = page.locator("#chart-weeks table")
    assert weeks.locator("tbody tr").count() == 26
    assert weeks.locator("tbody tr").last.locator("td").nth(2).inner_text() == "1.2"  # 75 min
    assert page.locator("#chart-weeks svg rect").count() == 26
    # The filter keeps the numbers to one neighbourhood (everyone here lives in the centre).
    page.select_option("#f-neighbourhood", "battel")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"neighbourhood=battel"))
    assert card_number(page, "n-hours") == "0"

    # The silent pair is on the list to call, with the way to record the call.
    page.goto("/staff/dashboard")
    page.locator("#n-at-risk").click()
    page.wait_for_url(re.compile(r"/staff/dashboard/pairs"))
    row = page.locator(f"#at-risk-{silent.id}")
    assert "not meeting" in row.inner_text()
    link = row.get_by_role("link", name=re.compile("Record a call"))
    assert link.get_attribute("href") == f"/staff/contracts/{silent.id}/calls/new"
    assert page.locator(f"#at-risk-{contract.id}").count() == 0
    assert fits_the_screen(page)
