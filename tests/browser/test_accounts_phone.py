"""On a 360 px phone without JavaScript: a newcomer chooses a password with the desk's code,
and a new staff member sets up two-step login with the QR page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session

from app.auth import onetime
from tests.browser.conftest import fits_the_screen
from tests.factories import PASSWORD, make_newcomer, make_staff

pytestmark = pytest.mark.browser


def test_newcomer_uses_the_desk_code_on_a_phone(page_without_js: Any, db: Session) -> None:
    page = page_without_js
    person = make_newcomer(db, email="hodan@example.org", first_name="Hodan")
    code = onetime.issue_setup_code(db, person.user, timedelta(days=14))
    db.commit()
    page.goto("/login")
    page.get_by_role("link", name="I have a code from the welcome desk").click()
    page.wait_for_url(re.compile(r"/set-password"))
    assert fits_the_screen(page)
    page.fill("#f-code", code.upper())
    page.fill("#f-new_password", "my own river song")
    page.get_by_role("button", name="Save and log in").click()
    page.wait_for_url(re.compile(r"/me$"))
    assert "Hodan" in page.inner_text("h1")


def test_new_staff_sets_up_two_step_login_on_a_phone(page_without_js: Any, db: Session) -> None:
    page = page_without_js
    page.set_default_timeout(30_000)  # enrolment hashes ten recovery codes: slow on a busy CI
    make_staff(db, "first.day@city.example")
    db.commit()
    page.goto("/login")
    page.fill("#f-email", "first.day@city.example")
    page.fill("#f-password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/login/code/setup"))
    assert fits_the_screen(page)
    assert page.locator("figure.qr svg").count() == 1
    secret = page.inner_text("#otp-secret")
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step login").click()
    assert page.locator(".recovery-codes li").count() == 10
    assert fits_the_screen(page)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/staff$"))
