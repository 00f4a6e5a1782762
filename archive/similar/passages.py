"""Exact Jaccard of two shingle sets and the longest passages two free texts share."""

from __future__ import annotations

import re

from archive.similar.signature import SHINGLE

PASSAGES = 3
PASSAGE_MIN = 12  # Han characters
NOT_HAN_RE = re.compile(r"[^\u3400-\u9fff]+")


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def shared_passages(free_a: str, shingles_b: set[str], *, count: int = PASSAGES,
                    minimum: int = PASSAGE_MIN) -> list[str]:
    """The `count` longest runs of report A's Han text whose every 5-gram is in B too,
    longest first (at least `minimum` characters)."""
    han = NOT_HAN_RE.sub("", free_a)
    runs: list[str] = []
    start = None
    for i in range(len(han) - SHINGLE + 2):
        inside = i <= len(han) - SHINGLE and han[i:i + SHINGLE] in shingles_b
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            runs.append(han[start:i - 1 + SHINGLE])
            start = None
    runs = [r for r in runs if len(r) >= minimum]
    return sorted(runs, key=lambda r: (-len(r), r))[:count]
