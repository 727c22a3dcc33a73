"""Timetable of a speed-dating evening: who sits at which table in which round.

Every attending newcomer meets every attending volunteer of their own panel exactly once. The
conversations are the edges of a bipartite graph (newcomers on one side, volunteers on the
other); a round is a set of edges in which nobody appears twice (a matching), so a timetable is
a proper *edge colouring* and a round is a colour.

* Without a table limit the evening needs exactly Δ rounds, the largest number of conversations
  any one person has: fewer is impossible (that person talks once per round) and König's
  edge-colouring theorem says Δ colours always suffice in a bipartite graph. We *compute* such a
  colouring with the classic alternating-path recolouring: colour edges one by one; when the
  two ends have no common free colour, swap the two colours along the alternating path from one
  end (in a bipartite graph it never comes back to the other end). O(E·V) time.
* With ``T`` tables a round holds at most ``T`` conversations, so at least ``ceil(E / T)``
  rounds are needed. We colour with ``k = max(Δ, ceil(E / T))`` colours and then make the colour
  classes *equitable* (sizes differ by at most one): while a class ``a`` has at least two more
  edges than a class ``b``, some path of the ``a``/``b`` subgraph starts and ends with an
  ``a`` edge; swapping its colours moves one edge from ``a`` to ``b`` and keeps the colouring
  proper. Each class then holds at most ``ceil(E / k) <= T`` edges, so ``k``, the lower bound,
  is reached exactly.

The result depends only on the set of pairs and the table limit (pairs are sorted first), so
the same evening is always printed the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from matching.config import MatchingConfig
from matching.model import LEVEL_RANK, Id
from matching.reasons import _talk_ok


@dataclass(frozen=True)
class Conversation:
    """One conversation: ``table`` (1, 2, …), the newcomer's id and the volunteer's id."""

    table: int
    newcomer: Id
    volunteer: Id


def minimum_rounds(pairs: Iterable[tuple[Id, Id]], tables: int | None = None) -> int:
    """The smallest possible number of rounds: ``max(Δ, ceil(E / tables))``.

    Parameters
    ----------
    pairs : iterable of (newcomer id, volunteer id)
        The conversations to hold (duplicates count once).
    tables : int or None
        Number of tables (conversations at once); None for no limit.

    Returns
    -------
    int
        The lower bound, which :func:`build_timetable` always reaches.

    Examples
    --------
    >>> minimum_rounds([(1, "a"), (1, "b"), (2, "a")])
    2
    >>> minimum_rounds([(1, "a"), (2, "b"), (3, "c")], tables=2)
    2
    """
    edges = set(pairs)
    degree: dict[tuple[int, Id], int] = {}
    for n, v in edges:
        degree[(0, n)] = degree.get((0, n), 0) + 1
        degree[(1, v)] = degree.get((1, v), 0) + 1
    delta = max(degree.values(), default=0)
    if tables is None or not edges:
        return delta
    return max(delta, math.ceil(len(edges) / tables))


def build_timetable(
    pairs: Iterable[tuple[Id, Id]], tables: int | None = None
) -> list[list[Conversation]]:
    """Schedule every pair exactly once in the fewest rounds, at most ``tables`` per round.

    Parameters
    ----------
    pairs : iterable of (newcomer id, volunteer id)
        The conversations to hold; duplicates count once. Ids of one side must be mutually
        orderable (all int or all str), which makes the result deterministic.
    tables : int or None
        Number of tables; None for no limit. Must be >= 1 when given.

    Returns
    -------
    list of list of Conversation
        One list per round, exactly :func:`minimum_rounds` rounds, none empty; in each round
        nobody appears twice, tables are numbered 1, 2, … in newcomer order and round sizes
        differ by at most one.

    Raises
    ------
    ValueError
        If ``tables`` is given and is not a positive int.

    Examples
    --------
    >>> rounds = build_timetable([(1, "a"), (1, "b"), (2, "a"), (2, "b")])
    >>> [[(c.table, c.newcomer, c.volunteer) for c in r] for r in rounds]
    [[(1, 1, 'b'), (2, 2, 'a')], [(1, 1, 'a'), (2, 2, 'b')]]
    >>> len(build_timetable([(1, "a"), (2, "b"), (3, "c")], tables=1))
    3
    >>> build_timetable([])
    []
    """
    if tables is not None and (isinstance(tables, bool) or not isinstance(tables, int)
                               or tables < 1):
        raise ValueError(f"tables must be an int >= 1 or None, got {tables!r}")
    edges = sorted(set(pairs))
    if not edges:
        return []
    newcomers = sorted({n for n, _ in edges})
    volunteers = sorted({v for _, v in edges})
    index_n = {n: i for i, n in enumerate(newcomers)}
    offset = len(newcomers)
    index_v = {v: offset + j for j, v in enumerate(volunteers)}
    ends = [(index_n[n], index_v[v]) for n, v in edges]
    k = minimum_rounds(edges, tables)
    at = _colour(ends, offset + len(volunteers), k)
    _equalise(at, k)
    rounds: list[list[Conversation]] = []
    for c in range(k):
        row = sorted((u, at[u][c]) for u in range(offset) if at[u][c] >= 0)
        rounds.append([Conversation(t + 1, newcomers[u], volunteers[w - offset])
                       for t, (u, w) in enumerate(row)])
    return rounds


def _colour(ends: list[tuple[int, int]], vertices: int, k: int) -> list[list[int]]:
    """A proper k-edge-colouring (k >= Δ): ``at[x][c]`` is x's neighbour by colour c, or -1."""
    at = [[-1] * k for _ in range(vertices)]
    for u, w in ends:
        a = at[u].index(-1)  # free at u: exists because deg(u) <= Δ <= k
        if at[w][a] >= 0:
            b = at[w].index(-1)
            # Swap a/b along the path from w that starts with a; afterwards a is free at w and,
            # since the path alternates sides and u lacks a, it never reaches u.
            _swap_path(at, w, a, b)
        at[u][a] = w
        at[w][a] = u
    return at


