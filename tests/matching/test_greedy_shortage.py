"""The greedy baseline and the shortage report."""

from __future__ import annotations

import pytest

from matching import MatchingConfig, Newcomer, Unmet, greedy_panels, propose_panels, scoring
from matching.shortage import area_of, shortage_report

from .conftest import newcomer, volunteer


def test_greedy_serves_longest_waiting_first_then_by_id() -> None:
    slots = {"sat-morning"}
    ns = [newcomer(3, availability=slots, waiting_days=5),
          newcomer(1, availability=slots, waiting_days=5),
          newcomer(2, availability=slots, waiting_days=50)]
    vs = [volunteer(j, availability=slots, open_panels=1) for j in (10, 11, 12)]
    result = greedy_panels(ns, vs, MatchingConfig(panel_size=2))
    assert [len(result.panels[i]) for i in (2, 1, 3)] == [2, 1, 0]
    assert list(result.panels) == [3, 1, 2]  # input order kept in the output


def test_greedy_takes_the_top_scores_with_ties_by_id() -> None:
    slots = {"sat-morning"}
    n = newcomer(1, availability=slots)
    same_place = [volunteer(j, availability=slots) for j in (14, 12, 13)]
    nearer = volunteer(20, availability=slots, lat=n.lat + 0.0001)
    farther = volunteer(5, availability=slots, lat=n.lat + 0.02)
    result = greedy_panels([n], [*same_place, nearer, farther], MatchingConfig(panel_size=3))
    assert [c.volunteer_id for c in result.panels[1]] == [12, 13, 14]
    assert [c.rank for c in result.panels[1]] == [1, 2, 3]
    result = greedy_panels([n], [nearer, farther, *same_place], MatchingConfig(panel_size=5))
    ids = [c.volunteer_id for c in result.panels[1]]
    assert ids == [12, 13, 14, 20, 5]


def test_area_falls_back_to_a_grid_cell() -> None:
    n = newcomer(1, lat=51.0301, lon=4.4799)
    assert area_of(n) == "grid:51.02,4.46"
    assert area_of(newcomer(1, lat=-0.01, lon=-0.03)) == "grid:-0.02,-0.04"
    assert area_of(newcomer(1, area="Nekkerspoel")) == "Nekkerspoel"
    # Exactly on a cell edge (51.04 / 0.02 is 2551.9999… in floating point): the cell it
    # starts, on both axes, whatever the rounding noise.
    assert area_of(newcomer(1, lat=51.04, lon=4.48)) == "grid:51.04,4.48"


def test_shortage_report_counts_missing_places() -> None:
    ns = [
        newcomer(1, languages={"ti": "native", "nl": "basic"}, availability={"mon-evening"},
                 area="north"),
        newcomer(2, languages={"ar": "native", "nl": "basic"},
                 availability={"mon-evening", "sat-morning"}, area="south"),
        newcomer(3, languages={"ar": "native"}, availability={"sat-morning"}, area="south"),
    ]
    report = shortage_report(ns, [0, 3, 5], panel_size=5, without_eligible=1)
    assert report.missing == 7
    assert report.newcomers_without_eligible_volunteer == 1
    assert report.by_language == {"nl": Unmet(2, 1, 7), "ti": Unmet(1, 1, 5),
                                  "ar": Unmet(1, 0, 2)}
    assert list(report.by_language) == ["nl", "ti", "ar"]  # most missing first
    assert report.by_slot == {"mon-evening": Unmet(2, 1, 7), "sat-morning": Unmet(1, 0, 2)}
    assert report.by_area == {"north": Unmet(1, 1, 5), "south": Unmet(1, 0, 2)}


def test_summary_shortage_points_at_the_missing_language() -> None:
    slots = {"sat-morning"}
    ns = [Newcomer(id=i, languages={"ti": "native", "nl": "basic"}, availability=slots,
                   lat=51.03, lon=4.48, area="centre") for i in (1, 2)]
    ns.append(Newcomer(id=3, languages={"ti": "native"}, availability=slots, lat=51.03,
                       lon=4.48, area="centre"))
    vs = [volunteer(10, availability=slots, lat=51.03, lon=4.48)]
    s = propose_panels(ns, vs, MatchingConfig(panel_size=2, max_open_panels=2)).summary
    assert s.empty_panels == 1
    assert s.partial_panels == 2
    assert s.shortage.by_language["ti"] == Unmet(3, 1, 4)
    assert s.shortage.by_area == {"centre": Unmet(3, 1, 4)}
    assert s.shortage.newcomers_without_eligible_volunteer == 1


def test_greedy_respects_free_exposure_ranks_ties_and_counts_the_unserved() -> None:
    slots = {"sat-morning"}
    cfg = MatchingConfig(panel_size=2, max_open_panels=2)
    ns = [newcomer(i, availability=slots, waiting_days=10 - i) for i in (1, 2, 3)]
    far = newcomer(4, availability=slots, lat=ns[0].lat + 2.0)  # 220 km: nobody eligible
    best = volunteer(30, availability=slots)  # two free places: in two panels, not more
    full = volunteer(31, availability=slots, open_panels=2)  # no free place: never proposed
    tied = [volunteer(j, availability=slots, lat=best.lat + 0.0001) for j in (41, 40)]
    result = greedy_panels([*ns, far], [best, full, *tied], cfg)
    panels = {i: [c.volunteer_id for c in p] for i, p in result.panels.items()}
    # newcomer 1 first: the best, then the lower id of two equal scores (never both ties)
    assert panels[1] == [30, 40]
    assert panels[2] == [30, 40]
    assert panels[3] == [41]  # the free places of 30 and 40 are used up
    assert panels[4] == []
    assert all(31 not in p for p in panels.values())
    assert result.summary.exposure == {30: 2, 31: 2, 40: 2, 41: 1}
    assert result.summary.shortage.newcomers_without_eligible_volunteer == 1


def test_greedy_is_the_same_when_scored_in_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big rounds are scored block by block: row numbers must carry over between blocks."""
    slots = {"sat-morning"}
    ns = [newcomer(i, availability=slots, lat=51.0257 + i / 500) for i in range(1, 6)]
    vs = [volunteer(j, availability=slots, lat=51.0257 + (j - 10) / 400) for j in (10, 11, 12)]
    cfg = MatchingConfig(panel_size=2, max_open_panels=3)
    whole = greedy_panels(ns, vs, cfg)
    monkeypatch.setattr(scoring, "BLOCK_PAIRS", 6)  # two rows of three volunteers per block
    blocks = greedy_panels(ns, vs, cfg)
    assert blocks.panels == whole.panels
    assert blocks.summary.shortage == whole.summary.shortage
    assert sum(len(p) for p in whole.panels.values()) == 9  # three volunteers × three places
