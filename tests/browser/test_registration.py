"""A newcomer registers through the real form on a phone, and finds their way back in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.people.models import IntakeStatus, Newcomer
from tests.browser.conftest import fits_the_screen, login

pytestmark = pytest.mark.browser

EMAIL = "amina.haddad@example.org"
PASSWORD = "jasmine-tea-garden"


def fill_newcomer_form(page: Any, *, password: str = PASSWORD, consent: bool = True) -> None:
    page.fill("#f-email", EMAIL)
    page.fill("#f-password", password)
    page.fill("#f-first_name", "Amina")
    page.fill("#f-last_name", "Haddad")
    page.fill("#f-year_of_birth", "1991")
    page.select_option("#f-gender", "female")
    page.select_option("#f-buddy_gender", "same")
    page.fill("#f-phone", "+32 470 12 34 56")
    # Language rows: Arabic (native) and Dutch (basic).
    page.select_option("#f-lang_code_0", "ar")
    page.select_option("#f-lang_level_0", "native")
    page.select_option("#f-lang_code_1", "nl")
    page.select_option("#f-lang_level_1", "basic")
    page.select_option("#f-neighbourhood", "nekkerspoel")
    # The availability grid: three parts of the week.
    for slot in ("tue-afternoon", "thu-evening", "sat-morning"):
        page.check(f"#slot-{slot}")
    page.check("input[name=goals][value=dutch]")
    page.check("input[name=goals][value=paperwork]")
    page.fill("#f-interests", "cooking, music")
    page.check("input[name=interest_keys][value=football]")
    page.check("input[name=civic_integration]")
    if consent:
        page.check("input[name=consent]")


def test_newcomer_registers_logs_out_and_in_again(page: Any, db: Session) -> None:
    page.goto("/")
    page.get_by_role("link", name="I am new here").click()
    page.wait_for_url("**/register/newcomer")
    assert fits_the_screen(page)
    fill_newcomer_form(page)
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(re.compile(r"/me$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Amina"
    assert "Waiting for intake" in page.inner_text("#status")
    assert fits_the_screen(page)

    newcomer = db.scalar(select(Newcomer).where(Newcomer.first_name == "Amina"))
    assert newcomer is not None
    assert newcomer.intake_status is IntakeStatus.pending
    assert newcomer.availability == ["tue-afternoon", "thu-evening", "sat-morning"]
    assert newcomer.language_levels == {"ar": "native", "nl": "basic"}
    assert newcomer.neighbourhood == "nekkerspoel"
    assert newcomer.goals == ["dutch", "paperwork"]
    assert newcomer.civic_integration is True

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/me")
    page.wait_for_url(re.compile(r"/login\?next="))  # logged out for real

    login(page, EMAIL, PASSWORD)
    page.wait_for_url(re.compile(r"/me$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Amina"


def test_form_errors_keep_what_was_typed(page: Any, db: Session) -> None:
    page.goto("/register/newcomer")
    fill_newcomer_form(page, password="short", consent=False)
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()

    assert page.get_by_role("alert").first.is_visible()
    assert "Use at least 10 characters." in page.inner_text("#password-error")
    assert "privacy notice" in page.inner_text("#consent-error")
    # Everything typed is still there (except the password, which is never sent back).
    assert page.input_value("#f-email") == EMAIL
    assert page.input_value("#f-first_name") == "Amina"
    assert page.input_value("#f-year_of_birth") == "1991"
    assert page.input_value("#f-gender") == "female"
    assert page.input_value("#f-lang_code_0") == "ar"
    assert page.input_value("#f-lang_level_1") == "basic"
    assert page.input_value("#f-neighbourhood") == "nekkerspoel"
    assert page.is_checked("#slot-thu-evening")
    assert not page.is_checked("#slot-mon-morning")
    assert page.is_checked("input[name=goals][value=paperwork]")
    assert page.input_value("#f-interests") == "cooking, music"
    assert page.is_checked("input[name=interest_keys][value=football]")
    assert page.input_value("#f-password") == ""
    assert fits_the_screen(page)
    assert db.scalar(select(Newcomer)) is None

    # Correcting the two fields is enough.
    page.fill("#f-password", PASSWORD)
    page.check("input[name=consent]")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/me$"))
