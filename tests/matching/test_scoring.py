"""Each hard rule and each score criterion, the vectorised engine against the formulas."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import MatchingConfig, Newcomer, Volunteer, explain, score_pairs
from matching.scoring import EARTH_RADIUS_KM

from .conftest import (
    CENTRE,
    haversine_km,
    newcomer,
    newcomers_st,
    reference_score,
    volunteer,
    volunteers_st,
)


def one(n: Newcomer, v: Volunteer, config: MatchingConfig | None = None,
        excluded: frozenset[tuple[int, int]] = frozenset()) -> float | None:
    """The score of one pair via score_pairs (None when ineligible)."""
    s = score_pairs([n], [v], config or MatchingConfig(), excluded)
    return float(s[0, 0]) if s.nnz else None


# -- hard rules -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("n_level", "v_level", "can_talk"),
    [
        ("basic", "native", True),  # the normal case: basic Dutch with a Dutch speaker
        ("basic", "fluent", True),
        ("basic", "conversational", False),
        ("basic", "basic", False),
        ("conversational", "conversational", True),
        ("fluent", "basic", True),
        ("native", "basic", True),
    ],
)
def test_language_rule(n_level: str, v_level: str, can_talk: bool) -> None:
    n = newcomer(languages={"nl": n_level})
    v = volunteer(languages={"nl": v_level})
    assert (one(n, v) is not None) is can_talk
    assert ("no_common_language" in explain(n, v, MatchingConfig()).blockers) is not can_talk


def test_language_rule_needs_a_shared_language() -> None:
    assert one(newcomer(languages={"ar": "native"}), volunteer(languages={"nl": "native"})) is None
    # one usable language is enough, even if another shared one is too weak
    n = newcomer(languages={"nl": "basic", "fr": "fluent"})
    assert one(n, volunteer(languages={"nl": "basic", "fr": "basic"})) is not None


def test_language_minimum_is_configurable() -> None:
    n, v = newcomer(languages={"nl": "basic"}), volunteer(languages={"nl": "native"})
    strict = MatchingConfig(min_language_level="conversational")
    assert one(n, v, strict) is None
    loose = MatchingConfig(min_both_level="basic")
    assert one(newcomer(languages={"nl": "basic"}), volunteer(languages={"nl": "basic"}),
               loose) is not None


def test_slot_rule() -> None:
    assert one(newcomer(availability={"mon-evening"}),
               volunteer(availability={"tue-evening"})) is None
    assert one(newcomer(availability=set()), volunteer()) is None
    assert one(newcomer(availability={"mon-evening", "sat-morning"}), volunteer()) is not None


def test_distance_rule_uses_haversine_km() -> None:
    # 0.09° of latitude ≈ 10.0 km: just inside, then just outside the 10 km default
    inside = volunteer(lat=CENTRE[0] + 0.0899)
    outside = volunteer(lat=CENTRE[0] + 0.0901)
    assert haversine_km(*CENTRE, inside.lat, inside.lon) < 10 < haversine_km(
        *CENTRE, outside.lat, outside.lon)
    assert one(newcomer(), inside) is not None
    assert one(newcomer(), outside) is None
    assert explain(newcomer(), outside, MatchingConfig()).blockers == ("too_far",)
    # Mechelen to Antwerp Centraal, about 22 km
    r = explain(newcomer(), volunteer(lat=51.2172, lon=4.4211),
                MatchingConfig(max_distance_km=30))
    assert r.distance_km == pytest.approx(21.7, abs=0.3)


@pytest.mark.parametrize(
    ("n_gender", "n_pref", "v_gender", "v_pref", "ok"),
    [
        ("f", "same", "f", "any", True),
        ("f", "same", "m", "any", False),
        ("f", "any", "m", "same", False),
        ("m", "any", "m", "same", True),
        (None, "same", None, "any", False),  # unknown gender cannot satisfy "same"
        ("x", "any", "f", "any", True),
    ],
)
def test_gender_rule(n_gender: str | None, n_pref: str, v_gender: str | None, v_pref: str,
                     ok: bool) -> None:
    n = newcomer(gender=n_gender, buddy_gender=n_pref)
    v = volunteer(gender=v_gender, buddy_gender=v_pref)
    assert (one(n, v) is not None) is ok
    assert ("gender_preference" in explain(n, v, MatchingConfig()).blockers) is not ok


def test_excluded_pairs_and_full_volunteers_are_ineligible() -> None:
    n, v = newcomer(1), volunteer(100)
    assert one(n, v, excluded=frozenset({(1, 100)})) is None
    assert one(n, v, excluded=frozenset({(1, 999), (2, 100)})) is not None
    assert explain(n, v, MatchingConfig(), {(1, 100)}).blockers == ("excluded",)
    full = volunteer(100, free_capacity=0)
    assert one(n, full) is None
    assert explain(n, full, MatchingConfig()).blockers == ("no_free_capacity",)
    # exposure is not a pair rule: a volunteer at the limit still scores
    assert one(n, volunteer(100, open_panels=5)) is not None


# -- score criteria --------------------------------------------------------------------------

def test_language_criterion_best_shared_level_and_bonus() -> None:
    cfg = MatchingConfig()
    dutch_only = explain(newcomer(languages={"ar": "native", "nl": "basic"}),
                         volunteer(languages={"nl": "native"}), cfg)
    assert dutch_only.best_level == "basic"
    assert not dutch_only.strongest_language
    assert dutch_only.language.value == pytest.approx(0.75 * 1 / 4)
    arabic = explain(newcomer(languages={"ar": "native", "nl": "basic"}),
                     volunteer(languages={"nl": "native", "ar": "conversational"}), cfg)
    assert arabic.best_level == "conversational"
    assert arabic.strongest_language
    assert arabic.language.value == pytest.approx(0.75 * 2 / 4 + 0.25)
    both_native = explain(newcomer(languages={"fr": "native"}),
                          volunteer(languages={"fr": "native"}), cfg)
    assert both_native.language.value == pytest.approx(1.0)


def test_availability_criterion_saturates() -> None:
    cfg = MatchingConfig(availability_saturation=3)
    slots = ["mon-evening", "tue-evening", "wed-evening", "thu-evening"]
    values = [explain(newcomer(availability=set(slots[:k])),
                      volunteer(availability=set(slots)), cfg).availability.value
              for k in (1, 2, 3, 4)]
    assert values == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0])


def test_proximity_criterion_halves_every_half_life() -> None:
    cfg = MatchingConfig(proximity_half_life_km=3.0)
    km_per_degree = math.pi * EARTH_RADIUS_KM / 180
    near = explain(newcomer(), volunteer(), cfg)
    three = explain(newcomer(), volunteer(lat=CENTRE[0] + 3 / km_per_degree), cfg)
    six = explain(newcomer(), volunteer(lat=CENTRE[0] + 6 / km_per_degree), cfg)
    assert near.proximity.value == pytest.approx(1.0)
    assert three.distance_km == pytest.approx(3.0, abs=1e-3)
    assert three.proximity.value == pytest.approx(0.5, abs=1e-4)
    assert six.proximity.value == pytest.approx(0.25, abs=1e-4)


def test_weights_are_normalised_and_scores_in_unit_interval() -> None:
    likes = {"cooking", "music", "chess"}
    n = newcomer(languages={"fr": "native"}, availability={"mon-evening", "tue-evening",
                                                           "wed-evening"}, interests=likes)
    v = volunteer(languages={"fr": "native"}, availability={"mon-evening", "tue-evening",
                                                            "wed-evening"}, interests=likes)
    assert one(n, v) == pytest.approx(1.0)
    assert one(n, v, MatchingConfig(weight_language=4, weight_availability=3,
                                    weight_proximity=3)) == pytest.approx(1.0)
    only_distance = MatchingConfig(weight_language=0, weight_availability=0,
                                   weight_interests=0)
    far = volunteer(languages={"fr": "native"}, availability=n.availability,
                    lat=CENTRE[0] + 0.08)
    s = one(n, far, only_distance)
    r = explain(n, far, only_distance)
    assert s is not None
    assert 0 < s < 0.2
    assert s == r.score == pytest.approx(2 ** (-r.distance_km / 3.0), abs=1e-6)


def test_score_pairs_shape_order_and_sparsity() -> None:
    ns = [newcomer(1), newcomer(2, languages={"ti": "native"})]
    vs = [volunteer(10), volunteer(11, availability={"sun-evening"}), volunteer(12)]
    s = score_pairs(ns, vs, MatchingConfig())
    assert s.shape == (2, 3)
    assert s.dtype == np.float64
    dense = s.toarray()
    assert (dense[0, [0, 2]] > 0).all()
    assert dense[0, 1] == 0
    assert s.nnz == 2  # newcomer 2 speaks only Tigrinya: no pair
    empty = score_pairs([], vs, MatchingConfig())
    assert empty.shape == (0, 3)
    assert empty.nnz == 0
    assert score_pairs(ns, [], MatchingConfig()).shape == (2, 0)


# -- the vectorised engine against the plain formulas, and explain against both --------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ns=newcomers_st(6), vs=volunteers_st(8), lang_bonus=st.sampled_from([0.0, 0.25, 0.5]),
       w_interests=st.sampled_from([0.0, 0.1, 1.0]), practice=st.sampled_from([0.0, 0.3, 0.9]))
def test_scores_match_reference_formulas(ns: list[Newcomer], vs: list[Volunteer],
                                         lang_bonus: float, w_interests: float,
                                         practice: float) -> None:
    cfg = MatchingConfig(language_bonus=lang_bonus, weight_interests=w_interests,
                         practice_weight=practice)
    dense = score_pairs(ns, vs, cfg).toarray()
    for i, n in enumerate(ns):
        for j, v in enumerate(vs):
            dist = haversine_km(n.lat, n.lon, v.lat, v.lon)
            if abs(dist - cfg.max_distance_km) < 0.01:
                continue  # float32 distances: ~1 m resolution at the limit
            ref = reference_score(n, v, cfg)
            if ref is None:
                assert dense[i, j] == 0
            else:
                assert 0 < dense[i, j] <= 1
                # float32 coordinates (~0.3 m distance error, ~1e-5 on the score) plus float32
                # sums of four weighted parts: 2.4e-5 was seen, hence 5e-5
                assert dense[i, j] == pytest.approx(ref, abs=5e-5)


@settings(max_examples=30, deadline=None)
@given(ns=newcomers_st(5), vs=volunteers_st(6), practice=st.sampled_from([0.0, 0.5]))
def test_explain_agrees_exactly_with_score_pairs(ns: list[Newcomer], vs: list[Volunteer],
                                                 practice: float) -> None:
    cfg = MatchingConfig(weight_interests=0.2, practice_weight=practice)
    dense = score_pairs(ns, vs, cfg).toarray()
    for i, n in enumerate(ns):
        for j, v in enumerate(vs):
            r = explain(n, v, cfg)
            assert r.eligible == bool(dense[i, j] > 0)
            assert r.eligible is (not r.blockers)
            if r.eligible:
                assert r.score == dense[i, j]  # bit-identical, not approximately
                parts = r.language.contribution + r.availability.contribution
                parts += r.interests.contribution
                assert parts + r.proximity.contribution == pytest.approx(r.score, abs=1e-6)
                assert r.shared_interests == tuple(sorted(n.interests & v.interests))
                assert r.shared_slots
                assert r.best_level is not None
            else:
                assert r.score is None
            json.dumps(r.to_dict())  # storable in a JSON column


def test_reasons_to_dict_is_plain_data() -> None:
    n = newcomer(languages={"ar": "native", "nl": "basic"}, availability={"sat-morning"})
    v = volunteer(languages={"nl": "native", "ar": "fluent"})
    d = explain(n, v, MatchingConfig()).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["languages"] == [
        {"code": "ar", "newcomer_level": "native", "volunteer_level": "fluent", "usable": True},
        {"code": "nl", "newcomer_level": "basic", "volunteer_level": "native", "usable": True},
    ]
    assert d["shared_slots"] == ["sat-morning"]
    assert d["blockers"] == []
    assert set(d["language"]) == {"value", "weight", "contribution"}
    assert d["best_level"] == "fluent"
    assert d["strongest_language"] is True


def _plain(value: object) -> object:
    """A generic walk: named tuples become dicts of their fields, other tuples lists."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def test_reasons_to_dict_keeps_every_field_in_order() -> None:
    """``to_dict`` is spelled out for speed: it must stay what a generic walk over the fields
    gives (records as dicts, tuples as lists), so a field added to ``Reasons`` cannot be
    forgotten in storage."""
    n = newcomer(languages={"ar": "native", "nl": "basic"}, availability={"sat-morning"},
                 interests={"cooking"})
    for v in (volunteer(languages={"nl": "native", "ar": "fluent"}, interests={"cooking"}),
              volunteer(languages={"fr": "native"}, lat=50.85, lon=4.35)):
        r = explain(n, v, MatchingConfig())
        assert json.dumps(r.to_dict()) == json.dumps(_plain(r))
        assert list(r.to_dict()) == list(r._fields)