def _path(at: list[list[int]], start: int, a: int, b: int) -> list[int]:
    """Vertices of the maximal path from ``start`` following colours a, b, a, …"""
    path = [start]
    colour, other = a, b
    x = start
    while at[x][colour] >= 0:
        x = at[x][colour]
        path.append(x)
        colour, other = other, colour
    return path


def _swap_path(at: list[list[int]], start: int, a: int, b: int) -> list[int]:
    """Exchange colours a and b on the alternating path from ``start`` (which lacks b)."""
    path = _path(at, start, a, b)
    steps = list(pairwise(path))
    for i, (x, y) in enumerate(steps):
        old = a if i % 2 == 0 else b
        at[x][old] = at[y][old] = -1
    for i, (x, y) in enumerate(steps):
        new = b if i % 2 == 0 else a
        at[x][new], at[y][new] = y, x
    return path


def _equalise(at: list[list[int]], k: int) -> None:
    """Make colour class sizes differ by at most one, keeping the colouring proper."""
    size = [sum(1 for row in at if row[c] >= 0) // 2 for c in range(k)]
    while True:
        a = max(range(k), key=lambda c: (size[c], -c))
        b = min(range(k), key=lambda c: (size[c], c))
        if size[a] - size[b] <= 1:
            return
        for x in range(len(at)):
            # A path of the a/b subgraph with more a than b edges starts and ends with a at a
            # vertex lacking b; one exists because class a is larger.
            if at[x][a] >= 0 and at[x][b] < 0 and len(_path(at, x, a, b)) % 2 == 0:
                _swap_path(at, x, a, b)
                break
        else:  # pragma: no cover - impossible by the counting argument above
            raise AssertionError("no a-heavy alternating path")
        size[a] -= 1
        size[b] += 1


def needs_interpreter(
    newcomer_languages: Mapping[str, str], volunteer_languages: Mapping[str, str],
    config: MatchingConfig | None = None,
) -> bool:
    """True when the two share no language at the level the matching rule asks.

    Parameters
    ----------
    newcomer_languages, volunteer_languages : mapping of ISO 639 code to level
        Levels from :data:`matching.LEVELS`.
    config : MatchingConfig, optional
        The city's talk rule (``min_language_level``, ``min_top_level``, ``min_both_level``).

    Returns
    -------
    bool

    Examples
    --------
    >>> needs_interpreter({"ar": "native", "nl": "basic"}, {"nl": "native"})
    False
    >>> needs_interpreter({"ti": "native"}, {"nl": "native", "en": "fluent"})
    True
    """
    cfg = config or MatchingConfig()
    shared = newcomer_languages.keys() & volunteer_languages.keys()
    return not any(
        _talk_ok(LEVEL_RANK[newcomer_languages[c]], LEVEL_RANK[volunteer_languages[c]], cfg)
        for c in shared
    )
