"""The extension and carrying-on rules as plain functions (app/contracts/rules.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.contracts import rules
from app.contracts.models import ContractStatus
from app.contracts.rules import ExtensionEvent, ExtensionFacts
from app.errors import Conflict, Forbidden
from app.programme.states import carries_on

END = date(2027, 3, 31)
WAITING = ExtensionFacts(ContractStatus.active, END, 0, None)


def refusal(facts: ExtensionFacts, event: ExtensionEvent, side: str = "newcomer",
            today: date = date(2027, 3, 10), months: int = 3) -> Conflict | Forbidden | None:
    return rules.extension_refusal(facts, event, side, today, window_weeks=5, months=months)


def test_the_window_is_the_last_weeks_before_the_end_date() -> None:
    assert rules.extension_window(END, 5) == (date(2027, 2, 24), date(2027, 3, 30))
    assert refusal(WAITING, ExtensionEvent.propose, today=date(2027, 2, 24)) is None
    assert refusal(WAITING, ExtensionEvent.propose, today=date(2027, 3, 30)) is None
    for outside in (date(2027, 2, 23), END, date(2027, 4, 1)):
        found = refusal(WAITING, ExtensionEvent.propose, today=outside)
        assert isinstance(found, Conflict)
        assert found.message == "An extension can be agreed from %(first)s to %(last)s."
        assert found.params == {"first": date(2027, 2, 24), "last": date(2027, 3, 30)}


def test_one_side_proposes_the_other_accepts() -> None:
    assert refusal(WAITING, ExtensionEvent.accept) is not None  # nothing to accept yet
    assert refusal(WAITING, ExtensionEvent.decline) is not None
    proposed = ExtensionFacts(ContractStatus.active, END, 0, "volunteer")
    assert refusal(proposed, ExtensionEvent.accept, "newcomer") is None
    own = refusal(proposed, ExtensionEvent.accept, "volunteer")
    assert isinstance(own, Forbidden)  # the proposer cannot sign twice
    again = refusal(proposed, ExtensionEvent.propose, "newcomer")
    assert isinstance(again, Conflict)
    assert again.message == "An extension is already waiting for an answer."
    # Either side may take a waiting proposal back.
    assert refusal(proposed, ExtensionEvent.decline, "volunteer") is None
    assert refusal(proposed, ExtensionEvent.decline, "newcomer") is None
    # ... even on the last day, and only while the contract is active.
    assert refusal(proposed, ExtensionEvent.decline, today=date(2027, 3, 30)) is None


def test_a_contract_is_extended_once_and_only_while_active() -> None:
    extended = ExtensionFacts(ContractStatus.active, date(2027, 6, 30), 3, None)
    for event in ExtensionEvent:
        found = refusal(extended, event, today=date(2027, 6, 10))
        assert isinstance(found, Conflict)
        assert found.message == "This contract has already been extended once."
    for status in (ContractStatus.pending, ContractStatus.completed, ContractStatus.ended_early):
        found = refusal(ExtensionFacts(status, END, 0, None), ExtensionEvent.propose)
        assert isinstance(found, Conflict)
        assert found.message == "Only an active contract can be extended."
    off = refusal(WAITING, ExtensionEvent.propose, months=0)
    assert isinstance(off, Conflict)
    assert off.message == "The programme does not offer extensions."


@pytest.mark.parametrize(("end", "months", "new_end"), [
    (date(2027, 3, 31), 3, date(2027, 6, 30)),  # clamped to June's end
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2027, 11, 15), 3, date(2028, 2, 15)),
])  # fmt: skip
def test_the_new_end_date_is_three_calendar_months_later(end: date, months: int,
                                                         new_end: date) -> None:
    assert rules.extended_end(end, months) == new_end


def test_carrying_on_is_said_of_a_completed_contract_and_counted_once() -> None:
    assert rules.can_say_carrying_on(ContractStatus.completed)
    for status in (ContractStatus.active, ContractStatus.ended_early, ContractStatus.pending):
        assert not rules.can_say_carrying_on(status)
    said = datetime(2027, 4, 1, 9, tzinfo=UTC)
    assert carries_on(ContractStatus.completed, None, None) is False
    assert carries_on(ContractStatus.completed, said, None) is True
    assert carries_on(ContractStatus.completed, said, said) is True
    assert carries_on(ContractStatus.ended_early, said, None) is False
