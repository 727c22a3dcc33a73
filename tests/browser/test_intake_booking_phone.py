"""A newcomer books their intake talk on a 360 px phone with JavaScript off: picks a time on
/me, sees it booked, moves it, cancels it; staff see the booking and open the intake record."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.intake import slots
from app.intake.models import IntakeBooking
from app.notifications.models import OutboxEmail
from app.people.models import IntakeStatus
from tests.browser.conftest import fits_the_screen, login
from tests.factories import PASSWORD, make_newcomer, make_staff

pytestmark = pytest.mark.browser


def test_newcomer_books_an_intake_talk_on_a_phone(
    page: Any, page_without_js: Any, db: Session
) -> None:
    staff = make_staff(db)
    amina = make_newcomer(db, intake=IntakeStatus.pending, first_name="Amina",
                          last_name="Haddad")
    start = (utcnow() + timedelta(days=6)).replace(hour=8, minute=0, second=0, microsecond=0)
    first, second = slots.create_slots(db, starts_at=start, minutes=30, count=2,
                                       place="Stadhuis, loket 4", created_by_id=staff.id)
    db.commit()

    phone = page_without_js
    login(phone, amina.user.email, PASSWORD)
    phone.goto("/me")
    section = phone.locator("#intake")
    assert "Your intake talk" in section.inner_text()
    assert fits_the_screen(phone)
    choice = section.locator("label.tap").first
    box = choice.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert section.locator("label.tap").count() == 2
    choice.click()
    book = section.get_by_role("button", name="Book this time")
    button_box = book.bounding_box()
    assert button_box is not None
    assert button_box["height"] >= 44
    book.click()
    phone.wait_for_url(re.compile(r"/me\?done=booked"))
    section = phone.locator("#intake")
    assert "Your talk is booked:" in section.inner_text()
    assert "Stadhuis, loket 4" in section.inner_text()
    assert section.locator("label.tap").count() == 1  # only the other time is offered
    assert fits_the_screen(phone)

    # Move to the other time, then check the staff's view.
    section.locator("label.tap").first.click()
    section.get_by_role("button", name="Change my talk to this time").click()
    phone.wait_for_url(re.compile(r"/me\?done=booked"))
    db.expire_all()
    booking = db.scalar(select(IntakeBooking))
    assert booking is not None
    assert booking.slot_id == second.id
    db.refresh(first)
    assert first.booked == 0  # the first time is free again

    login(page, staff.email, PASSWORD)
    page.goto(f"/staff/intake-slots/{second.id}")
    assert "Amina Haddad" in page.locator("#bookings").inner_text()
    page.get_by_role("link", name="Open the intake record").click()
    page.wait_for_url(re.compile(rf"/staff/people/{amina.id}"))
    assert "Talk booked:" in page.locator("#checklist").inner_text()

    # The newcomer cancels.
    phone.locator("#intake").get_by_role("button", name="Cancel my talk").click()
    phone.wait_for_url(re.compile(r"/me\?done=cancelled"))
    assert "Your talk is cancelled." in phone.locator("#intake").inner_text()
    assert phone.locator("#intake label.tap").count() == 2
    db.expire_all()
    assert db.scalar(select(IntakeBooking)) is None
    confirmations = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "intake_booked"))
    assert len(list(confirmations)) == 2
