"""Contract lifecycle rules: plain functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.contracts.models import ContractStatus as S
from app.contracts.rules import (
    ContractEvent as E,
)
from app.contracts.rules import (
    add_months,
    allowed,
    contact_visible,
    contract_transition,
    end_date,
    is_due_to_complete,
    local_date,
    signature_problems,
    sources,
    start_date,
)
from app.errors import Conflict

ALLOWED = {
    (S.pending, E.first_signature): S.pending,
    (S.pending, E.second_signature): S.active,
    (S.pending, E.decline): S.declined,
    (S.pending, E.end_early): S.ended_early,
    (S.active, E.end_early): S.ended_early,
    (S.active, E.complete): S.completed,
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(E))
def test_every_transition(state: S, event: E) -> None:
    expected = ALLOWED.get((state, event))
    assert allowed(state, event) is (expected is not None)
    if expected is None:
        with pytest.raises(Conflict) as info:
            contract_transition(state, event)
        assert info.value.status_code == 409
        assert info.value.message  # a message the reader can understand
    else:
        assert contract_transition(state, event) is expected


def test_final_states_accept_nothing() -> None:
    for state in (S.completed, S.ended_early, S.declined):
        assert not any(allowed(state, event) for event in E)


def test_sources() -> None:
    assert sources(E.end_early) == (S.pending, S.active)
    assert sources(E.complete) == (S.active,)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # clamped to February's end
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),  # across the year
        (date(2026, 7, 1), 24, date(2028, 7, 1)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
    assert end_date(start, months) == expected


def test_start_date_is_second_signature_or_later_request() -> None:
    signed = date(2026, 12, 1)
    assert start_date(signed, None) == signed
    assert start_date(signed, date(2026, 12, 10)) == date(2026, 12, 10)
    assert start_date(signed, date(2026, 11, 20)) == signed  # never before signing


def test_local_date_uses_city_timezone() -> None:
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Brussels
    assert local_date(late, "Europe/Brussels") == date(2026, 12, 1)
    assert local_date(late, "UTC") == date(2026, 11, 30)


def test_due_to_complete() -> None:
    today = date(2027, 6, 1)
    assert is_due_to_complete(S.active, date(2027, 6, 1), today)
    assert is_due_to_complete(S.active, date(2027, 5, 1), today)
    assert not is_due_to_complete(S.active, date(2027, 6, 2), today)
    assert not is_due_to_complete(S.pending, date(2027, 5, 1), today)
    assert not is_due_to_complete(S.active, None, today)


def test_contact_visible_only_once_signed() -> None:
    assert contact_visible(S.active)
    assert contact_visible(S.completed)
    assert not any(contact_visible(s) for s in (S.pending, S.declined, S.ended_early))


def test_signature_problems_are_all_reported_at_once() -> None:
    today = date(2026, 12, 2)
    problems = signature_problems(" A ", date(2026, 12, 1), today)
    assert [p.field for p in problems] == ["full_name", "start_date"]
    assert signature_problems("Amina Haddad", today, today) == []  # today is not the past
    assert signature_problems("Amina Haddad", None, today) == []
