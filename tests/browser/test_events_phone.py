"""Speed dating on a 360 px phone: the newcomer (JavaScript off) says yes on /me and sees their
conversations; the organiser opens the timetable and ticks who came."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events import service
from app.events.models import Invitation
from app.matches.models import PanelCandidate
from tests.browser.conftest import PHONE, fits_the_screen, login
from tests.events_helpers import make_event, make_panel
from tests.factories import PASSWORD, make_newcomer, make_staff, make_volunteer

pytestmark = pytest.mark.browser


def test_newcomer_and_organiser_on_a_phone(
    page: Any, page_without_js: Any, db: Session
) -> None:
    staff = make_staff(db)
    jan = make_volunteer(db, first_name="Jan", last_name="Peeters")
    els = make_volunteer(db, first_name="Els", last_name="Janssens")
    amina = make_newcomer(db, first_name="Amina", last_name="Haddad")
    panel = make_panel(db, amina, [jan, els])
    event = make_event(db, title="Kennismakingsavond", table_count=1)
    service.invite(db, event)
    for v in (jan, els):
        next(i for i in event.invitations if i.person_id == v.id).attending = True
    db.commit()

    # The newcomer, JavaScript off: invitation → yes → conversations.
    newcomer = page_without_js
    login(newcomer, amina.user.email, PASSWORD)
    newcomer.goto("/me")
    invitation = newcomer.locator(f"#event-{event.id}")
    assert "Kennismakingsavond" in invitation.inner_text()
    assert "You have not answered yet." in invitation.inner_text()
    assert fits_the_screen(newcomer)
    yes = invitation.get_by_role("button", name="Yes, I come")
    box = yes.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    yes.click()
    newcomer.wait_for_url(re.compile(r"/me\?done=answered"))
    invitation = newcomer.locator(f"#event-{event.id}")
    assert "You come. Thank you!" in invitation.inner_text()
    talks = invitation.locator("ol.conversations li").all_inner_texts()
    assert len(talks) == 2  # one table: Jan and Els one after the other
    assert any("Jan" in t for t in talks)
    assert any("Els" in t for t in talks)
    assert "Peeters" not in invitation.inner_text()
    assert fits_the_screen(newcomer)

    # The organiser, on a phone: the timetable, then the checklist.
    organiser = page
    assert organiser.viewport_size == PHONE
    login(organiser, staff.email, PASSWORD)
    organiser.goto(f"/staff/events/{event.id}")
    organiser.get_by_role("link", name="Timetable").click()
    organiser.wait_for_url(re.compile(rf"/staff/events/{event.id}/timetable$"))
    assert organiser.locator("section.round").count() == 2
    assert "Amina Haddad" in organiser.locator("#round-1").inner_text()
    organiser.goto(f"/staff/events/{event.id}/attendance")
    assert fits_the_screen(organiser)
    for name in ("Amina Haddad", "Jan Peeters"):
        tap = organiser.locator("label.tap", has_text=name)
        tap_box = tap.bounding_box()
        assert tap_box is not None
        assert tap_box["height"] >= 44
        tap.click()
    organiser.get_by_role("button", name="Save who came").click()
    organiser.wait_for_url(re.compile(rf"/staff/events/{event.id}\?done=attendance"))
    assert "came: 2" in organiser.inner_text("#event-counts")

    db.expire_all()
    came = {i.person_id for i in db.scalars(select(Invitation).where(Invitation.attended))}
    assert came == {amina.id, jan.id}
    met = {c.volunteer_id for c in db.scalars(select(PanelCandidate).where(
        PanelCandidate.panel_id == panel.id, PanelCandidate.met_event_id == event.id))}
    assert met == {jan.id}
