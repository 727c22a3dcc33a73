"""Panels of five for the whole waiting list at once, provably optimal.

Panel objective
---------------
A proposal gives newcomer ``i`` a panel ``P_i`` of distinct eligible volunteers (at most
``panel_size`` = K); volunteer ``j`` appears in at most ``b_j`` new panels, where
``b_j = max(0, max_open_panels − open_panels)`` if ``free_capacity > 0``, else 0. Among all such
proposals we maximise ::

    F = Σ_i Σ_{k=1..|P_i|} v_k  +  Σ_i Σ_{j ∈ P_i} (s_ij + c_i)

* ``s_ij`` is the pair's score (:func:`~matching.score_pairs`);
* ``c_i = priority_weight · [priority] + waiting_weight · min(waiting_days, cap) / cap`` with
  ``cap = waiting_cap_days``: a small extra weight per proposed pair for civic-integration
  newcomers and long waits;
* ``v_1 ≥ v_2 ≥ … ≥ v_K ≥ 0`` are the panel-slot values: ``v_1 = first_slot_value`` and
  ``v_2.. = extra_slot_values`` (padded with 0). Non-increasing values make a panel's value
  concave in its length, so the LP fills every newcomer's first slot before anyone's second,
  second slots before third, … whenever it can do so at a comparable score.

With ``first_slot_value=0``, ``extra_slot_values=()``, ``priority_weight=0`` and
``waiting_weight=0``, ``F`` is exactly the total score of the proposed pairs.

Serving as many newcomers as possible first
-------------------------------------------
By default ``first_slot_value`` is automatic: ``v_1 = 1 + n · (K · w_max + Σ_{k≥2} v_k)``, with
``n`` newcomers and ``w_max = 1 + priority_weight + waiting_weight`` the largest pair weight.
Write ``F = v_1 · served + G``: ``G`` (pair weights plus slots 2..K) lies in ``[0, v_1)``, so a
proposal serving one more newcomer always has the larger ``F``. Hence the optimum serves the
maximum possible number of newcomers, and then maximises ``G``. In particular **no newcomer gets
an empty panel while another gets a second candidate, whenever supply allows**: if moving
candidates around (an alternating path) could give the empty newcomer one at the expense of a
newcomer with two or more, that proposal would serve one more newcomer. A value merely larger
than the score range does *not* suffice: such a path can displace many pairs at once.

Exactness
---------
This is a b-matching (min-cost flow) problem, solved as an LP whose vertices are integral (its
constraint matrix is totally unimodular). :mod:`matching.flow` works on a candidate graph pruned
from both sides (each newcomer's best ``candidates_per_newcomer`` volunteers, each volunteer's
best ``candidates_per_volunteer`` newcomers), solves it with HiGHS' dual simplex, then checks
the reduced cost of *every* eligible pair against the duals, adds violators and re-solves until
none remain. The returned :class:`~matching.Certificate` carries the duality gap (an upper
bound on the distance to the best proposal over all eligible pairs) and the number of pairs
checked; ``optimal`` means the gap is at most ``optimality_tolerance``. The greedy baseline's
``objective`` is the same ``F``, so the two compare directly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from matching.config import MatchingConfig
from matching.flow import first_slot_value, solve_panels
from matching.model import Id, Newcomer, Volunteer, check_population
from matching.reasons import reasons_for_pairs
from matching.results import Candidate, Certificate, PanelResult, PanelSummary
from matching.scoring import PairScorer
from matching.shortage import shortage_report


def free_exposure(volunteer: Volunteer, config: MatchingConfig) -> int:
    """How many new panels the volunteer may join this round (``b_j``).

    Parameters
    ----------
    volunteer
        Their ``open_panels`` (current exposure) and ``free_capacity`` count.
    config
        ``max_open_panels`` is the exposure limit.

    Returns
    -------
    int
        ``max(0, max_open_panels − open_panels)``, or 0 without free capacity.

    Examples
    --------
    >>> from matching import MatchingConfig, Volunteer, free_exposure
    >>> v = Volunteer(id=1, languages={"nl": "native"}, availability=set(), lat=51.0,
    ...               lon=4.5, open_panels=1)
    >>> free_exposure(v, MatchingConfig(max_open_panels=3))
    2
    >>> free_exposure(Volunteer(**{**v.__dict__, "free_capacity": 0}), MatchingConfig())
    0
    """
    if volunteer.free_capacity <= 0:
        return 0
    return max(0, config.max_open_panels - volunteer.open_panels)


def pair_bonus(newcomers: Sequence[Newcomer], config: MatchingConfig) -> np.ndarray:
    """``c_i``: the per-pair extra weight of each newcomer (priority and waiting time)."""
    cap = config.waiting_cap_days
    return np.array([config.priority_weight * n.priority
                     + config.waiting_weight * min(n.waiting_days, cap) / cap
                     for n in newcomers], dtype=np.float64)


def round_setup(
    newcomers: Sequence[Newcomer], volunteers: Sequence[Volunteer], config: MatchingConfig,
    excluded: Collection[tuple[Id, Id]], newcomer_order: Sequence[Newcomer],
) -> tuple[PairScorer, np.ndarray, np.ndarray]:
    """Scorer over volunteers with free exposure (sorted by id), their ``b_j``, and ``c_i``."""
    active = sorted((v for v in volunteers if free_exposure(v, config) > 0), key=lambda v: v.id)
    scorer = PairScorer(newcomer_order, active, config, excluded)
    cap = np.array([free_exposure(v, config) for v in active], dtype=np.int64)
    return scorer, cap, pair_bonus(scorer.newcomers, config)


def assemble(
    scorer: PairScorer, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray,
    eligible_per_row: np.ndarray, newcomers: Sequence[Newcomer],
    volunteers: Sequence[Volunteer], config: MatchingConfig,
    certificate: Certificate | None, timings: dict[str, float],
) -> PanelResult:
    """Turn chosen (row, col) pairs of ``scorer`` into ranked panels and the summary."""
    order = np.lexsort((cols, -scores, rows))  # columns are sorted by id: ties by id
    rows, cols, scores = rows[order], cols[order], scores[order]
    reasons = reasons_for_pairs(scorer, rows, cols)
    # Ranks and panel boundaries from the sorted rows, so the per-pair Python is one call.
    starts = np.flatnonzero(np.diff(rows, prepend=-1))  # each panel's first pair
    sizes = np.diff(np.append(starts, rows.size))
    ids = [v.id for v in scorer.volunteers]
    candidates = list(map(Candidate, [ids[c] for c in cols.tolist()],
                          (np.arange(rows.size) - np.repeat(starts, sizes) + 1).tolist(),
                          scores.tolist(), reasons))
    by_row = {r: candidates[a:a + size] for r, a, size in zip(
        rows[starts].tolist(), starts.tolist(), sizes.tolist(), strict=True)}
    row_of = {p.id: i for i, p in enumerate(scorer.newcomers)}
    panels = {n.id: by_row.get(row_of[n.id], []) for n in newcomers}
    lengths = [len(panel) for panel in panels.values()]
    new = dict(zip(ids, np.bincount(cols, minlength=scorer.m).tolist(), strict=True))
    values = np.array(config.slot_values(first_slot_value(config, len(newcomers))))
    bonus = pair_bonus(scorer.newcomers, config)
    deg = np.bincount(rows, minlength=scorer.n)
    objective = float((values[None, :] * (np.arange(values.size) < deg[:, None])).sum()
                      + (scores + bonus[rows]).sum())
    k = config.panel_size
    summary = PanelSummary(
        objective=objective,
        total_score=float(scores.sum()),
        full_panels=sum(x == k for x in lengths),
        partial_panels=sum(0 < x < k for x in lengths),
        empty_panels=sum(x == 0 for x in lengths),
        exposure={v.id: v.open_panels + new.get(v.id, 0) for v in volunteers},
        shortage=shortage_report(newcomers, lengths, k, int((eligible_per_row == 0).sum())),
        certificate=certificate,
        timings=timings,
    )
    return PanelResult(panels, summary)


def propose_panels(
    newcomers: Sequence[Newcomer],
    volunteers: Sequence[Volunteer],
    config: MatchingConfig,
    excluded: Collection[tuple[Id, Id]] = frozenset(),
) -> PanelResult:
    """Propose a ranked panel to every waiting newcomer, optimal for the whole list at once.

    Parameters
    ----------
    newcomers, volunteers
        The round's people (validated: unique ids, one id type per side).
    config
        Panel size, exposure limit, weights and rules.
    excluded
        ``(newcomer_id, volunteer_id)`` pairs never to propose (ended or declined pairs).

    Returns
    -------
    PanelResult
        ``panels[newcomer_id]``: up to ``panel_size`` candidates, rank 1 best, for every
        newcomer in input order; ``summary``: objective, certificate, panel counts,
        exposure and the shortage report. Same input, same output.

    Examples
    --------
    Two newcomers (west, east), three volunteers who may each join one more panel (west,
    middle-west, east), panels of two:

    >>> from matching import Newcomer, Volunteer, MatchingConfig, propose_panels
    >>> slots = {"sat-morning"}
    >>> ns = [Newcomer(id=i, languages={"nl": "basic"}, availability=slots,
    ...                lat=51.03, lon=lon) for i, lon in ((1, 4.46), (2, 4.50))]
    >>> vs = [Volunteer(id=j, languages={"nl": "native"}, availability=slots, lat=51.03,
    ...                 lon=lon, open_panels=1) for j, lon in ((10, 4.46), (11, 4.475),
    ...                                                        (12, 4.50))]
    >>> res = propose_panels(ns, vs, MatchingConfig(panel_size=2))
    >>> {i: [c.volunteer_id for c in panel] for i, panel in res.panels.items()}
    {1: [10, 11], 2: [12]}
    >>> res.summary.empty_panels, res.summary.certificate.optimal
    (0, True)
    >>> res.panels[2][0].reasons.shared_slots
    ('sat-morning',)
    """
    newcomers, volunteers = check_population(newcomers, volunteers)
    scorer, cap, bonus = round_setup(newcomers, volunteers, config, excluded,
                                     sorted(newcomers, key=lambda n: n.id))
    found = solve_panels(scorer, cap, bonus, config)
    return assemble(scorer, found.rows, found.cols, found.scores, found.eligible_per_row,
                    newcomers, volunteers, config, found.certificate, found.timings)
