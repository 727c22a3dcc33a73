"""Benchmark of the matching engine on synthetic Mechelen-like cities.

Usage::

    .venv/bin/python bench/bench_matching.py                      # all four sizes
    .venv/bin/python bench/bench_matching.py --sizes 200x300 1000x1500
    .venv/bin/python bench/bench_matching.py --one 5000x7500      # one size, JSON line

Each size runs in a fresh subprocess, so the peak memory reported (the child's maximum resident
set size from ``getrusage(RUSAGE_CHILDREN)``) is that size's alone and includes the Python
interpreter, numpy/scipy and the generated population (about 100 MB of it is the baseline).

The city: ~10 km across around Mechelen's centre, people clustered in 12 neighbourhoods;
newcomers' languages follow a skewed popularity (Arabic, Ukrainian, Tigrinya, Dari … as listed
in ``../shared/programme.md``), nearly all have basic Dutch; volunteers speak Dutch plus French,
English and, for second-generation Mechelaars, Arabic, Tamazight or Turkish. Newcomers are
available more in daytime, volunteers more in evenings and weekends, both over 21 weekly slots.
Volunteers' free exposure (``max_open_panels`` 3 minus their current open panels, 0 when they
have no free capacity) is smaller than the five slots every newcomer's panel asks for.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import (
    SLOTS,
    MatchingConfig,
    Newcomer,
    PanelResult,
    Volunteer,
    greedy_panels,
    propose_panels,
)

CENTRE = (51.0257, 4.4776)
# (ISO 639 code, share among newcomers' mother tongues); Tamazight as Tarifit (rif), the
# Riffian Berber of most Moroccan Mechelaars.
NEWCOMER_LANGUAGES = [
    ("ar", 0.22), ("uk", 0.13), ("ti", 0.08), ("prs", 0.07), ("ps", 0.06), ("so", 0.05),
    ("rif", 0.05), ("ku", 0.04), ("fa", 0.04), ("ro", 0.04), ("ru", 0.04), ("tr", 0.04),
    ("pl", 0.03), ("bg", 0.03), ("es", 0.03), ("pt", 0.02), ("fr", 0.02), ("en", 0.01),
]
HERITAGE = [("ar", 0.10), ("rif", 0.05), ("tr", 0.05), ("pl", 0.01), ("es", 0.02)]
LEVELS = ("basic", "conversational", "fluent", "native")


def _levels(rng: np.random.Generator, probs: list[float]) -> str:
    return LEVELS[int(rng.choice(4, p=probs))]


def _slots(rng: np.random.Generator, k: int, evening_bias: float) -> set[str]:
    weights = np.array([1.0 + evening_bias * (s.endswith("evening") or s.startswith(("sat", "sun")))
                        for s in SLOTS])
    picked = rng.choice(len(SLOTS), size=k, replace=False, p=weights / weights.sum())
    return {SLOTS[int(i)] for i in picked}


def _place(rng: np.random.Generator, hoods: np.ndarray) -> tuple[float, float, str]:
    h = int(rng.integers(len(hoods)))
    dlat, dlon = rng.normal(0.0, 0.006, 2)
    return float(hoods[h, 0] + dlat), float(hoods[h, 1] + dlon), f"hood-{h:02d}"


def synthetic_city(n: int, m: int, seed: int = 0) -> tuple[list[Newcomer], list[Volunteer],
                                                             set[tuple[int, int]]]:
    """A reproducible city of ``n`` newcomers and ``m`` volunteers, and excluded pairs."""
    rng = np.random.default_rng(seed)
    # Neighbourhood centres within ~4 km of the centre (1° lat ≈ 111 km, 1° lon ≈ 70 km here).
    ang, rad = rng.uniform(0, 2 * math.pi, 12), 4.0 * np.sqrt(rng.uniform(0, 1, 12))
    hoods = np.column_stack([CENTRE[0] + rad * np.sin(ang) / 111.0,
                             CENTRE[1] + rad * np.cos(ang) / 70.0])
    codes, shares = zip(*NEWCOMER_LANGUAGES, strict=True)
    p_lang = np.array(shares) / sum(shares)
    newcomers = []
    for i in range(n):
        langs = {codes[int(rng.choice(len(codes), p=p_lang))]: "native"}
        dutch = rng.random()
        if dutch < 0.92:
            langs.setdefault("nl", "basic" if dutch < 0.7 else "conversational")
        for extra, p in (("en", 0.35), ("fr", 0.15), ("ru", 0.1)):
            if rng.random() < p:
                langs.setdefault(extra, _levels(rng, [0.3, 0.4, 0.3, 0.0]))
        lat, lon, area = _place(rng, hoods)
        newcomers.append(Newcomer(
            id=i, languages=langs, availability=_slots(rng, int(rng.integers(3, 9)), 0.0),
            lat=lat, lon=lon, gender=str(rng.choice(["f", "m"])),
            buddy_gender="same" if rng.random() < 0.3 else "any",
            priority=bool(rng.random() < 0.6), waiting_days=int(rng.exponential(30)),
            area=area))
    volunteers = []
    for j in range(m):
        langs = {"nl": "native" if rng.random() < 0.9 else "fluent"}
        for extra, p in (("fr", 0.45), ("en", 0.65)):
            if rng.random() < p:
                langs[extra] = _levels(rng, [0.2, 0.4, 0.35, 0.05])
        for code, p in HERITAGE:
            if rng.random() < p:
                langs[code] = _levels(rng, [0.1, 0.3, 0.3, 0.3])
        lat, lon, _ = _place(rng, hoods)
        volunteers.append(Volunteer(
            id=100_000 + j, languages=langs,
            availability=_slots(rng, int(rng.integers(2, 6)), 2.0),
            lat=lat, lon=lon, gender=str(rng.choice(["f", "m"])),
            buddy_gender="same" if rng.random() < 0.1 else "any",
            open_panels=int(rng.choice(3, p=[0.7, 0.2, 0.1])),
            free_capacity=int(rng.choice(3, p=[0.1, 0.8, 0.1]))))
    excluded = {(int(rng.integers(n)), 100_000 + int(rng.integers(m))) for _ in range(n // 10)}
    return newcomers, volunteers, excluded


def _shares(result: PanelResult, n: int) -> tuple[float, float]:
    s = result.summary
    return s.empty_panels / max(n, 1), s.full_panels / max(n, 1)


def run_one(size: str, seed: int) -> dict[str, object]:
    """Generate and solve one size; return the measurements (run in a child process)."""
    n, m = (int(x) for x in size.split("x"))
    newcomers, volunteers, excluded = synthetic_city(n, m, seed)
    config = MatchingConfig(max_open_panels=3)
    t0 = time.perf_counter()
    opt = propose_panels(newcomers, volunteers, config, excluded)
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    greedy = greedy_panels(newcomers, volunteers, config, excluded)
    greedy_wall = time.perf_counter() - t1
    cert = opt.summary.certificate
    assert cert is not None
    free = sum(max(0, 3 - v.open_panels) for v in volunteers if v.free_capacity > 0)
    return {
        "size": size, "wall_s": wall, "greedy_s": greedy_wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective_ratio": opt.summary.objective / greedy.summary.objective,
        "score_ratio": opt.summary.total_score / greedy.summary.total_score,
        "empty": _shares(opt, n)[0], "full": _shares(opt, n)[1],
        "greedy_empty": _shares(greedy, n)[0], "greedy_full": _shares(greedy, n)[1],
        "supply_per_newcomer": free / max(n, 1),
        "optimal": cert.optimal, "gap": cert.gap, "pairs_checked": cert.pairs_checked,
        "passes": cert.pricing_passes, "pool": cert.pool_pairs,
        "rounds": cert.rounds, "lp_pairs": cert.candidate_pairs,
        "timings": opt.summary.timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+",
                        default=["200x300", "1000x1500", "5000x7500", "10000x15000"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help="run a single size in this process, print JSON")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return
    header = (f"{'size':>12} {'wall s':>7} {'peak MB':>8} {'obj/gr':>7} {'score/gr':>8} "
              f"{'empty':>6} {'full':>6} {'gr.empty':>8} {'gr.full':>7} {'optimal':>7} "
              f"{'gap':>8} {'pairs checked':>13} {'rounds':>6} {'LP pairs':>8}")
    print(header)
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", size, "--seed", str(args.seed)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{r['size']:>12} {r['wall_s']:7.2f} {max(peak, r['peak_mb']):8.0f} "
              f"{r['objective_ratio']:7.3f} {r['score_ratio']:8.3f} {r['empty']:6.1%} "
              f"{r['full']:6.1%} {r['greedy_empty']:8.1%} {r['greedy_full']:7.1%} "
              f"{r['optimal']!s:>7} {r['gap']:8.1e} {r['pairs_checked']:13,} {r['rounds']:6} "
              f"{r['lp_pairs']:8,}", flush=True)
        print(f"{'':>12} timings: {r['timings']}  greedy {r['greedy_s']:.2f}s  "
              f"free exposure per newcomer {r['supply_per_newcomer']:.2f}", flush=True)


if __name__ == "__main__":
    main()