# -- interests and Dutch practice -------------------------------------------------------------

def test_interest_criterion_counts_shared_keys_and_saturates() -> None:
    cfg = MatchingConfig()
    n = newcomer(interests={"cooking", "football", "music", "chess"})
    none = explain(n, volunteer(interests={"sewing"}), cfg)
    one_shared = explain(n, volunteer(interests={"cooking", "sewing"}), cfg)
    four = explain(n, volunteer(interests={"cooking", "football", "music", "chess"}), cfg)
    assert none.shared_interests == ()
    assert none.interests.value == 0
    assert one_shared.shared_interests == ("cooking",)
    assert one_shared.interests.value == pytest.approx(1 / 3)
    assert four.interests.value == 1.0  # saturates at interest_saturation = 3
    assert none.score is not None
    assert one_shared.score is not None
    assert four.score is not None
    assert none.score < one_shared.score < four.score
    # small by default: language, time and place still decide
    assert four.interests.weight == pytest.approx(0.1 / 1.1)


def test_interests_are_a_soft_criterion_never_a_blocker() -> None:
    cfg = MatchingConfig(weight_interests=5.0)
    assert one(newcomer(interests={"cooking"}), volunteer(), cfg) is not None
    assert one(newcomer(), volunteer(interests={"chess"}), cfg) is not None


