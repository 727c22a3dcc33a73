"""Start-up time of the `buddy` command, against a bare `python -c pass` in the same run.

Usage::

    .venv/bin/python bench/bench_cli.py [--runs 7]

Times `buddy --help` and `buddy tick` (on a migrated, empty SQLite database: nothing due, so
what is measured is start-up) as whole processes, median of ``--runs``; target: under 1 s each.

The commands run as installed on a server: Python may cache compiled modules (an untimed first
run writes them), even where the shell sets ``PYTHONDONTWRITEBYTECODE`` (this machine does, and
then every run compiles the application's own modules again: about 0.2 s more for `tick`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDDY = Path(sys.executable).with_name("buddy")


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BUDDY_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "BUDDY_SECRET_FILE": f"{tmp}/secret", "BUDDY_MAIL_DIR": f"{tmp}/mail"}  # fmt: skip
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([str(BUDDY), "db", "upgrade"], env=env, cwd=tmp, check=True,
                       capture_output=True)  # fmt: skip
        rows = {
            "python -c pass (reference)": [sys.executable, "-c", "pass"],
            "buddy --help": [str(BUDDY), "--help"],
            "buddy tick": [str(BUDDY), "tick"],
        }
        for cmd in rows.values():  # untimed: writes the compiled modules, as an install has
            timed(cmd, env, tmp)
        results = {name: [timed(cmd, env, tmp) for _ in range(args.runs)]
                   for name, cmd in rows.items()}  # fmt: skip
    reference = statistics.median(results["python -c pass (reference)"])
    print(f"median of {args.runs} runs\n")
    print("| command | median s | slowest s | × python -c pass | target |")
    print("|---|---:|---:|---:|---|")
    for name, times in results.items():
        median = statistics.median(times)
        target = "" if "reference" in name else ("< 1 s: met" if median < 1 else "< 1 s: NOT met")
        ratio = median / reference
        print(f"| `{name}` | {median:.2f} | {max(times):.2f} | {ratio:.1f} | {target} |")


if __name__ == "__main__":
    main()
