"""Shingles, MinHash signatures and LSH band keys of a report's free text.

Shingles are 5-grams of the free text's Han characters (everything else dropped: numbers
change every year, Latin is rare and noisy). A signature is a datasketch `MinHash` with
`NUM_PERM` permutations over the shingles' CRC-32 (scheme affine32, so each value fits 4
bytes and a signature is stored as a 512-byte blob). The LSH banding (b bands of r rows)
is the one datasketch's `MinHashLSH` chooses for `LSH_THRESHOLD`; a band's key is a
64-bit digest of its values, stored in the archive so a new report is compared with the
index by looking up its own b keys.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib

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


def crc32(shingle: bytes) -> int:
    return zlib.crc32(shingle)


@functools.cache
def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The permutation parameters every signature shares (made once per process)."""
    perm = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return perm[0], perm[1]


def signature(shingle_set: set[str]) -> np.ndarray:
    """The MinHash values (uint32, NUM_PERM of them) of a shingle set."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=crc32, scheme=SCHEME,
                      permutations=permutations())
    minhash.update_batch([s.encode("utf-8") for s in shingle_set])
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


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
    raw = np.asarray(values, dtype="<u4")
    keys = []
    for band in range(bands):
        digest = hashlib.blake2b(raw[band * rows:(band + 1) * rows].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys
