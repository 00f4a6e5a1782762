"""What the report page shows of issue #15: the hijack evidence on the report's
captures, the substitutions inferred for it, and its nearest copy neighbours.

`load_evidence` runs a fixed number of queries whatever the report:

- `hijack_evidence` rows of the report's URLs (its own captures and the cloaking probes
  filed under them), one per kind: the kind's Chinese label, a snippet, first and last
  seen, and the newest capture that shows it (its archived copy is linked);
- `report_substitutions`: token → inferred phrase, confidence, the restored title;
- `similar_reports` (either side), best first, with each shared passage located in both
  texts so the template can set the two excerpts side by side with the passage marked.

Everything returned is plain text for Jinja to escape; links are built from ids only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from archive.parse.hijack import LABELS

MAX_NEIGHBOURS = 5
MAX_PASSAGES = 3
CONTEXT = 40  # characters shown either side of a shared passage
MAX_SHOWN = 400  # characters of a passage shown; the rest is elided
MAX_TEXT = 400_000  # characters of a neighbour's text searched for a passage
HAN = "\u3400-\u9fff"  # as archive.similar.signature reads Han
NOT_HAN = f"[^{HAN}]*?"
HAN_RE = re.compile(f"[{HAN}]")
ANCHOR = 12  # Han characters of a passage looked for first (PASSAGE_MIN)


async def load_evidence(db: Any, tables: set[str], report: dict[str, Any]) -> dict[str, Any]:
    return {
        "hijack_evidence": await evidence_of(db, tables, report["id"]),
        "report_substitutions": await substitutions_of(db, tables, report["id"]),
        "similar_neighbours": await neighbours_of(db, tables, report),
    }


async def evidence_of(db: Any, tables: set[str], report_id: str) -> list[dict[str, Any]]:
    if "hijack_evidence" not in tables:
        return []
    rows = (await db.execute(
        "select e.kind, min(e.fetched_at) as first_seen, max(e.fetched_at) as last_seen, "
        "count(distinct e.capture_id) as captures, "
        "(select x.snippet from hijack_evidence x where x.kind = e.kind and x.url_key in "
        "  (select url_key from report_urls where report_id = :rid) "
        "  order by x.fetched_at desc, x.capture_id desc limit 1) as snippet, "
        "(select x.capture_id from hijack_evidence x where x.kind = e.kind and x.url_key in "
        "  (select url_key from report_urls where report_id = :rid) "
        "  order by x.fetched_at desc, x.capture_id desc limit 1) as capture_id, "
        "max(e.genuine_host) as genuine_host, max(e.site_id) as site_id "
        "from hijack_evidence e "
        "where e.url_key in (select url_key from report_urls where report_id = :rid) "
        "group by e.kind order by min(e.fetched_at), e.kind", {"rid": report_id})).rows
    out = [dict(r) for r in rows]
    for row in out:
        row["label"] = LABELS.get(row["kind"], row["kind"])
        row["capture_id"] = row["capture_id"] if isinstance(row["capture_id"], int) else None
    return out


async def substitutions_of(db: Any, tables: set[str], report_id: str) -> list[dict[str, Any]]:
    if "report_substitutions" not in tables:
        return []
    rows = (await db.execute(
        "select token, phrase, confidence, occurrences, alternatives, restored_title "
        "from report_substitutions where report_id = ? order by confidence desc, token",
        [report_id])).rows
    out = [dict(r) for r in rows]
    for row in out:
        try:
            alternatives = json.loads(row.get("alternatives") or "{}")
        except ValueError:
            alternatives = {}
        row["alternatives"] = ([str(a) for a in alternatives][:5]
                               if isinstance(alternatives, dict) else [])
        confidence = row.get("confidence")
        row["percent"] = (round(100 * confidence) if isinstance(confidence, int | float)
                          else None)
    return out


async def neighbours_of(db: Any, tables: set[str], report: dict[str, Any]) -> list[dict[str, Any]]:
    if "similar_reports" not in tables:
        return []
    rows = (await db.execute(
        "select s.report_a, s.report_b, s.jaccard, s.same_body, s.shared, "
        "r.id, r.title, r.town, r.county, r.report_year, r.text "
        "from similar_reports s join reports r "
        "  on r.id = case when s.report_a = :rid then s.report_b else s.report_a end "
        "where s.report_a = :rid or s.report_b = :rid "
        "order by s.jaccard desc, r.id limit :limit",
        {"rid": report["id"], "limit": MAX_NEIGHBOURS})).rows
    mine = (report.get("text") or "")[:MAX_TEXT]
    out = []
    for r in rows:
        row = dict(r)
        theirs = (row.pop("text") or "")[:MAX_TEXT]
        try:
            passages = json.loads(row.pop("shared") or "[]")
        except ValueError:
            passages = []
        row["passages"] = [side_by_side(str(p), mine, theirs)
                           for p in (passages if isinstance(passages, list) else [])
                           [:MAX_PASSAGES] if p]
        out.append(row)
    return out


def side_by_side(passage: str, mine: str, theirs: str) -> dict[str, Any]:
    """The passage (Han characters only, as `shared_passages` keeps it) found in each text,
    punctuation and spaces between its characters allowed: (before, passage, after) each."""
    return {"passage": passage, "mine": excerpt(passage, mine),
            "theirs": excerpt(passage, theirs)}


def excerpt(passage: str, text: str) -> tuple[str, str, str] | None:
    """Where the passage starts in the text and how far it runs there: the free text it
    was found in had the skeleton stripped, so a passage may run on past a template
    sentence the page prints in between; the excerpt stops at the first Han character
    that differs (punctuation and spaces between its characters are skipped)."""
    if not passage or not text:
        return None
    anchor = NOT_HAN.join(re.escape(c) for c in passage[:ANCHOR])
    found = re.search(anchor, text)
    if not found:
        return None
    start, end, used = found.start(), found.end(), min(ANCHOR, len(passage))
    at = end
    while at < len(text) and used < len(passage):
        char = text[at]
        if char == passage[used]:
            used += 1
            end = at + 1
        elif HAN_RE.match(char):
            break
        at += 1
    shown = text[start:end]
    if len(shown) > MAX_SHOWN:
        half = MAX_SHOWN // 2
        shown = shown[:half] + " … " + shown[-half:]
    before = text[max(0, start - CONTEXT):start]
    after = text[end:end + CONTEXT]
    return (("…" if start > CONTEXT else "") + before, shown,
            after + ("…" if end + CONTEXT < len(text) else ""))
