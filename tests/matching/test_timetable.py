"""Property tests of the speed-dating timetable (matching.timetable)."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MatchingConfig
from matching.timetable import build_timetable, minimum_rounds, needs_interpreter


@st.composite
def panels(draw: st.DrawFn) -> list[tuple[int, str]]:
    """Random panels: each newcomer with up to five distinct volunteers, volunteers shared."""
    n_newcomers = draw(st.integers(0, 25))
    n_volunteers = draw(st.integers(1, 20))
    pairs = []
    for n in range(n_newcomers):
        panel = draw(st.sets(st.integers(0, n_volunteers - 1), max_size=5))
        pairs += [(n, f"v{v:02d}") for v in panel]
    return pairs


def lower_bound(pairs: list[tuple[int, str]], tables: int | None) -> int:
    """Independent lower bound: the busiest person talks once per round; tables cap a round."""
    busiest = max([*Counter(n for n, _ in pairs).values(),
                   *Counter(v for _, v in pairs).values()], default=0)
    by_tables = math.ceil(len(pairs) / tables) if tables and pairs else 0
    return max(busiest, by_tables)


def check(pairs: list[tuple[int, str]], tables: int | None) -> None:
    rounds = build_timetable(pairs, tables)
    held = [(c.newcomer, c.volunteer) for r in rounds for c in r]
    # Every pair exactly once, nothing else.
    assert sorted(held) == sorted(set(pairs))
    assert len(held) == len(set(held))
    for r in rounds:
        assert r, "no empty round"
        # Nobody in two places at once.
        assert len({c.newcomer for c in r}) == len(r)
        assert len({c.volunteer for c in r}) == len(r)
        assert [c.table for c in r] == list(range(1, len(r) + 1))
        if tables is not None:
            assert len(r) <= tables
    # Exactly the minimum number of rounds.
    assert len(rounds) == lower_bound(pairs, tables) == minimum_rounds(pairs, tables)
    # Balanced rounds.
    if rounds:
        sizes = [len(r) for r in rounds]
        assert max(sizes) - min(sizes) <= 1


@settings(max_examples=200, deadline=None)
@given(panels())
def test_unlimited_tables_valid_and_minimal(pairs: list[tuple[int, str]]) -> None:
    check(pairs, None)


@settings(max_examples=200, deadline=None)
@given(panels(), st.integers(1, 30))
def test_table_limit_valid_and_minimal(pairs: list[tuple[int, str]], tables: int) -> None:
    check(pairs, tables)


@settings(max_examples=50, deadline=None)
@given(panels(), st.integers(1, 30), st.randoms())
def test_deterministic_whatever_the_input_order(
    pairs: list[tuple[int, str]], tables: int, rnd: random.Random
) -> None:
    shuffled = pairs + pairs[: len(pairs) // 2]  # duplicates count once
    rnd.shuffle(shuffled)
    assert build_timetable(shuffled, tables) == build_timetable(pairs, tables)


def test_dense_complete_panels_need_exactly_five_rounds() -> None:
    # 5 newcomers all sharing the same 5 volunteers: a Latin square, 5 rounds of 5.
    pairs = [(n, f"v{v}") for n in range(5) for v in range(5)]
    rounds = build_timetable(pairs)
    assert [len(r) for r in rounds] == [5] * 5
    # Three tables: 25 conversations need ceil(25/3) = 9 rounds.
    assert len(build_timetable(pairs, 3)) == 9
    check(pairs, 3)


def test_large_random_session() -> None:
    rnd = random.Random(7)
    pairs = [(n, f"v{v:03d}") for n in range(200) for v in rnd.sample(range(400), 5)]
    for tables in (None, 40, 150):
        check(pairs, tables)


@pytest.mark.parametrize("tables", [0, -1, True, 2.5])
def test_bad_table_count(tables: object) -> None:
    with pytest.raises(ValueError, match="tables"):
        build_timetable([(1, "a")], tables)  # type: ignore[arg-type]


def test_interpreter_follows_the_matching_language_rule() -> None:
    strict = MatchingConfig(min_both_level="fluent")
    n = {"nl": "conversational", "ar": "native"}
    v = {"nl": "conversational"}
    assert not needs_interpreter(n, v)  # both conversational is enough by default
    assert needs_interpreter(n, v, strict)  # the city asks more
    assert needs_interpreter({"ar": "native"}, {"nl": "native"})
    assert not needs_interpreter({"nl": "basic"}, {"nl": "native"})
