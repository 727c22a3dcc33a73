"""Benchmark of the matching engine on synthetic Mechelen-like cities.

Usage::

    .venv/bin/python bench/bench_matching.py                      # all four sizes
    .venv/bin/python bench/bench_matching.py --sizes 200x300 1000x1500 --repeat 3
    .venv/bin/python bench/bench_matching.py --markdown           # table for bench/RESULTS.md
    .venv/bin/python bench/bench_matching.py --lp linprog         # public linprog fallback

Each size and algorithm runs in a fresh child process, so the peak memory reported (the child's
maximum resident set size, ``getrusage(RUSAGE_SELF)`` at its end) is that run's alone; it
includes the interpreter, numpy/scipy and the generated population (reported separately as
"data": the resident size before solving). Times are for the ``propose_panels`` (or
``greedy_panels``) call alone. See ``bench/RESULTS.md`` for the method and the numbers.

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
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import (
    SLOTS,
    MatchingConfig,
    Newcomer,
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
# The app's fixed list (app/people/interests.py) plus goals; a few free-text ones on top.
INTERESTS = (
    "cooking", "baking", "walking", "cycling", "running", "football", "swimming", "volleyball",
    "yoga", "music", "dancing", "films", "theatre", "reading", "history", "drawing",
    "photography", "gardening", "nature", "fishing", "chess", "board-games", "sewing",
    "computers", "markets", "goal:paperwork", "goal:shopping", "goal:work", "goal:school",
    "goal:leisure", *(f"free-{k}" for k in range(40)),
)  # fmt: skip


def _interests(rng: np.random.Generator) -> set[str]:
    """2–6 interests, the listed ones far more popular than free text."""
    weights = np.array([1.0 if k < 30 else 0.1 for k in range(len(INTERESTS))])
    k = int(rng.integers(2, 7))
    return {INTERESTS[int(i)] for i in rng.choice(len(INTERESTS), size=k, replace=False,
                                                  p=weights / weights.sum())}


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
    likes = np.random.default_rng(seed + 1)  # interests apart: the rest of the city unchanged
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
            buddy_gender="same" if rng.random() < 0.3 else "any", interests=_interests(likes),
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
            buddy_gender="same" if rng.random() < 0.1 else "any", interests=_interests(likes),
            open_panels=int(rng.choice(3, p=[0.7, 0.2, 0.1])),
            free_capacity=int(rng.choice(3, p=[0.1, 0.8, 0.1]))))
    excluded = {(int(rng.integers(n)), 100_000 + int(rng.integers(m))) for _ in range(n // 10)}
    return newcomers, volunteers, excluded


def _rss_mb() -> float:
    """Current resident set size (Linux), to separate the solver's memory from the data's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def run_one(size: str, seed: int, algorithm: str) -> dict[str, object]:
    """Generate one city and solve it with one algorithm; run in a fresh child process."""
    n, m = (int(x) for x in size.split("x"))
    newcomers, volunteers, excluded = synthetic_city(n, m, seed)
    config = MatchingConfig(max_open_panels=3)
    data_mb = _rss_mb()
    solve = propose_panels if algorithm == "optimal" else greedy_panels
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve(newcomers, volunteers, config, excluded)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    s = result.summary
    free = sum(max(0, 3 - v.open_panels) for v in volunteers if v.free_capacity > 0)
    out: dict[str, object] = {
        "size": size, "wall_s": wall, "cpu_s": cpu, "data_mb": data_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective": s.objective, "total_score": s.total_score,
        "empty": s.empty_panels / n, "full": s.full_panels / n,
        "empty_with_eligible": s.empty_panels - s.shortage.newcomers_without_eligible_volunteer,
        "free_exposure_per_newcomer": free / n,
        "timings": {k: round(v, 2) for k, v in s.timings.items()},
    }
    if s.certificate is not None:
        out["certificate"] = s.certificate.to_dict()
    return out


def _child(size: str, seed: int, algorithm: str, lp: str) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--one", size, "--seed", str(seed), "--algorithm",
           algorithm, "--lp", lp]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{model}, {os.cpu_count()} cores; Python {sys.version.split()[0]}, numpy "
            f"{np.__version__}, scipy {scipy.__version__}; load average at start {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", nargs="+",
                        default=["200x300", "1000x1500", "5000x7500", "10000x15000"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help="internal: run one size in this process, print JSON")
    parser.add_argument("--algorithm", choices=["optimal", "greedy"], default="optimal")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size (fresh processes); times are the median, "
                             "memory the maximum")
    parser.add_argument("--lp", choices=["highs", "linprog"], default="highs",
                        help="linprog: force the public scipy.optimize.linprog fallback "
                             "(cold solves, no warm start) to compare")
    args = parser.parse_args()
    if args.lp == "linprog":
        import matching.lp

        matching.lp._Highs = None  # what an environment without HiGHS bindings would get
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.algorithm)))
        return
    print(_machine(), flush=True)
    rows = []
    for size in args.sizes:
        runs = [_child(size, args.seed, "optimal", args.lp) for _ in range(args.repeat)]
        opt = dict(runs[0])
        for key in ("wall_s", "cpu_s"):
            opt[key] = statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]
        opt["peak_mb"] = max(float(r["peak_mb"]) for r in runs)  # type: ignore[arg-type]
        gr = _child(size, args.seed, "greedy", args.lp)
        cert = dict(opt["certificate"])  # type: ignore[call-overload]
        row = {
            "size": size.replace("x", " × "), "wall": f"{opt['wall_s']:.2f}",
            "cpu": f"{opt['cpu_s']:.2f}", "peak": f"{opt['peak_mb']:.0f}",
            "data": f"{opt['data_mb']:.0f}",
            "obj": f"{opt['objective'] / gr['objective']:.3f}",  # type: ignore[operator]
            "score": f"{opt['total_score'] / gr['total_score']:.3f}",  # type: ignore[operator]
            "empty": f"{opt['empty']:.1%} ({opt['empty_with_eligible']})",
            "full": f"{opt['full']:.1%}", "g_empty": f"{gr['empty']:.1%}",
            "g_full": f"{gr['full']:.1%}", "g_wall": f"{gr['wall_s']:.2f}",
            "optimal": str(cert["optimal"]), "gap": f"{cert['gap']:.1e}",
            "checked": f"{cert['pairs_checked']:,}",
            "search": f"{cert['rounds']} / {cert['pricing_passes']} / {cert['candidate_pairs']:,}",
        }
        rows.append(row)
        if not args.markdown:
            print(" | ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            print(f"    phases {opt['timings']}; free exposure per newcomer "
                  f"{opt['free_exposure_per_newcomer']:.2f}", flush=True)
    if args.markdown:
        heads = ["newcomers × volunteers", "wall s", "CPU s", "peak MB (data)",
                 "objective / greedy", "score / greedy", "empty (with an eligible volunteer)",
                 "full", "greedy empty", "greedy full", "greedy wall s", "proven optimal",
                 "gap", "pairs checked", "LP solves / full passes / LP pairs"]
        print("| " + " | ".join(heads) + " |")
        print("|" + "|".join("---" for _ in heads) + "|")
        for r in rows:
            cells = [r["size"], r["wall"], r["cpu"], f"{r['peak']} ({r['data']})", r["obj"],
                     r["score"], r["empty"], r["full"], r["g_empty"], r["g_full"], r["g_wall"],
                     r["optimal"], r["gap"], r["checked"], r["search"]]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
