"""The programme's central moment, end to end in real browsers on a 360 px phone screen:
staff run a matching round → the newcomer sees five candidates with reasons → picks one →
both sign → both see an active contract with the right dates → PDF and calendar download.

The newcomer's browser has JavaScript switched off: the whole journey must work without it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts import rules
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from tests.browser.conftest import fits_the_screen, login
from tests.factories import PASSWORD, make_newcomer, make_staff, make_volunteer

pytestmark = pytest.mark.browser

NAMES = ("Griet", "Wout", "Lotte", "Bram", "Ilse", "Sofie")


def _download(page: Any, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).click()
    return Path(info.value.path()).read_bytes()


def test_round_pick_sign_and_download(
    page: Any, page_without_js: Any, db: Session, settings: Settings
) -> None:
    staff = make_staff(db, "coordinator@city.example")
    amina = make_newcomer(db, email="amina@example.org", phone="+32 470 11 22 33")
    volunteers = {}
    for name in NAMES:
        v = make_volunteer(db, email=f"{name.lower()}@example.org", phone="+32 470 99 88 77")
        v.first_name, v.last_name = name, "Vermeulen"
        volunteers[name] = v
    db.commit()

    # 1. Staff start a round (the button asks for confirmation when JavaScript is on).
    staff_page = page
    staff_page.on("dialog", lambda dialog: dialog.accept())
    login(staff_page, staff.email, PASSWORD)
    staff_page.get_by_role("link", name="Matching").first.click()
    staff_page.wait_for_url(re.compile(r"/staff/rounds$"))
    assert "1 newcomer is waiting for a panel." in staff_page.inner_text("main")
    staff_page.get_by_role("button", name="Start a matching round").click()
    staff_page.wait_for_url(re.compile(r"/staff/rounds\?done=round"))
    assert "The matching round is done." in staff_page.inner_text(".flash")
    row = staff_page.locator("table.rounds tbody tr").first.inner_text()
    assert re.search(r"\b1\s+1\s+1\s+0\s+0\b", row), row  # waiting, panels, full, partial, empty
    assert fits_the_screen(staff_page)

    # 2. The newcomer (no JavaScript) sees five candidates, each with plain reasons.
    phone = page_without_js
    login(phone, amina.user.email, PASSWORD)
    phone.wait_for_url(re.compile(r"/me$"))
    phone.get_by_role("link", name="See my candidates").click()
    phone.wait_for_url(re.compile(r"/me/panel$"))
    cards = phone.locator("li.candidate")
    assert cards.count() == 5
    for i in range(5):
        card = cards.nth(i)
        assert card.locator(".rank").inner_text() == str(i + 1)
        reasons = card.locator("ul.reasons li").all_inner_texts()
        assert "You are both free on Monday evening and Saturday morning." in reasons
        # Whose level each sentence describes: the volunteer's (their name, bidi-isolated),
        # then the reader's own.
        assert any(re.match(r"\u2068\w+\u2069 (speaks|can hold a conversation in) Dutch", r)
                   for r in reasons), reasons  # fmt: skip
        assert any(re.search(r"\. (You speak|You can hold)", r) for r in reasons), reasons
    text = phone.inner_text("main")
    assert "Vermeulen" not in text
    assert "@example.org" not in text
    assert fits_the_screen(phone)

    # 3. She picks the first one, through the confirmation page.
    chosen = cards.first.locator("h2").inner_text().split()[-1]
    assert chosen in volunteers
    cards.first.get_by_role("button", name=f"Choose {chosen}").click()
    phone.wait_for_url(re.compile(r"/me/panel/confirm\?volunteer_id=\d+"))
    phone.get_by_role("button", name=f"Yes, choose {chosen}").click()
    phone.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = phone.url
    assert "Keep what we tell each other confidential." in phone.inner_text("article")
    assert "Waiting for signatures" in phone.inner_text(".contract-status")

    # 4. She signs: full name and the commitment box.
    phone.fill("#f-full_name", "Amina Haddad")
    phone.check("input[name=commitment]")
    phone.get_by_role("button", name="Sign").click()
    phone.wait_for_url(re.compile(r"\?done=signed"))
    assert f"We are waiting for {chosen} to sign." in phone.inner_text("main")
    assert "Signed by Amina Haddad" in phone.inner_text(".signatures")

    # 5. The chosen volunteer signs from their contracts page.
    volunteer_page = staff_page
    volunteer_page.get_by_role("button", name="Log out").click()
    login(volunteer_page, volunteers[chosen].user.email, PASSWORD)
    volunteer_page.goto("/me/contracts")
    assert "Amina" in volunteer_page.inner_text("main")
    assert "amina@example.org" not in volunteer_page.inner_text("main")  # not before signing
    volunteer_page.get_by_role("link", name="Read and sign").click()
    volunteer_page.fill("#f-full_name", f"{chosen} Vermeulen")
    volunteer_page.check("input[name=commitment]")
    volunteer_page.get_by_role("button", name="Sign").click()
    volunteer_page.wait_for_url(re.compile(r"\?done=active"))
    assert "your buddy contract is active" in volunteer_page.inner_text(".flash")

    # 6. Both see an active contract from today (Brussels) for six months, with contacts.
    db.expire_all()
    contract = db.scalar(select(Contract))
    assert contract is not None
    assert contract.status is ContractStatus.active
    start = rules.local_date(utcnow(), settings.city.timezone)
    end = rules.end_date(start, 6)
    assert (contract.start_date, contract.end_date) == (start, end)
    period = (f"This agreement runs from {format_date(start, 'long', locale='en')} "
              f"to {format_date(end, 'long', locale='en')} (6 months).")
    assert period in volunteer_page.inner_text(".period")
    assert "amina@example.org" in volunteer_page.inner_text(".partner")
    assert "+32 470 11 22 33" in volunteer_page.inner_text(".partner")
    phone.goto(contract_url)
    assert "Active" in phone.inner_text(".contract-status")
    assert period in phone.inner_text(".period")
    assert f"{chosen.lower()}@example.org" in phone.inner_text(".partner")
    assert fits_the_screen(phone)

    # 7. The PDF and the calendar file download, for both.
    pdf = _download(phone, "Download as PDF")
    assert pdf.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    pdf_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Buddy agreement" in pdf_text
    assert "Signed by Amina Haddad" in pdf_text
    assert f"Signed by {chosen} Vermeulen" in pdf_text
    ics = Calendar.from_ical(_download(volunteer_page, "Add our meetings to my calendar"))
    (event,) = ics.walk("VEVENT")
    first = event.decoded("dtstart")
    assert first.weekday() == 0  # Monday
    assert first.hour == 19  # evening
    assert first.date() >= start
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    assert event["rrule"]["UNTIL"][0].date() <= end
    assert "Amina" in str(event["summary"])
