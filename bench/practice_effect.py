"""How the city's ``practice_weight`` changes who comes first, on the demo city.

Usage::

    .venv/bin/python bench/practice_effect.py                 # weights 0, 0.25, 0.5
    .venv/bin/python bench/practice_effect.py --weights 0 0.3

Loads the demo city into a throwaway SQLite database, then scores every approved newcomer
against every approved volunteer (the scores ``propose_panels`` optimises, before exposure
limits) for each weight, and runs one optimal round per weight. It prints, as Markdown:

* the demo newcomer's five best volunteers (rank, first name, the languages they could talk in);
* over all newcomers who have at least one eligible volunteer sharing a language other than
  Dutch: the share whose best-scored volunteer shares such a language, and the share of
  optimal panels whose first candidate does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matching
from app.config import load_city
from app.db import make_engine, make_sessionmaker
from app.demo.generate import DEMO_LOGINS
from app.demo.service import load_demo
from app.matches.service import engine_config, to_engine_newcomer, to_engine_volunteer
from app.migrate import upgrade
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer

CITY = Path(__file__).resolve().parents[1] / "app" / "cities" / "mechelen.json"


def _others(n: matching.Newcomer, v: matching.Volunteer, practice: str) -> list[str]:
    """Languages other than the practice language they could talk in."""
    reasons = matching.explain(n, v, matching.MatchingConfig())
    return [x.code for x in reasons.languages if x.usable and x.code != practice]


def _other_language(n: matching.Newcomer, v: matching.Volunteer, practice: str) -> bool:
    return bool(_others(n, v, practice))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.25, 0.5])
    args = parser.parse_args()
    city = load_city(CITY)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/demo.db")
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            load_demo(session, city, today=date(2026, 12, 1))
            session.commit()
            people_n = list(session.scalars(
                select(Newcomer).where(Newcomer.intake_status == IntakeStatus.approved)))
            people_v = list(session.scalars(
                select(Volunteer).where(Volunteer.vetting_status == VettingStatus.approved)))
            demo_email = DEMO_LOGINS["newcomer"]
            demo_id = next(p.id for p in people_n if p.user.email == demo_email)
            names = {v.id: v.first_name for v in people_v}
            now = people_n[0].waiting_since
            ns = [to_engine_newcomer(p, now) for p in people_n]
            # Everyone free, nobody exposed: the scores alone decide the order.
            vs = [replace(to_engine_volunteer(v, 0), free_capacity=1) for v in people_v]
        engine.dispose()
    base = engine_config(city)
    demo_row = next(i for i, n in enumerate(ns) if n.id == demo_id)
    print(f"Demo newcomer speaks {dict(ns[demo_row].languages)}\n")
    print("| practice_weight | demo newcomer's top 5 (other languages they can talk in) "
          "| best-scored shares a language beyond Dutch | optimal panels: rank 1 does |")
    print("|---|---|---|---|")
    for weight in args.weights:
        cfg = replace(base, practice_weight=weight, max_open_panels=2)
        scores = matching.score_pairs(ns, vs, cfg).toarray()
        top = np.argsort(-scores[demo_row], kind="stable")[:5]
        shown = []
        for rank, j in enumerate(top, start=1):
            extra = _others(ns[demo_row], vs[j], cfg.practice_language)
            shown.append(f"{rank}. {names[int(vs[j].id)]}" + (f" ({', '.join(extra)})"
                                                              if extra else ""))
        with_choice = best_other = 0
        for i, n in enumerate(ns):
            eligible = np.nonzero(scores[i] > 0)[0]
            if not any(_other_language(n, vs[j], cfg.practice_language) for j in eligible):
                continue
            with_choice += 1
            best = int(np.argmax(scores[i]))
            best_other += _other_language(n, vs[best], cfg.practice_language)
        result = matching.propose_panels(ns, vs, cfg)
        by_id = {v.id: v for v in vs}
        firsts = [(n, by_id[result.panels[n.id][0].volunteer_id]) for n in ns
                  if result.panels.get(n.id)]
        first_other = sum(_other_language(n, v, cfg.practice_language) for n, v in firsts)
        print(f"| {weight:g} | {'; '.join(shown)} | {best_other}/{with_choice} "
              f"({best_other / max(with_choice, 1):.0%}) | {first_other}/{len(firsts)} "
              f"({first_other / max(len(firsts), 1):.0%}) |")


if __name__ == "__main__":
    main()
