"""Reports published as attachments: which ones, where their files live, and their bytes.

Three ways a report reaches the reader as a file:
  detail  - a detail page that says little more than "附件：XX镇2020年…年度报告.pdf"
  direct  - a list entry that links straight to the .pdf / .docx
  beside  - an ordinary HTML report with the same report attached under the text
Hanweb portals serve files through module/download/downfile.jsp?classid=0&filename=<hex>.ext
with the real name only in a GBK-encoded Content-Disposition.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from tools.gen import files, hostile
from tools.gen.build import Doc, report_doc
from tools.gen.plan import spec_from_row

# report row (as plan.REPORTS), how it is published, [(maker, extension, expected status)]
ATTACHMENT_REPORTS: list[tuple[tuple[Any, ...], str, list[tuple[str, str, str]]]] = [
    (
        ("fusong", "qyz", "泉阳镇", 2020, "2021-01-15", "town_year", "digits", "", 0),
        "detail",
        [("pdf", "pdf", "ok")],
    ),
    (
        ("fusong", "sjhz", "松江河镇", 2021, "2022-01-18", "town_year", "digits", "", 0),
        "direct",
        [("docx", "docx", "ok")],
    ),
    (
        ("fusong", "fsz", "抚松镇", 2017, "2018-02-06", "town_year", "chinese", "items", 0),
        "direct",
        [("scanned", "pdf", "needs_ocr")],
    ),
    (
        ("qujiang", "1229", "湖南镇", 2020, "2021-01-19", "town_year", "digits", "", 0),
        "detail",
        [("doc", "doc", "ok")],
    ),
    (
        ("qujiang", "1229", "樟潭街道", 2021, "2022-01-21", "street_office", "digits", "", 1),
        "detail",
        [("pdf", "pdf", "ok"), ("bomb", "docx", "error")],
    ),
    (
        ("zhalantun", "wnhz", "卧牛河镇", 2021, "2022-01-26", "year_town", "digits", "", 0),
        "beside",
        [("pdf", "pdf", "ok")],
    ),
    (
        ("zhalantun", "cjshz", "成吉思汗镇", 2020, "2021-01-27", "town_year", "digits", "", 0),
        "detail",
        [("truncated", "pdf", "error"), ("docx", "docx", "ok")],
    ),
    (
        ("shihua", "3", "石花镇", 2015, "2016-03-18", "town_year", "digits", "consult", 0),
        "direct",
        [("pdf", "pdf", "ok")],
    ),
]
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}
WORD_SUFFIX = "（Word版）"  # label of a second, Word copy of the same report


def attachment_docs(portal: str) -> list[Doc]:
    """The portal's attachment reports as documents (paths of direct ones already set)."""
    docs = []
    for row, mode, specs in ATTACHMENT_REPORTS:
        if row[0] != portal:
            continue
        doc = report_doc(spec_from_row(row))
        doc["flags"] = sorted({*doc["flags"], f"attach_{mode}"})
        doc["attachments"] = [attachment(doc, n, *spec) for n, spec in enumerate(specs)]
        if mode != "beside":
            doc["tables"] = 0  # the page itself carries no table
        if mode == "direct":
            doc["paths"] = [doc["attachments"][0]["path"]]
        docs.append(doc)
    return docs


def attachment(doc: Doc, number: int, maker: str, ext: str, status: str) -> dict[str, Any]:
    day = date.fromisoformat(doc["published"])
    rng = random.Random(f"attach/{doc['id']}/{number}")
    portal = doc["portal"]
    name = doc["title"] + (WORD_SUFFIX if number and ext != "pdf" else "") + f".{ext}"
    served = ""
    if portal == "fusong":
        stored = f"P0{day:%Y%m%d}{rng.randint(10**11, 10**12 - 1)}.{ext}"
        path = f"/xxgk/ndbg/{doc['column']}/{day:%Y%m}/{stored}"
    elif portal == "qujiang":
        stored = f"{rng.getrandbits(128):032x}.{ext}"
        path = f"/module/download/downfile.jsp?classid=0&filename={stored}"
        served = "gbk"
    elif portal == "shihua":
        clock = f"{rng.randint(8, 17):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
        stored = f"{day:%Y%m%d}{clock}{rng.randint(100, 999)}.{ext}"
        path = f"/UploadFile/{day:%Y%m}/{stored}"
    else:
        stored = f"{day:%Y%m%d}{rng.randint(10**8, 10**9 - 1)}.{ext}"
        path = f"/zlt/uploadfiles/{day:%Y-%m}/{day:%d}/{stored}"
        served = "rfc5987"
    return {
        "path": path,
        "file": f"{portal}/{stored}",
        "name": name,
        "kind": ext,
        "maker": maker,
        "status": status,
        "content_type": "application/octet-stream" if served == "gbk" else CONTENT_TYPES[ext],
        "disposition": served or None,
    }


def file_bytes(doc: Doc, item: dict[str, Any]) -> bytes | None:
    """The attachment's bytes, or None for a legacy .doc (made by LibreOffice, see legacy.py)."""
    title, blocks = doc["title"], doc["blocks"]
    author, stamp = doc["source"] or "", f"{doc['published']}T{doc['time']}"
    maker = item["maker"]
    if maker == "pdf":
        return files.pdf_bytes(title, blocks, author, stamp)
    if maker == "pdf_untitled":  # a CMS's generated export: the text, no title page
        return files.pdf_bytes("", blocks, author, stamp)
    if maker == "docx":
        return files.docx_bytes(title, blocks, author, stamp)
    if maker == "scanned":
        lines = [title] + [b["x"] for b in blocks if b["t"] in ("h", "p")]
        pages = [
            hostile.page_image(lines[:24], doc["id"]),
            hostile.page_image(lines[24:], doc["id"]),
        ]
        return hostile.scanned_pdf_bytes(pages, title)
    if maker == "truncated":
        return hostile.truncated(files.pdf_bytes(title, blocks, author, stamp))
    if maker == "bomb":
        return hostile.bomb_docx_bytes(files.docx_bytes(title, blocks, author, stamp))
    return None


def write_files(docs: list[Doc], out_dir: Path) -> list[Path]:
    """Write every attachment this generator makes under out_dir/files/."""
    written = []
    for doc in docs:
        for item in [*doc.get("attachments", []), *doc.get("exports", [])]:
            data = file_bytes(doc, item)
            if data is None:
                continue
            path = out_dir / "files" / item["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written
