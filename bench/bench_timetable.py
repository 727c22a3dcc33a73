"""Benchmark of the speed-dating timetable (``matching.build_timetable``).

Usage::

    .venv/bin/python bench/bench_timetable.py                     # 200 newcomers × 5, 5 runs
    .venv/bin/python bench/bench_timetable.py --newcomers 1000 --volunteers 1500 --runs 3

The session: ``--newcomers`` newcomers, each with a panel of 5 distinct volunteers drawn from
``--volunteers`` volunteers, with a skew so some volunteers sit on many panels (the busiest
person sets the minimum number of rounds). Timed for no table limit and for a table limit that
binds (``--tables``). The reference, measured in the same run on the same pairs, is a greedy
first-fit schedule (each conversation in the first round where both people are free and a table
is left): what an organiser does on paper. It is fast but not minimal; we print both the times
and the number of rounds. Each time is the median of ``--runs`` runs. Budget: 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.timetable import build_timetable, minimum_rounds

BUDGET_S = 1.0


def session(newcomers: int, volunteers: int, seed: int) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    weights = [1.0 / (1 + i) ** 0.2 for i in range(volunteers)]  # a few very popular volunteers
    pairs = []
    for n in range(newcomers):
        panel: set[int] = set()
        while len(panel) < 5:
            panel.add(rnd.choices(range(volunteers), weights)[0])
        pairs += [(n, v) for v in sorted(panel)]
    return pairs


def greedy(pairs: list[tuple[int, int]], tables: int | None) -> int:
    """First-fit rounds (the paper method); returns the number of rounds used."""
    rounds: list[tuple[set[int], set[int]]] = []
    for n, v in pairs:
        for ns, vs in rounds:
            if n not in ns and v not in vs and (tables is None or len(ns) < tables):
                ns.add(n)
                vs.add(v)
                break
        else:
            rounds.append(({n}, {v}))
    return len(rounds)


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        began = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newcomers", type=int, default=200)
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    pairs = session(args.newcomers, args.volunteers, args.seed)
    print(f"session: {args.newcomers} newcomers × 5 candidates, {args.volunteers} volunteers, "
          f"{len(pairs)} conversations; median of {args.runs} runs")
    worst = 0.0
    for tables in (None, args.tables):
        t, rounds = median_time(partial(build_timetable, pairs, tables), args.runs)
        ref, ref_rounds = median_time(partial(greedy, pairs, tables), args.runs)
        assert isinstance(rounds, list)
        worst = max(worst, t)
        label = "no table limit" if tables is None else f"{tables} tables"
        print(f"{label:>15}: build_timetable {t * 1000:8.1f} ms, {len(rounds)} rounds "
              f"(minimum {minimum_rounds(pairs, tables)}) | greedy reference "
              f"{ref * 1000:7.1f} ms, {ref_rounds} rounds | ratio {t / ref:5.1f}× greedy, "
              f"{t / BUDGET_S:.3f} of the 1 s budget")
    print("PASS" if worst < BUDGET_S else "FAIL", f"(slowest {worst:.3f} s, budget {BUDGET_S} s)")
    if worst >= BUDGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
