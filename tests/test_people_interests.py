"""Interests: the fixed list's stable keys, free-text normalisation, what the engine compares."""

from __future__ import annotations

import pytest

from app.people import interests
from app.people.fields import check_interests


def test_normalise_case_accents_spaces_and_arabic_marks() -> None:
    assert interests.normalise("  Café   CRÈME ") == "cafe creme"
    assert interests.normalise("الطَّبْخ") == interests.normalise("الطبخ")  # harakat
    assert interests.normalise("أفلام") == interests.normalise("افلام")  # alef with hamza
    assert interests.normalise("Ｆｏｏｔｂａｌｌ") == "football"  # full-width letters


def test_split_on_latin_and_arabic_commas_and_semicolons() -> None:
    assert interests.split("chess، كرة القدم ; koken,, \n dansen") == [
        "chess", "كرة القدم", "koken", "dansen"]


@pytest.mark.parametrize("typed", ["cooking", "Koken", "cuisine", "الطبخ", " KOKEN "])
def test_a_listed_name_in_any_language_becomes_its_key(typed: str) -> None:
    assert interests.canonical([typed]) == ["cooking"]


def test_duplicates_across_languages_and_spelling_are_kept_once() -> None:
    assert interests.canonical(["Voetbal", "football", "كرة القدم", "Échecs", "echecs",
                                "Bird watching", "bird  WATCHING"]) == [
        "football", "chess", "Bird watching"]


def test_check_interests_limits() -> None:
    with pytest.raises(ValueError, match="40 characters"):
        check_interests(["x" * 41])
    with pytest.raises(ValueError, match="At most 20"):
        check_interests([f"hobby {i}" for i in range(21)])
    # 25 spellings of a handful of interests are only a handful
    assert check_interests(["Koken", "cooking", "cuisine", "الطبخ"] * 6) == ["cooking"]


def test_matching_keys_join_interests_and_goals_across_languages() -> None:
    newcomer = interests.matching_keys(["الطبخ", "Bird watching"], ["dutch", "work"])
    volunteer = interests.matching_keys(["cooking", "bird watching"], ["dutch", "work"])
    # "practise Dutch" is everyone's goal: left out so it does not lift every pair alike
    assert newcomer & volunteer == {"cooking", "bird watching", "goal:work"}


def test_labels_for_readers() -> None:
    assert interests.label("cooking", "nl") == "Koken"
    assert interests.label("cooking", "ar") == "الطبخ"
    assert interests.label("Bird watching", "fr") == "Bird watching"
    assert interests.label("cooking", "en", in_sentence=True) == "cooking"
    assert interests.label("chess club", "ar", in_sentence=True) == "\u2068chess club\u2069"
    assert interests.split_stored(["cooking", "Bird watching"]) == (["cooking"],
                                                                    ["Bird watching"])