def test_many_interests_use_several_words() -> None:
    # more keys than one 64-bit word holds: counts still add up across words
    keys = {f"k{i:03d}" for i in range(150)}
    n = newcomer(interests=keys)
    vs = [volunteer(100, interests=set(sorted(keys)[:2])),
          volunteer(101, interests=set(sorted(keys)[-70:])), volunteer(102)]
    cfg = MatchingConfig(interest_saturation=100)
    dense = score_pairs([n], vs, cfg).toarray()[0]
    for j, v in enumerate(vs):
        assert dense[j] == pytest.approx(reference_score(n, v, cfg), abs=2e-5)
        assert explain(n, v, cfg).score == dense[j]


def test_practice_weight_puts_dutch_practice_first() -> None:
    """An Arabic speaker: Arabic-speaking volunteers first by default, Flemish ones first
    when the city wants Dutch practice."""
    n = newcomer(languages={"ar": "native", "nl": "basic"})
    arabic = volunteer(100, languages={"nl": "native", "ar": "fluent"})
    flemish = volunteer(101, languages={"nl": "native"})
    default = MatchingConfig()
    assert one(n, arabic, default) > one(n, flemish, default)  # type: ignore[operator]
    practice = MatchingConfig(practice_weight=0.5)
    assert one(n, flemish, practice) > one(n, arabic, practice)  # type: ignore[operator]
    r = explain(n, flemish, practice)
    assert r.practice_only is True
    assert explain(n, arabic, practice).practice_only is False
    assert r.language.value == pytest.approx(0.5 * 0.75 / 4 + 0.5)
