"""Staff log in and approve a volunteer waiting for screening."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.people.models import VettingStatus, Volunteer
from tests.browser.conftest import fits_the_screen, login
from tests.factories import PASSWORD, make_staff, make_volunteer

pytestmark = pytest.mark.browser


def test_staff_approves_a_pending_volunteer(page: Any, db: Session) -> None:
    staff = make_staff(db, "coordinator@city.example")
    waiting = make_volunteer(db, vetting=VettingStatus.pending)
    waiting.first_name, waiting.last_name = "Griet", "Claes"
    other = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()

    login(page, staff.email, PASSWORD)
    page.wait_for_url(re.compile(r"/staff$"))
    assert page.inner_text("#count-volunteers-pending strong") == "2"

    page.get_by_role("link", name="Screening and intake").first.click()
    page.wait_for_url(re.compile(r"/staff/vetting"))
    assert fits_the_screen(page)
    card = page.locator(f"#volunteer-{waiting.id}")
    assert "Retired teacher" in card.inner_text()
    card.locator("textarea[name=note]").fill("Met at the town hall; references fine.")
    card.get_by_role("button", name="Approve Griet Claes").click()

    page.wait_for_url(re.compile(r"/staff/vetting\?done=approved"))
    assert "Griet Claes: approved." in page.inner_text(".flash")
    assert page.locator(f"#volunteer-{waiting.id}").count() == 0
    assert page.locator(f"#volunteer-{other.id}").count() == 1

    db.expire_all()
    approved = db.get(Volunteer, waiting.id)
    assert approved is not None
    assert approved.vetting_status is VettingStatus.approved
    assert approved.vetted_by_id == staff.id
    entry = db.query(AuditEntry).filter_by(subject_id=waiting.id).one()
    assert entry.full_detail["note"] == "Met at the town hall; references fine."

    # The person's file shows the decision in its history.
    page.goto(f"/staff/people/{waiting.id}")
    assert "Met at the town hall" in page.inner_text("#history")
