"""Names behind the scorer's bit masks: a pair's shared slots and shared interests.

Slots are 21-bit masks and interests 64-bit words over a sorted vocabulary (see
:mod:`matching.scoring`); reading the set bits lowest first gives the names in order, without
testing every slot or intersecting Python sets pair by pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching.scoring import PairScorer


def shared_interests(scorer: PairScorer, rows: np.ndarray, cols: np.ndarray
                      ) -> list[tuple[str, ...]]:
    """Each pair's shared interests, from the scorer's bit masks.

    Parameters
    ----------
    scorer
        The round's scorer: its masks cover the vocabulary of interests listed on both sides.
    rows, cols
        The pairs (newcomer rows, volunteer columns).

    Returns
    -------
    list of tuple of str
        Per pair, the shared interests sorted; an empty list (not one per pair) when the
        scorer keeps no masks (interests weigh nothing, or nobody lists one on both sides).

    Examples
    --------
    >>> from matching import MatchingConfig, Newcomer, Volunteer
    >>> from matching.scoring import PairScorer
    >>> n = Newcomer(id=1, languages={}, availability=set(), lat=51.0, lon=4.5,
    ...              interests={"chess", "cooking", "music"})
    >>> v = Volunteer(id=2, languages={}, availability=set(), lat=51.0, lon=4.5,
    ...               interests={"music", "chess"})
    >>> scorer = PairScorer([n], [v], MatchingConfig())
    >>> shared_interests(scorer, np.array([0]), np.array([0]))
    [('chess', 'music')]
    """
    if not scorer.vocabulary:
        return []
    words = list(zip(*((a[rows] & b[cols]).tolist() for a, b in zip(
        scorer.in_, scorer.iv, strict=True)), strict=True))
    names: dict[tuple[int, ...], tuple[str, ...]] = {}
    for key in set(words):  # the vocabulary is sorted: bits in order give sorted names
        names[key] = tuple(name for w, word in enumerate(key)
                           for name in bit_names(word, scorer.vocabulary[64 * w:]))
    return [names[key] for key in words]


def bit_names(mask: int, names: Sequence[str]) -> tuple[str, ...]:
    """``names[b]`` for each set bit ``b`` of ``mask``, lowest bit first.

    Parameters
    ----------
    mask
        A bit mask (a slot mask, or one 64-bit word of interests).
    names
        The name of each bit.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> from matching.model import SLOTS
    >>> bit_names(0b101, SLOTS)
    ('mon-morning', 'mon-evening')
    """
    found = []
    while mask:
        low = mask & -mask
        found.append(names[low.bit_length() - 1])
        mask ^= low
    return tuple(found)
