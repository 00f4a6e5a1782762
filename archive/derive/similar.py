"""The copy-paste step of `derive_all` (issue #15): reports that copied other reports.

1. The skeleton (`skeleton_units`): sentences found in at least 2% of a sample of
   `SAMPLE` reports (and in `COMMON_MIN`) are boilerplate, on top of the fixed skeleton of
   archive/similar/skeleton.py. It is recomputed only when the archive has grown by
   `REFRESH` since, so between refreshes a report is hashed again only when its text
   changes.
2. Signatures (`minhashes`, `minhash_bands`): each new or changed report's free text is
   shingled and MinHashed; its LSH band keys are stored.
3. Pairs (`similar_reports`): each re-hashed report is compared with the reports sharing
   a band key (the index, not every report); candidates are confirmed with the exact
   Jaccard of their shingle sets, kept from `SIMILAR_MIN`, with the longest shared
   passages.
4. Self-copies (`self_copies`): every report against the same body's report of the year
   before, exact Jaccard; the `town_self_copy` view sums them per body.
5. Clusters (`copy_clusters`): connected components of pairs of different bodies with a
   Jaccard of at least `CLUSTER_MIN`, rewritten every run (cheap: edges only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from archive.clock import now_iso
from archive.db import Archive
from archive.db.dirty import get_state, set_state
from archive.db.reports import drop_rows_of_missing_reports, report_texts
from archive.derive.scope import Scope, everything
from archive.similar.passages import jaccard, shared_passages
from archive.similar.signature import (
    MIN_SHINGLES,
    VERSION,
    band_keys,
    estimated_jaccards,
    from_blob,
    shingle_hashes,
    signature,
    to_blob,
)
from archive.similar.skeleton import common_units, distinct_unit_keys, free_text

log = logging.getLogger(__name__)

SAMPLE = 5000  # reports the boilerplate sentences are counted over
COMMON_SHARE = 0.02
COMMON_MIN = 10
REFRESH = 1.10  # recount the boilerplate when the archive grew by 10 %
SIMILAR_MIN = 0.3
ESTIMATE_SLACK = 0.15  # candidates estimated this far below SIMILAR_MIN are still read
NEIGHBOURS = 20  # pairs stored per compared report, best first: storage stays linear
CLUSTER_MIN = 0.5
OWN_TABLES = ("minhashes", "minhash_bands", "self_copies", "copy_clusters")

TOWN_SELF_COPY_VIEW = """
CREATE VIEW town_self_copy AS
SELECT county, town, count(*) AS year_pairs, min(year) AS first_year, max(year) AS last_year,
  round(avg(jaccard), 3) AS mean_jaccard, round(max(jaccard), 3) AS max_jaccard,
  sum(jaccard >= 0.5) AS copied_years,
  round(1.0 * sum(jaccard >= 0.5) / count(*), 3) AS self_copy_ratio
FROM self_copies GROUP BY county, town
"""


@dataclass
class Place:
    rid: str
    body: tuple[str, str]  # (county, town)
    year: int | None


def derive_similar(archive: Archive, today: date, scope: Scope | None = None
                   ) -> dict[str, int]:
    """Hash new and changed reports (of every report, or of those the run touched),
    compare them with the index, redo self-copies and clusters."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    common, refreshed = skeleton(archive)
    only = None if scope.full or refreshed else scope.reports()
    index = Index(archive, common)
    old_bodies = set() if only is None else index.bodies_of(only)
    places, changed = index.update(refreshed, only)
    gone = drop_rows_of_missing_reports(archive.db, OWN_TABLES, only)
    if only is None:
        archive.db.execute("DELETE FROM similar_reports WHERE report_a NOT IN (SELECT id FROM "
                           "reports) OR report_b NOT IN (SELECT id FROM reports)")
    else:
        archive.db.conn.executemany(
            "DELETE FROM similar_reports WHERE report_a = ? OR report_b = ?",
            [(rid, rid) for rid in gone])
    bodies = Bodies(archive.db, {p.rid: p.body for p in places})
    for rid in changed:
        index.compare(rid, bodies)
    pairs = archive.db.execute("SELECT count(*) FROM similar_reports").fetchone()[0]
    if only is not None:  # the self-copies of every body a touched report left or joined
        places = index.places_of(old_bodies | {b for rid in only if (b := bodies.get(rid))})
    self_copies = index.self_copies(places, set(changed), whole=only is None)
    if only is None or only:
        clusters = write_clusters(archive, bodies)
    else:
        clusters = archive.db["copy_clusters"].count
    ensure_view(archive)
    log.info("similar: %d hashed, %d pairs, %d self-copy rows, %d clustered, %.1f s",
             len(changed), pairs, self_copies, clusters, time.monotonic() - began)
    return {"reports hashed": len(changed), "similar pairs": pairs,
            "reports in copy clusters": clusters}


