"""What a phone shows: LTR data in order on Arabic pages, tappable collapsibles, and dashboard
charts that give way to their tables when their labels would be too small to read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth.models import TokenKind, User
from app.auth.service import issue_token
from app.deps import SESSION_COOKIE
from tests.browser.conftest import PHONE
from tests.factories import make_active_contract, make_staff

PHONE_NUMBER = "+32 458 52 82 36"

# Where each character of an element's text is drawn, in the string's order: (line, centre).
_CHAR_CENTRES = """el => {
  const node = el.firstChild.nodeType === 3 ? el.firstChild : el.firstChild.firstChild;
  const range = document.createRange(), centres = [];
  for (let i = 0; i < node.textContent.length; i++) {
    if (node.textContent[i] === ' ') continue;
    range.setStart(node, i); range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    centres.push([Math.round(r.top), r.left + r.width / 2]);
  }
  return centres;
}"""


def _reads_left_to_right(centres: list[list[float]]) -> bool:
    """Line by line from the top, each line from left to right (a long e-mail may wrap)."""
    return [tuple(c) for c in centres] == sorted(tuple(c) for c in centres)


def _logged_in(browser: Any, server_url: str, db: Session, user: User, locale: str,
               width: int = PHONE["width"]) -> Any:  # fmt: skip
    user.locale = locale
    token = issue_token(db, user, TokenKind.session, timedelta(hours=1))
    db.commit()
    context = browser.new_context(
        base_url=server_url, viewport={**PHONE, "width": width}, locale=locale
    )
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server_url}])
    return context


def test_phone_and_email_render_left_to_right_on_an_arabic_page(
    browser: Any, server_url: str, db: Session
) -> None:
    contract = make_active_contract(db)
    contract.volunteer.phone = PHONE_NUMBER
    context = _logged_in(browser, server_url, db, contract.newcomer.user, "ar")
    try:
        page = context.new_page()
        page.goto(f"/contracts/{contract.id}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        phone = page.locator('a[href^="tel:"]')
        assert phone.inner_text() == PHONE_NUMBER
        centres = phone.evaluate(_CHAR_CENTRES)
        # "+32 458 52 82 36" reads left to right on one line: "+" leftmost, the last "6" rightmost.
        assert len({top for top, _ in centres}) == 1, centres
        assert _reads_left_to_right(centres), centres
        email = page.locator('a[href^="mailto:"]')
        centres = email.evaluate(_CHAR_CENTRES)
        assert _reads_left_to_right(centres), (email.inner_text(), centres)
        page.goto("/me/contracts")
        contact = page.locator(".contract-list .contact bdi").first
        assert _reads_left_to_right(contact.evaluate(_CHAR_CENTRES))
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["nl", "en", "fr", "ar"])
def test_collapsible_sections_show_an_open_close_marker(
    browser: Any, server_url: str, db: Session, locale: str
) -> None:
    contract = make_active_contract(db)
    context = _logged_in(browser, server_url, db, contract.volunteer.user, locale)
    try:
        page = context.new_page()
        page.goto(f"/contracts/{contract.id}")
        summary = page.locator("details#end > summary")
        marker = """s => { const m = getComputedStyle(s, '::before');
                           return {content: m.content, width: parseFloat(m.width),
                                   transform: m.transform, cursor: getComputedStyle(s).cursor}; }"""
        closed = summary.evaluate(marker)
        assert closed["content"] not in ("none", "normal"), closed
        assert closed["width"] > 4, closed
        assert closed["cursor"] == "pointer"
        summary.click()
        assert page.locator("details#end").evaluate("d => d.open")
        # The marker turns with a short CSS transition: wait for it to leave the closed angle
        # (on a busy machine the first frame can still show it).
        page.wait_for_function(
            "before => getComputedStyle(document.querySelector('details#end > summary'),"
            " '::before').transform !== before",
            arg=closed["transform"], timeout=5000,
        )
        opened = summary.evaluate(marker)
        assert opened["transform"] != closed["transform"]  # the marker turns
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["nl", "ar"])
def test_dashboard_charts_give_way_to_tables_on_a_phone(
    browser: Any, server_url: str, db: Session, locale: str
) -> None:
    staff = make_staff(db)
    for width in (PHONE["width"], 1024):
        context = _logged_in(browser, server_url, db, staff, locale, width)
        try:
            page = context.new_page()
            page.goto("/staff/dashboard")
            for figure in page.locator("figure").all():
                chart, table = figure.locator("svg.chart"), figure.locator(".chart-table table")
                if not chart.count():
                    continue
                if width == PHONE["width"]:
                    assert not chart.is_visible()
                    assert table.is_visible()
                    size = table.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
                    assert size >= 12
                else:
                    assert chart.is_visible()
                    # The labels are 11 units in a 640-unit box: drawn at >= 12 px.
                    label = chart.evaluate(
                        "s => s.getBoundingClientRect().width / s.viewBox.baseVal.width"
                        " * parseFloat(getComputedStyle(s.querySelector('text')).fontSize)"
                    )
                    assert label >= 12, label
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()
