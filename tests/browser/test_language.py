"""Switching the site language: Arabic pages are laid out right to left."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_switcher_turns_the_page_right_to_left(page: Any) -> None:
    page.goto("/login")
    assert page.get_attribute("html", "dir") == "ltr"
    # With JavaScript the switcher submits itself on change; its button is hidden.
    assert not page.is_visible(".lang-switch button")
    with page.expect_navigation():
        page.select_option("#lang-select", "ar")
    assert page.url.endswith("/login")  # back where we were
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    # The choice sticks for the next page.
    page.goto("/register/newcomer")
    assert page.get_attribute("html", "dir") == "rtl"

    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.get_attribute("html", "dir") == "ltr"


def test_switcher_works_without_javascript(page_without_js: Any) -> None:
    page = page_without_js
    page.goto("/")
    page.select_option("#lang-select", "ar")
    page.locator(".lang-switch button").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