# -- the skeleton ------------------------------------------------------------------------


def skeleton(archive: Archive) -> tuple[Boilerplate, bool]:
    """(the boilerplate: unit keys and shingle hashes, whether they were recounted now)."""
    db = archive.db
    reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    row = db.execute("SELECT max(corpus) FROM skeleton_units").fetchone()
    corpus = row[0] if row and row[0] else 0
    current = get_state(db, "similar_signature") == VERSION
    if current and corpus and reports <= corpus * REFRESH:
        units = frozenset(k for (k,) in db.execute("SELECT unit_key FROM skeleton_units"))
        hashes = np.array([h for (h,) in db.execute("SELECT hash FROM skeleton_shingles")],
                          dtype=np.int64).view(np.uint64)
        return Boilerplate(units, np.sort(hashes)), False
    sample = [rid for (rid,) in db.execute("SELECT id FROM reports ORDER BY id LIMIT ?",
                                           [SAMPLE])]
    counted = (distinct_unit_keys(text or "") for text in texts_of(archive, sample))
    units = common_units(counted, len(sample), share=COMMON_SHARE, minimum=COMMON_MIN)
    per_report = [shingle_hashes(free_text(text or "", units))
                  for text in texts_of(archive, sample)]
    hashes = common_hashes(per_report, len(sample))
    db.execute("DELETE FROM skeleton_units")
    db.table("skeleton_units").insert_all(
        {"unit_key": key, "corpus": reports} for key in sorted(units))
    db.execute("DELETE FROM skeleton_shingles")
    db.conn.executemany("INSERT INTO skeleton_shingles (hash) VALUES (?)",
                        [(int(h),) for h in hashes.view(np.int64)])
    set_state(db, "similar_signature", VERSION)
    return Boilerplate(units, hashes), True


@dataclass
class Boilerplate:
    units: frozenset[str]  # unit keys found in a large share of reports
    hashes: np.ndarray  # sorted shingle hashes found in a large share of reports


def common_hashes(per_report: list[np.ndarray], reports: int) -> np.ndarray:
    """Shingle hashes found in COMMON_SHARE of the sample (and in COMMON_MIN reports):
    a template's sentences, whatever town name or number fills them in."""
    if not per_report:
        return np.empty(0, dtype=np.uint64)
    values, counts = np.unique(np.concatenate(per_report), return_counts=True)
    return values[counts >= max(COMMON_MIN, COMMON_SHARE * reports)]


def texts_of(archive: Archive, ids: list[str]) -> Iterator[str | None]:
    for rid in ids:
        row = archive.db.execute("SELECT text FROM reports WHERE id = ?", [rid]).fetchone()
        yield row[0] if row else None


# -- signatures and pairs ----------------------------------------------------------------


