"""Rewrite the demo portals' content files: `python -m tools.generate`.

Writes demo/content/<portal>.json (portal description + every document with its
URL paths, metadata and body blocks) and the attachment files under
demo/content/files/<portal>/ (PDF, DOCX; the legacy .doc comes from
`python -m tools.gen.legacy`). Deterministic: running it twice produces identical files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from demo.content import CONTENT_DIR
from tools.gen import hijack
from tools.gen.attachments import attachment_docs, write_files
from tools.gen.build import Doc, decoy_doc, news_docs, report_doc
from tools.gen.frames import framed_docs
from tools.gen.paths import ASSIGNERS
from tools.gen.plan import COLUMNS, DECOYS, NEWS, PORTALS, REPORTS, spec_from_row

CLONED = "zhalantun/cjshz/成吉思汗镇/2019"
GBK_ONLY_CONTACT = "联系人：王喆（党政办），联系电话：0710-7381126。"


def portal_docs(portal: dict[str, Any], earlier: dict[str, Doc]) -> list[Doc]:
    pid = portal["id"]
    docs: list[Doc] = []
    for row in REPORTS:
        if row[0] == pid:
            doc = report_doc(spec_from_row(row))
            if "substitute_county" in doc["flags"]:
                doc = hijack.substitute_county(doc)
            docs.append(doc)
    docs += [decoy_doc(row) for row in DECOYS if row[0] == pid]
    for row in NEWS:
        if row[0] == pid:
            docs += news_docs(*row)
    docs += attachment_docs(pid)
    docs += framed_docs(pid)
    if pid == "mirror":
        docs.append(hijack.seed_doc())
        docs.append(hijack.traditional_clone(earlier[CLONED]))
    return docs


def decorate(portal: dict[str, Any], docs: list[Doc]) -> None:
    """Per-portal facts: source wording, encodings, index numbers, 成文日期."""
    pid = portal["id"]
    for doc in docs:
        if doc["kind"] == "report" and pid in ("zhalantun", "mirror") and doc["town"]:
            doc["source"] = doc["town"]
        if pid == "shihua":
            doc["encoding"], doc["declared"] = "gbk", "gb2312"
            if "contact" in doc["flags"]:
                doc["blocks"].insert(-1, {"t": "p", "x": GBK_ONLY_CONTACT})
        if "mislabeled" in doc["flags"]:
            doc["declared"] = "gb2312"
        if pid == "qujiang":
            add_hanweb_meta(doc)


def add_hanweb_meta(doc: Doc) -> None:
    rng = random.Random(f"idx/{doc['id']}")
    year = doc["published"][:4]
    doc["meta"]["index_no"] = (
        f"11330803{rng.randint(10000000, 99999999)}X/{year}-{rng.randint(1, 400):05d}"
    )
    written = doc["signed"] or doc["published"]
    if written == doc["published"]:
        day = int(doc["published"][8:]) - 1 or 1
        written = f"{doc['published'][:8]}{day:02d}"
    doc["meta"]["written"] = written


def write_portal(portal: dict[str, Any], docs: list[Doc], out_dir: Path) -> Path:
    path = out_dir / f"{portal['id']}.json"
    order = [p["id"] for p in PORTALS].index(portal["id"])
    payload = {"portal": {**portal, "order": order, "columns": COLUMNS[portal["id"]]}, "docs": docs}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main(out_dir: Path = CONTENT_DIR) -> None:
    """Build every portal's documents and write one JSON file per portal into out_dir."""
    earlier: dict[str, Doc] = {}
    for portal in PORTALS:
        docs = portal_docs(portal, earlier)
        decorate(portal, docs)
        ASSIGNERS[portal["style"]]([d for d in docs if not d["paths"]])
        earlier.update({d["id"]: d for d in docs})
        path = write_portal(portal, docs, out_dir)
        attached = write_files(docs, out_dir)
        reports = sum(d["kind"] == "report" for d in docs)
        print(f"{path.name}: {len(docs)} pages, {reports} reports, {len(attached)} files")


if __name__ == "__main__":
    main()
