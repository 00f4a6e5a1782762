"""Exact Jaccard of two shingle-hash sets and the longest passages two free texts share."""

from __future__ import annotations

import numpy as np

from archive.similar.signature import SHINGLE, han_of, position_hashes

PASSAGES = 3
PASSAGE_MIN = 12  # Han characters


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Of two sorted arrays of distinct shingle hashes (`shingle_hashes`)."""
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def shared_passages(free_a: str, hashes_b: np.ndarray, *, count: int = PASSAGES,
                    minimum: int = PASSAGE_MIN) -> list[str]:
    """The `count` longest runs of report A's Han text whose every 5-gram is in B too
    (`hashes_b`: B's shingle hashes), longest first (at least `minimum` characters)."""
    han = han_of(free_a)
    inside = np.isin(position_hashes(han), hashes_b)
    if not inside.any():
        return []
    edges = np.diff(np.concatenate(([0], inside.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs = [han[start:end - 1 + SHINGLE] for start, end in zip(starts, ends, strict=True)]
    runs = [r for r in runs if len(r) >= minimum]
    return sorted(runs, key=lambda r: (-len(r), r))[:count]
