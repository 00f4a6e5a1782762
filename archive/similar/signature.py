"""Shingles, MinHash signatures and LSH band keys of a report's free text.

Shingles are 5-grams of the free text's Han characters (everything else dropped: numbers
change every year, Latin is rare and noisy). They are worked on as 64-bit hashes
(`shingle_hashes`: a polynomial rolling hash of the code points, computed for every
position at once with numpy, then mixed), so a report's set is one sorted array and an
exact Jaccard is one `intersect1d`. A signature is a datasketch `MinHash` with `NUM_PERM`
permutations over the hashes' low 32 bits (scheme affine32, so each value fits 4 bytes
and a signature is stored as a 512-byte blob). The LSH banding (b bands of r rows)
is the one datasketch's `MinHashLSH` chooses for `LSH_THRESHOLD`; a band's key is a
64-bit digest of its values, stored in the archive so a new report is compared with the
index by looking up its own b keys.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np
from datasketch import MinHash, MinHashLSH

SHINGLE = 5
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
LSH_THRESHOLD = 0.3
MIN_SHINGLES = 40  # fewer than this: too little free text to call anything a copy
NOT_HAN_RE = re.compile(r"[^\u3400-\u9fff]+")


def shingles(free: str, size: int = SHINGLE) -> set[str]:
    """The set of `size`-character runs of the free text's Han characters."""
    han = NOT_HAN_RE.sub("", free)
    return {han[i:i + size] for i in range(len(han) - size + 1)}


MULTIPLIER = np.uint64(0x100000001B3)  # FNV-64 prime: the rolling hash's base
MIX = np.uint64(0x9E3779B97F4A7C15)
VERSION = "rolling64-affine32-v1"  # stored signatures of another version are made again


def position_hashes(han: str, size: int = SHINGLE) -> np.ndarray:
    """The 64-bit hash of the `size`-gram starting at each position of `han` (Han only)."""
    if len(han) < size:
        return np.empty(0, dtype=np.uint64)
    points = np.frombuffer(han.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = len(points) - size + 1
    value = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):  # wraps mod 2^64 by design
            value = value * MULTIPLIER + points[offset:offset + count]
        value ^= value >> np.uint64(31)
        value *= MIX
        value ^= value >> np.uint64(29)
    return value


def han_of(free: str) -> str:
    return NOT_HAN_RE.sub("", free)


def shingle_hashes(free: str, size: int = SHINGLE) -> np.ndarray:
    """The sorted distinct 64-bit hashes of the free text's Han `size`-grams."""
    return np.unique(position_hashes(han_of(free), size))


def identity(value: int) -> int:
    return value


@functools.cache
def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The permutation parameters every signature shares (made once per process)."""
    perm = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return perm[0], perm[1]


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash values (uint32, NUM_PERM of them) of a set of shingle hashes."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=identity, scheme=SCHEME,
                      permutations=permutations())
    low = (np.asarray(hashes, dtype=np.uint64) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    minhash.update_batch(low.tolist())
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def estimated_jaccards(values: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The estimated Jaccard of one signature against each row of `others`."""
    if not len(others):
        return np.empty(0)
    return np.count_nonzero(others == values, axis=1) / values.shape[0]


def to_blob(values: np.ndarray) -> bytes:
    return np.asarray(values, dtype="<u4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


@functools.cache
def banding(threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) as datasketch's MinHashLSH picks them for the threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite's INTEGER), in band order."""
    bands, rows = banding()
    raw = np.asarray(values, dtype="<u4")[:bands * rows].tobytes()
    width = 4 * rows
    return [int.from_bytes(hashlib.blake2b(raw[i:i + width], digest_size=8).digest(),
                           "little", signed=True) for i in range(0, bands * width, width)]
