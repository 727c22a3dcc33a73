"""Input validation: clear errors naming the offending id and field."""

from __future__ import annotations

import dataclasses
import re

import pytest

from matching import SLOTS, MatchingConfig, Newcomer, propose_panels, score_pairs

from .conftest import newcomer, volunteer


def test_slots_are_the_21_weekly_slots() -> None:
    assert len(SLOTS) == 21
    assert SLOTS[0] == "mon-morning"
    assert SLOTS[-1] == "sun-evening"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"languages": {"NL": "basic"}}, "newcomer 1: languages: invalid ISO 639 code 'NL'"),
        ({"languages": {"dutch": "basic"}}, "invalid ISO 639 code 'dutch'"),
        ({"languages": {"nl": "good"}}, "newcomer 1: languages['nl']: unknown level 'good'"),
        ({"availability": {"monday"}}, "newcomer 1: availability: unknown slot name(s) ['monday']"),
        ({"lat": 91.0}, "newcomer 1: lat must be a number in [-90.0, 90.0]"),
        ({"lon": -180.5}, "newcomer 1: lon must be a number in [-180.0, 180.0]"),
        ({"lat": float("nan")}, "newcomer 1: lat must be"),
        ({"buddy_gender": "female"}, "newcomer 1: buddy_gender must be one of ('any', 'same')"),
        ({"waiting_days": -1}, "newcomer 1: waiting_days must be >= 0"),
        ({"priority": "yes"}, "newcomer 1: priority must be a bool"),
        ({"gender": 3}, "newcomer 1: gender must be a str or None"),
        ({"area": 7}, "newcomer 1: area must be a str or None"),
        ({"languages": ["nl"]}, "newcomer 1: languages must map ISO codes to levels"),
        ({"availability": "sat-morning"}, "newcomer 1: availability must be a set of slot names"),
        ({"availability": 5}, "newcomer 1: availability must be a set of slot names"),
        ({"lat": True}, "newcomer 1: lat must be a number"),
    ],
)
def test_invalid_newcomer_fields(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        newcomer(1, **overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"free_capacity": -1}, "volunteer 100: free_capacity must be an int >= 0"),
        ({"open_panels": -2}, "volunteer 100: open_panels must be an int >= 0"),
        ({"open_panels": 1.5}, "volunteer 100: open_panels must be an int >= 0"),
        ({"availability": {"sun-night"}}, "volunteer 100: availability: unknown slot"),
    ],
)
def test_invalid_volunteer_fields(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        volunteer(100, **overrides)


def test_ids_must_be_int_or_str() -> None:
    with pytest.raises(ValueError, match="newcomer id must be an int or a str"):
        newcomer(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="volunteer id must be an int or a str"):
        volunteer(True)


def test_duplicate_ids_are_rejected(config: MatchingConfig) -> None:
    with pytest.raises(ValueError, match="duplicate newcomer id 1"):
        score_pairs([newcomer(1), newcomer(1)], [volunteer(100)], config)
    with pytest.raises(ValueError, match="duplicate volunteer id 'v'"):
        propose_panels([newcomer(1)], [volunteer("v"), volunteer("v")], config)  # type: ignore[arg-type]


def test_mixed_id_types_are_rejected(config: MatchingConfig) -> None:
    with pytest.raises(ValueError, match="volunteer ids must be all int or all str"):
        score_pairs([newcomer(1)], [volunteer(100), volunteer("x")], config)  # type: ignore[arg-type]


def test_wrong_object_type_is_rejected(config: MatchingConfig) -> None:
    with pytest.raises(ValueError, match="expected Volunteer objects, got Newcomer"):
        score_pairs([newcomer(1)], [newcomer(2)], config)  # type: ignore[list-item]


def test_people_are_frozen_and_copy_their_inputs() -> None:
    langs = {"nl": "basic"}
    slots = {"sat-morning"}
    n = Newcomer(id=1, languages=langs, availability=slots, lat=51.0, lon=4.5)
    langs["fr"] = "native"
    slots.add("sun-morning")
    assert dict(n.languages) == {"nl": "basic"}
    assert n.availability == frozenset({"sat-morning"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.lat = 50.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        n.languages["en"] = "fluent"  # type: ignore[index]
    assert hash(n) == hash(Newcomer(id=1, languages={"nl": "basic"}, availability=set(),
                                    lat=0.0, lon=0.0))
    assert n == Newcomer(id=1, languages={"nl": "basic"}, availability={"sat-morning"},
                         lat=51.0, lon=4.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"panel_size": 0}, "MatchingConfig.panel_size must be an int >= 1, got 0"),
        ({"max_open_panels": 2.0}, "MatchingConfig.max_open_panels must be an int >= 1"),
        ({"weight_language": -0.1}, "MatchingConfig.weight_language must be a finite number >= 0"),
        ({"weight_language": 0, "weight_availability": 0, "weight_proximity": 0},
         "language, availability and proximity weights must not all be 0"),
        ({"max_distance_km": float("inf")}, "MatchingConfig.max_distance_km must be a finite"),
        ({"proximity_half_life_km": 0}, "MatchingConfig.proximity_half_life_km must be"),
        ({"max_distance_km": 400.0}, "at most 100 × proximity_half_life_km"),
        ({"language_bonus": 1.0}, r"MatchingConfig.language_bonus must be in \[0, 1\)"),
        ({"min_top_level": "expert"}, "MatchingConfig.min_top_level must be one of"),
        ({"extra_slot_values": (0.1, 0.2)}, "panel slot values must be non-increasing"),
        ({"first_slot_value": 0.1}, "panel slot values must be non-increasing"),
        ({"extra_slot_values": (-1.0,)}, "extra_slot_values must be a finite number >= 0"),
        ({"priority_weight": float("nan")}, "MatchingConfig.priority_weight must be"),
        ({"max_rounds": 0}, "MatchingConfig.max_rounds must be an int >= 1"),
        ({"optimality_tolerance": 0}, "MatchingConfig.optimality_tolerance must be"),
    ],
)
def test_invalid_config(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MatchingConfig(**kwargs)  # type: ignore[arg-type]


def test_config_slot_values_are_padded_and_truncated() -> None:
    assert MatchingConfig().slot_values(9.0) == (9.0, 0.2, 0.15, 0.1, 0.05)
    assert MatchingConfig(panel_size=2).slot_values(1.0) == (1.0, 0.2)
    assert MatchingConfig(panel_size=3, extra_slot_values=()).slot_values(1.0) == (1.0, 0.0, 0.0)
    assert MatchingConfig(panel_size=1).slot_values(1.0) == (1.0,)


def test_config_to_dict_has_every_field() -> None:
    d = MatchingConfig(max_open_panels=3).to_dict()
    assert d["max_open_panels"] == 3
    assert set(d) == {f.name for f in dataclasses.fields(MatchingConfig)}