class Index:
    """The stored signatures and band keys, and the shingles of reports read this run."""

    def __init__(self, archive: Archive, common: Boilerplate) -> None:
        self.archive = archive
        self.db = archive.db
        self.common = common
        self.cache: dict[str, tuple[str, np.ndarray]] = {}

    def free_of(self, text: str, free: str | None = None) -> tuple[str, np.ndarray]:
        """The free text (given, or cut from `text`) and its shingle hashes, boilerplate
        units and shingles removed."""
        free = free_text(text, self.common.units) if free is None else free
        hashes = shingle_hashes(free)
        if len(self.common.hashes):
            hashes = hashes[~np.isin(hashes, self.common.hashes, assume_unique=True)]
        return free, hashes

    def update(self, refreshed: bool, only: set[str] | None = None
               ) -> tuple[list[Place], list[str]]:
        """Hash every report (or every one of `only`) whose text (or, after a refresh,
        free text) changed."""
        stored = {rid: (raw, free) for rid, raw, free in self.db.execute(
            "SELECT report_id, raw_sha256, text_sha256 FROM minhashes" if only is None else
            "SELECT report_id, raw_sha256, text_sha256 FROM minhashes WHERE report_id IN "
            "(SELECT value FROM json_each(?))", [] if only is None else [json.dumps(sorted(only))])}
        places: list[Place] = []
        changed: list[str] = []
        for report in report_texts(self.db, only):
            rid, text = report["id"], report["text"] or ""
            places.append(Place(rid, (report["county"] or "", report["town"] or ""),
                                report["report_year"]))
            raw_sha = sha256(text)
            old = stored.get(rid)
            if old and old[0] == raw_sha and not refreshed:
                continue
            free = free_text(text, self.common.units)
            free_sha = sha256(free)
            if old and old[1] == free_sha and not refreshed:
                self.db.execute("UPDATE minhashes SET raw_sha256 = ? WHERE report_id = ?",
                                [raw_sha, rid])
                continue
            free, hashes = self.free_of(text, free)
            self.cache[rid] = (free, hashes)
            self.store(rid, raw_sha, free_sha, hashes)
            changed.append(rid)
        return places, changed

    def store(self, rid: str, raw_sha: str, free_sha: str, hashes: np.ndarray) -> None:
        values = signature(hashes) if len(hashes) >= MIN_SHINGLES else None
        self.db.execute("DELETE FROM minhash_bands WHERE report_id = ?", [rid])
        self.db.execute(
            "INSERT OR REPLACE INTO minhashes (report_id, raw_sha256, text_sha256, shingles, "
            "signature, hashed_at) VALUES (?, ?, ?, ?, ?, ?)",
            [rid, raw_sha, free_sha, len(hashes),
             to_blob(values) if values is not None else None, now_iso()])
        if values is not None:
            self.db.conn.executemany(
                "INSERT INTO minhash_bands (report_id, band, bucket) VALUES (?, ?, ?)",
                [(rid, band, key) for band, key in enumerate(band_keys(values))])

    def shingles_of(self, rid: str) -> tuple[str, np.ndarray]:
        if rid not in self.cache:
            row = self.db.execute("SELECT text FROM reports WHERE id = ?", [rid]).fetchone()
            self.cache[rid] = self.free_of(row[0] or "" if row else "")
        return self.cache[rid]

    def candidates(self, rid: str) -> list[str]:
        """Reports sharing at least one band key with `rid` (LSH candidates)."""
        return [other for (other,) in self.db.execute(
            "SELECT DISTINCT o.report_id FROM minhash_bands m JOIN minhash_bands o "
            "ON o.band = m.band AND o.bucket = m.bucket "
            "WHERE m.report_id = ? AND o.report_id != ?", [rid, rid])]

    def likely(self, rid: str, candidates: list[str]) -> list[str]:
        """The candidates whose estimated Jaccard (stored signatures) comes near
        SIMILAR_MIN, best first, at most NEIGHBOURS * 3 of them: only these are read."""
        if not candidates:
            return []
        rows = self.db.execute(
            "SELECT report_id, signature FROM minhashes WHERE report_id IN (SELECT value FROM "
            "json_each(?)) AND signature IS NOT NULL ORDER BY report_id",
            [json.dumps([rid, *candidates])]).fetchall()
        signatures = {r: from_blob(blob) for r, blob in rows}
        mine = signatures.pop(rid, None)
        if mine is None or not signatures:
            return []
        others = list(signatures)
        estimates = estimated_jaccards(mine, np.stack([signatures[o] for o in others]))
        ranked = sorted(((-e, o) for e, o in zip(estimates, others, strict=True)
                         if e >= SIMILAR_MIN - ESTIMATE_SLACK))
        return [o for _, o in ranked[:NEIGHBOURS * 3]]

    def compare(self, rid: str, bodies: Bodies) -> int:
        """Replace the pairs of `rid` with those of its confirmed candidates."""
        self.db.execute("DELETE FROM similar_reports WHERE report_a = ? OR report_b = ?",
                        [rid, rid])
        rows = []
        for other in self.likely(rid, self.candidates(rid)):
            row = self.pair(rid, other, bodies)
            if row is not None:
                rows.append(row)
        rows = sorted(rows, key=lambda r: (-r["jaccard"], r["report_a"], r["report_b"]))
        rows = rows[:NEIGHBOURS]
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO similar_reports (report_a, report_b, jaccard, same_body, "
            "shared) VALUES (:report_a, :report_b, :jaccard, :same_body, :shared)", rows)
        return len(rows)

    def pair(self, rid: str, other: str, bodies: Bodies
             ) -> dict[str, Any] | None:
        a, b = sorted((rid, other))
        free_a, set_a = self.shingles_of(a)
        _, set_b = self.shingles_of(b)
        score = jaccard(set_a, set_b)
        if score < SIMILAR_MIN:
            return None
        return {"report_a": a, "report_b": b, "jaccard": round(score, 4),
                "same_body": int(bodies.get(a) == bodies.get(b)),
                "shared": json.dumps(shared_passages(free_a, set_b), ensure_ascii=False)}

    def bodies_of(self, ids: set[str]) -> set[tuple[str, str]]:
        """The bodies (county, town) the reports `ids` had in the stored self-copies."""
        return {(county or "", town or "") for county, town in self.db.execute(
            "SELECT county, town FROM self_copies WHERE report_id IN (SELECT value FROM "
            "json_each(:ids)) OR previous_id IN (SELECT value FROM json_each(:ids))",
            {"ids": json.dumps(sorted(ids))})}

    def places_of(self, bodies: set[tuple[str, str]]) -> list[Place]:
        """Every report of these bodies."""
        places = []
        for county, town in sorted(bodies):
            if not town:
                continue
            places += [Place(rid, (county, town), year) for rid, year in self.db.execute(
                "SELECT id, report_year FROM reports WHERE town = ? AND coalesce(county, '') = ?",
                [town, county])]
        return places

    def self_copies(self, places: list[Place], changed: set[str], *, whole: bool = True) -> int:
        """Each report against its body's report of the year before; only pairs with a
        re-hashed side (or not stored yet) are computed again. `places`: every report
        (`whole`), or every report of some bodies (only their rows are redone)."""
        by_year: dict[tuple[tuple[str, str], int], str] = {}
        for place in sorted(places, key=lambda p: p.rid, reverse=True):
            if place.year is not None and place.body[1]:
                by_year[(place.body, place.year)] = place.rid
        if whole:
            stored = dict(self.db.execute("SELECT report_id, previous_id FROM self_copies"))
        else:
            stored = {}
            for county, town in {p.body for p in places}:
                stored.update(self.db.execute(
                    "SELECT report_id, previous_id FROM self_copies WHERE town = ? AND "
                    "coalesce(county, '') = ?", [town, county]).fetchall())
        keep: set[str] = set()
        for place in places:
            previous = by_year.get((place.body, place.year - 1)) if place.year else None
            if previous is None or not place.body[1]:
                continue
            keep.add(place.rid)
            if stored.get(place.rid) == previous and not {place.rid, previous} & changed:
                continue
            self.write_self_copy(place, previous)
        for rid in set(stored) - keep:
            self.db.execute("DELETE FROM self_copies WHERE report_id = ?", [rid])
        if whole:
            return len(keep)
        return int(self.db.execute("SELECT count(*) FROM self_copies").fetchone()[0])

    def write_self_copy(self, place: Place, previous: str) -> None:
        _, mine = self.shingles_of(place.rid)
        _, theirs = self.shingles_of(previous)
        enough = min(len(mine), len(theirs)) >= MIN_SHINGLES
        self.db.execute(
            "INSERT OR REPLACE INTO self_copies (report_id, previous_id, county, town, year, "
            "previous_year, jaccard) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [place.rid, previous, place.body[0], place.body[1], place.year,
             (place.year or 0) - 1, round(jaccard(mine, theirs), 4) if enough else None])


