"""Shingles, MinHash signatures, band keys, Jaccard and shared passages."""

from __future__ import annotations

import random

from archive.similar.passages import jaccard, shared_passages
from archive.similar.signature import (
    NUM_PERM,
    band_keys,
    banding,
    estimated_jaccard,
    from_blob,
    shingle_hashes,
    shingles,
    signature,
    to_blob,
)

HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def text(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(HAN, k=n))


def test_shingles_are_han_5_grams() -> None:
    assert shingles("政府信息, 2021 公开") == {"政府信息公", "府信息公开"}
    assert shingles("政府") == set()


def test_shingle_hashes_are_one_per_distinct_5_gram() -> None:
    text = "政府信息, 2021 公开。政府信息公开。政府信息公开"
    hashes = shingle_hashes(text)
    assert len(hashes) == len(shingles(text)) == 6 and list(hashes) == sorted(hashes)
    assert len(shingle_hashes("政府信息公开工作")) == 4
    assert len(shingle_hashes("政府")) == 0
    one, two = shingle_hashes("甲乙丙丁戊己"), shingle_hashes("乙丙丁戊己庚")
    assert len(set(one) & set(two)) == 1  # 乙丙丁戊己, whatever comes before or after


def test_signatures_estimate_jaccard_and_survive_storage() -> None:
    rng = random.Random(1)
    base = text(rng, 3000)
    a, b = shingle_hashes(base), shingle_hashes(base[:2000] + text(rng, 1000))
    sig_a, sig_b = signature(a), signature(b)
    assert len(to_blob(sig_a)) == 4 * NUM_PERM
    assert (from_blob(to_blob(sig_a)) == sig_a).all()
    assert abs(estimated_jaccard(sig_a, sig_b) - jaccard(a, b)) < 0.12
    assert (signature(a.copy()) == sig_a).all()  # deterministic across calls


def test_band_keys_match_for_equal_bands_only() -> None:
    bands, rows = banding()
    assert bands * rows <= NUM_PERM
    rng = random.Random(2)
    sig = signature(shingle_hashes(text(rng, 500)))
    other = sig.copy()
    other[0] += 1
    keys, changed = band_keys(sig), band_keys(other)
    assert len(keys) == bands and keys[1:] == changed[1:] and keys[0] != changed[0]


def test_shared_passages_are_the_longest_common_runs() -> None:
    rng = random.Random(3)
    one, two = text(rng, 40), text(rng, 20)
    a = text(rng, 30) + one + text(rng, 30) + two + text(rng, 5)
    b = text(rng, 10) + two + text(rng, 10) + one
    assert shared_passages(a, shingle_hashes(b)) == [one, two]
    assert shared_passages(a, shingle_hashes(text(rng, 100))) == []
