"""Every language the city offers, on a 360 px phone: the public home page, the registration
form and a newcomer's /me page have the right ``lang`` and ``dir``, never scroll sideways, and
really draw their script (a screenshot that is not blank; for Tigrinya, Chromium draws the
Ethiopic text with an Ethiopic font, not with empty boxes), and axe-core finds no violation.

One browser, one context per locale, three pages each: about a second per locale.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from PIL import Image
from sqlalchemy.orm import Session

from app.config import CITIES_DIR, load_city
from app.i18n.catalog import locale_display_name, text_direction
from tests.browser.conftest import fits_the_screen
from tests.factories import PASSWORD, make_newcomer

pytestmark = pytest.mark.browser

LOCALES = tuple(load_city(CITIES_DIR / "mechelen.json").locales)
AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
_AXE = """async () => JSON.stringify(
  (await axe.run(document, {resultTypes: ['violations']})).violations)"""


def _fonts_drawing(page: Any, selector: str) -> dict[str, int]:
    """The fonts Chromium really used for the text of ``selector``, with glyph counts."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {f["familyName"]: f["glyphCount"] for f in fonts}


def _looks_drawn(png: bytes) -> bool:
    """Not a blank page: a fair share of pixels differ from the most common (background) one."""
    image = Image.open(BytesIO(png)).convert("L")
    histogram = image.histogram()
    background = max(histogram)
    return (sum(histogram) - background) / sum(histogram) > 0.01


def _check(page: Any, locale: str, path: str) -> None:
    page.goto(path)
    assert page.get_attribute("html", "lang") == locale, path
    direction = text_direction(locale)
    assert page.get_attribute("html", "dir") == direction, path
    assert page.evaluate("getComputedStyle(document.body).direction") == direction, path
    assert fits_the_screen(page), f"{locale} {path} scrolls sideways"
    assert _looks_drawn(page.screenshot()), f"{locale} {path} looks blank"
    # The picker shows the current language in its own name, and Chromium has glyphs for it:
    # no tofu, i.e. a real font of the script drew every character.
    option = f'#lang-select option[value="{locale}"]'
    assert page.inner_text(option) == locale_display_name(locale)
    used = _fonts_drawing(page, "h1")
    assert used, (locale, path)
    assert all(count > 0 for count in used.values()), (locale, path, used)
    violations = [(v["id"], [n["target"] for n in v["nodes"][:3]])
                  for v in json.loads(page.evaluate(_AXE))]  # fmt: skip
    assert not violations, (locale, path, violations)


@pytest.mark.parametrize("locale", LOCALES)
def test_newcomer_pages_in_every_locale(
    browser: Any, server_url: str, db: Session, locale: str
) -> None:
    newcomer = make_newcomer(db, email=f"locale-{locale}@example.org")
    newcomer.user.locale = locale
    db.commit()
    context = browser.new_context(
        base_url=server_url, viewport={"width": 360, "height": 740}, locale="en-GB",
        bypass_csp=True,  # axe-core is injected by the test, not served by the app
    )
    context.add_init_script(path=str(AXE_JS))
    context.add_cookies([{"name": "buddy_locale", "value": locale, "url": server_url}])
    page = context.new_page()
    try:
        _check(page, locale, "/")
        _check(page, locale, "/register/newcomer")
        page.goto("/login")
        page.fill("#f-email", newcomer.user.email)
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/me")
        _check(page, locale, "/me")
        if locale == "ti":
            # The picker's own name, "ትግርኛ", is always Ethiopic, translated or not.
            page.evaluate(
                "document.querySelector('h1').insertAdjacentHTML('afterend',"
                " '<p id=\"ethiopic\">' + document.querySelector("
                " '#lang-select option[value=ti]').textContent + '</p>')"
            )
            # The new paragraph is drawn at the next frame, with its font loaded: wait for both
            # (on a busy machine Chromium may not have laid it out when asked at once).
            page.wait_for_function(
                "document.fonts.status === 'loaded'"
                " && document.querySelector('#ethiopic').getBoundingClientRect().width > 0"
            )
            used: dict[str, int] = {}
            for _ in range(20):
                used = _fonts_drawing(page, "#ethiopic")
                if used:
                    break
                page.wait_for_timeout(100)
            assert any("Ethiopic" in name for name in used), used
    finally:
        context.close()