# -- clusters ----------------------------------------------------------------------------


class Bodies:
    """Each report's body (county, town): those read this run, the others from `reports`."""

    def __init__(self, db: Any, known: dict[str, tuple[str, str]]) -> None:
        self.db = db
        self.known = known

    def get(self, rid: str) -> tuple[str, str] | None:
        if rid not in self.known:
            self.load([rid])
        return self.known.get(rid)

    def load(self, ids: list[str]) -> None:
        todo = [rid for rid in ids if rid not in self.known]
        for rid, county, town in self.db.execute(
                "SELECT id, county, town FROM reports WHERE id IN (SELECT value FROM "
                "json_each(?))", [json.dumps(todo)]) if todo else ():
            self.known[rid] = (county or "", town or "")


def write_clusters(archive: Archive, bodies: Bodies) -> int:
    """Connected components of cross-body pairs at CLUSTER_MIN or more."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in archive.db.execute("SELECT report_a, report_b FROM similar_reports "
                                   "WHERE jaccard >= ? AND same_body = 0", [CLUSTER_MIN]):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for rid in parent:
        members.setdefault(root(rid), []).append(rid)
    bodies.load(list(parent))
    archive.db.execute("DELETE FROM copy_clusters")
    rows = [{"report_id": rid, "cluster_id": min(group), "size": len(group),
             "bodies": len({bodies.get(r) for r in group})}
            for group in members.values() for rid in group]
    archive.db.table("copy_clusters").insert_all(rows)
    return len(rows)


def ensure_view(archive: Archive) -> None:
    if "town_self_copy" not in archive.db.view_names():
        archive.db.execute(TOWN_SELF_COPY_VIEW)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
