"""A newcomer without email reads their inbox on a 360 px phone: logged in with a phone number,
the unread count in the navigation, the list, one message (in Arabic, right to left), and the
count gone once it is read. JavaScript off for the reading part: the inbox needs none."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.matches import service as matches
from tests.browser.conftest import PHONE, fits_the_screen, login
from tests.factories import PASSWORD, make_newcomer, make_volunteer

pytestmark = pytest.mark.browser


def test_phone_only_newcomer_reads_the_inbox_on_a_phone(
    page_without_js: Any, db: Session, settings: Settings
) -> None:
    page = page_without_js
    newcomer = make_newcomer(db, first_name="Hodan")
    newcomer.user.email, newcomer.user.phone, newcomer.user.locale = None, "+32470112233", "ar"
    make_volunteer(db, first_name="Ann")
    db.info["settings"] = settings
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    db.commit()
    assert page.viewport_size == PHONE

    login(page, "0470 11 22 33", PASSWORD)
    page.goto("/me/messages")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#unread-count").is_visible()
    assert fits_the_screen(page)
    link = page.locator("#inbox a").first
    box = link.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    link.click()
    page.wait_for_url(re.compile(r"/me/messages/\d+$"))
    assert page.locator("#message").is_visible()
    assert page.locator("#message a[href$='/me/panel']").count() == 1
    assert page.locator("#unread-count").count() == 0  # read now
    assert fits_the_screen(page)
