"""Benchmark of the matching engine on synthetic cities (``bench/cities.py``).

Usage::

    .venv/bin/python bench/bench_matching.py                      # all four sizes, Mechelen
    .venv/bin/python bench/bench_matching.py --city split         # the harder city
    .venv/bin/python bench/bench_matching.py --sizes 200x300 1000x1500 --repeat 3
    .venv/bin/python bench/bench_matching.py --markdown           # table for bench/RESULTS.md
    .venv/bin/python bench/bench_matching.py --lp linprog         # public linprog fallback

Each size and algorithm runs in a fresh child process, so the peak memory reported (the child's
maximum resident set size, ``getrusage(RUSAGE_SELF)`` at its end) is that run's alone; it
includes the interpreter, numpy/scipy and the generated population (reported separately as
"data": the resident size before solving). Times are for the ``propose_panels`` (or
``greedy_panels``) call alone. See ``bench/RESULTS.md`` for the method and the numbers.

**Reference.** Each repeat also runs, in its own child just before, ``score_pairs`` on the
same city (scoring all pairs once into a sparse matrix) and a bare scoring pass (every block
scored, eligible pairs counted, nothing kept); *ratio* is ``propose_panels``' wall time over
``score_pairs``', per repeat, and the table shows the median: the machine is shared, so
absolute times drift but the ratio of two runs taken side by side holds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: matching, bench

from bench.cities import CITIES, synthetic_city
from matching import MatchingConfig, greedy_panels, propose_panels, score_pairs
from matching.scoring import PairScorer


def _rss_mb() -> float:
    """Current resident set size (Linux), to separate the solver's memory from the data's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def run_reference(newcomers: list, volunteers: list, excluded: set, config: MatchingConfig
                  ) -> dict[str, object]:
    """Scoring all pairs once: ``score_pairs``, then a bare pass over the same blocks."""
    wall, cpu = time.perf_counter(), time.process_time()
    nnz = score_pairs(newcomers, volunteers, config, excluded).nnz
    score_s, score_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall = time.perf_counter()
    scorer = PairScorer(newcomers, volunteers, config, excluded)
    counted = sum(scorer.map_blocks(lambda r0, r1, b: int(np.count_nonzero(b > 0))))
    bare_s = time.perf_counter() - wall
    assert counted == nnz
    return {"score_s": score_s, "score_cpu": score_cpu, "bare_s": bare_s,
            "eligible": nnz / max(1, len(newcomers) * len(volunteers))}


def run_one(size: str, seed: int, algorithm: str, city: str) -> dict[str, object]:
    """Generate one city and solve it with one algorithm; run in a fresh child process."""
    n, m = (int(x) for x in size.split("x"))
    newcomers, volunteers, excluded = synthetic_city(n, m, seed, city)
    config = MatchingConfig(max_open_panels=3)
    if algorithm == "reference":
        return run_reference(newcomers, volunteers, excluded, config)
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


def _child(size: str, seed: int, algorithm: str, lp: str, city: str) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--one", size, "--seed", str(seed), "--algorithm",
           algorithm, "--lp", lp, "--city", city]
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
    parser.add_argument("--algorithm", choices=["optimal", "greedy", "reference"],
                        default="optimal")
    parser.add_argument("--city", choices=CITIES, default="mechelen")
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
        print(json.dumps(run_one(args.one, args.seed, args.algorithm, args.city)))
        return
    print(f"city {args.city}; {_machine()}", flush=True)
    rows = []
    for size in args.sizes:
        refs, runs = [], []
        for _ in range(args.repeat):  # side by side: reference, then the solver
            refs.append(_child(size, args.seed, "reference", args.lp, args.city))
            runs.append(_child(size, args.seed, "optimal", args.lp, args.city))
        opt = dict(runs[0])
        for key in ("wall_s", "cpu_s"):
            opt[key] = statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]
        opt["peak_mb"] = max(float(r["peak_mb"]) for r in runs)  # type: ignore[arg-type]
        ratio = statistics.median(float(r["wall_s"]) / float(f["score_s"])  # type: ignore[arg-type]
                                  for r, f in zip(runs, refs, strict=True))
        bare = statistics.median(float(r["wall_s"]) / float(f["bare_s"])  # type: ignore[arg-type]
                                 for r, f in zip(runs, refs, strict=True))
        score_s = statistics.median(float(f["score_s"]) for f in refs)  # type: ignore[arg-type]
        cpu_ratio = statistics.median(
            float(r["cpu_s"]) / max(float(f["score_cpu"]), 1e-9)  # type: ignore[arg-type]
            for r, f in zip(runs, refs, strict=True))
        gr = _child(size, args.seed, "greedy", args.lp, args.city)
        cert = dict(opt["certificate"])  # type: ignore[call-overload]
        row = {
            "size": size.replace("x", " × "), "wall": f"{opt['wall_s']:.2f}",
            "eligible": f"{float(refs[0]['eligible']):.0%}",  # type: ignore[arg-type]
            "ref": f"{score_s:.2f}", "ratio": f"{ratio:.2f}", "bare": f"{bare:.2f}",
            "cpu_ratio": f"{cpu_ratio:.2f}",
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
        heads = ["newcomers × volunteers", "eligible pairs", "wall s", "score_pairs s",
                 "ratio to score_pairs", "CPU ratio to score_pairs", "ratio to a bare pass",
                 "CPU s", "peak MB (data)",
                 "objective / greedy", "score / greedy", "empty (with an eligible volunteer)",
                 "full", "greedy empty", "greedy full", "greedy wall s", "proven optimal",
                 "gap", "pairs checked", "LP solves / full passes / LP pairs"]
        print("| " + " | ".join(heads) + " |")
        print("|" + "|".join("---" for _ in heads) + "|")
        for r in rows:
            cells = [r["size"], r["eligible"], r["wall"], r["ref"], r["ratio"], r["cpu_ratio"],
                     r["bare"],
                     r["cpu"], f"{r['peak']} ({r['data']})", r["obj"],
                     r["score"], r["empty"], r["full"], r["g_empty"], r["g_full"], r["g_wall"],
                     r["optimal"], r["gap"], r["checked"], r["search"]]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
