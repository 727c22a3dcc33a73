"""The people as arrays for the scorer: places on the unit sphere, slot and interest masks.

Built once per round (:class:`~matching.scoring.PairScorer`), so that the hot loop compares
whole blocks of pairs with element-wise numpy operations: slots as 21-bit masks, interests as
64-bit words over the vocabulary listed on both sides, both counted with a popcount.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching.model import SLOT_BIT, Newcomer, Volunteer

_BITWISE_COUNT = getattr(np, "bitwise_count", None)  # numpy >= 2.0
_POP_LUT: list[np.ndarray] = []


def popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each element: shared slots of 21-bit masks, shared interests of 64-bit
    words (uint8 result)."""
    if _BITWISE_COUNT is not None:
        return np.asarray(_BITWISE_COUNT(x))
    if not _POP_LUT:  # pragma: no cover - numpy 1.26: a 2 MB lookup table, built once
        bits = np.arange(1 << 21, dtype=np.uint32)
        counts = np.zeros(bits.size, dtype=np.uint8)
        for k in range(21):
            counts += ((bits >> k) & 1).astype(np.uint8)
        _POP_LUT.append(counts)
    return _POP_LUT[0][x]  # pragma: no cover


def unit_vectors(people: Sequence[Newcomer | Volunteer]) -> tuple[np.ndarray, ...]:
    """(x, y, z) of each person on the unit sphere, float32: chords stand in for distances."""
    lat = np.radians(np.array([p.lat for p in people], dtype=np.float64))
    lon = np.radians(np.array([p.lon for p in people], dtype=np.float64))
    xyz = (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
    return tuple(a.astype(np.float32) for a in xyz)


def slot_masks(people: Sequence[Newcomer | Volunteer]) -> np.ndarray:
    """Each person's weekly slots as a 21-bit mask (bit ``SLOT_BIT[slot]``)."""
    return np.array([sum(1 << SLOT_BIT[s] for s in p.availability) for p in people],
                    dtype=np.uint32)


def interest_vocabulary(newcomers: Sequence[Newcomer], volunteers: Sequence[Volunteer]
                        ) -> tuple[str, ...]:
    """Interests listed on both sides, sorted: only these can ever be shared."""
    left = set().union(*(n.interests for n in newcomers))
    right = set().union(*(v.interests for v in volunteers))
    return tuple(sorted(left & right))


def interest_masks(people: Sequence[Newcomer | Volunteer], bit: dict[str, int], words: int
                    ) -> np.ndarray:
    """(words × people) uint64: bit ``k`` of word ``k // 64`` set when the person lists key k."""
    out = np.zeros((words, len(people)), dtype=np.uint64)
    for j, p in enumerate(people):
        for key in p.interests:
            k = bit.get(key)
            if k is not None:
                out[k // 64, j] |= np.uint64(1 << (k % 64))
    return out
