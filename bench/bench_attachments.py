"""Attachment extraction throughput, beside poppler's pdftotext on the same PDFs.

Prints pages per second for PDF text extraction three ways on the same files:
- `archive.extract` in this process (pdfplumber: text layout, tables, paragraphs),
- `archive.extract.extract_attachment` (the same, plus one worker process per file under
  memory and time limits, as the crawler runs it),
- `pdftotext` (poppler-utils; plain text only), the reference;
and the ratio to pdftotext. Then files per second for DOCX, DOC and XLSX.

Then the attachments derive step at size (#10, "flat with size"): for each of
--derive-sizes (stored files), an archive of that many detail pages each linking its report
as a file (the scale portal's reports; their text already in the extraction cache, as after
an earlier night), derived in full once; then timed, with the number of files the step read:
a derive with nothing changed, one after one detail page was fetched again unchanged, and
one after one file changed (a new body; its text prefilled in the cache too, so the figure is
the step's walk, not pdfplumber: extraction speed is the section above). The cost of the last
three must not grow with the number of files stored.

Files: the demo portal's and the test fixtures' text PDFs, plus a long generated report
(the same report's blocks repeated to --long-pages pages).

Usage: .venv/bin/python bench/bench_attachments.py [--rounds 3] [--long-pages 60]
       [--derive-sizes 200,2000] [--skip-extraction]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import archive.derive
from archive.db import Archive
from archive.derive import attachments as attachments_step
from archive.derive import derive_all
from archive.extract import extract_attachment
from archive.extract.core import extract_in_process
from archive.extract.model import Block, Extracted, count_chars
from demo.content import load_portals
from tools.gen.files import pdf_bytes
from tools.scale import ScalePortal

FIXTURES = ROOT / "tests" / "fixtures" / "attachments"
DEMO_FILES = ROOT / "demo" / "content" / "files"


def text_pdfs() -> list[tuple[str, bytes]]:
    paths = [p for p in DEMO_FILES.rglob("*.pdf")] + [
        FIXTURES / "post2021.pdf",
        FIXTURES / "pre2016.pdf",
    ]
    found = [(p.name, p.read_bytes()) for p in sorted(paths)]
    return [(n, b) for n, b in found if extract_in_process(b, n).status == "ok"]


def long_pdf(pages: int) -> tuple[str, bytes]:
    """One long report: a post-2019 report's blocks repeated to about `pages` pages."""
    doc = next(
        d
        for p in load_portals()
        for d in p.docs
        if d["kind"] == "report" and d["format"] == "post2019" and d["tables"]
    )

    def build(copies: int) -> bytes:
        return pdf_bytes(doc["title"], doc["blocks"] * copies, doc["source"] or "", "2024-01-01")

    per_copy = extract_in_process(build(1), "x.pdf").pages or 1
    body = build(max(1, -(-pages // per_copy)))
    return f"long-{extract_in_process(body, 'x.pdf').pages}p.pdf", body


def timed(run: Callable[[], int], rounds: int) -> tuple[int, float]:
    """(units per round, best seconds of `rounds`)."""
    best, units = float("inf"), 0
    for _ in range(rounds):
        started = time.perf_counter()
        units = run()
        best = min(best, time.perf_counter() - started)
    return units, best


def pages_in_process(files: list[tuple[str, bytes]]) -> int:
    return sum(extract_in_process(body, name).pages or 0 for name, body in files)


def pages_via_worker(files: list[tuple[str, bytes]]) -> int:
    return sum(
        extract_attachment(body, filename=name, content_type=None).pages or 0
        for name, body in files
    )


def pages_pdftotext(files: list[tuple[str, bytes]], counts: list[int]) -> int:
    for _, body in files:
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, check=True, capture_output=True
        )
    return sum(counts)


def report_line(
    label: str, units: int, seconds: float, unit: str, reference: float | None
) -> float:
    rate = units / seconds if seconds else 0.0
    ratio = f"   {rate / reference:6.2f} x pdftotext" if reference else ""
    print(f"  {label:<44} {units:5d} {unit} in {seconds:6.2f} s = {rate:8.1f} {unit}/s{ratio}")
    return rate


def bench_pdf(rounds: int, long_pages: int) -> None:
    short = text_pdfs()
    sets = {"demo + fixture PDFs": short, "one long report": [long_pdf(long_pages)]}
    for title, files in sets.items():
        counts = [extract_in_process(b, n).pages or 0 for n, b in files]
        print(
            f"\nPDF, {title}: {len(files)} files, {sum(counts)} pages, "
            f"{sum(len(b) for _, b in files) // 1024} KiB"
        )
        reference = None
        if shutil.which("pdftotext"):
            units, seconds = timed(partial(pages_pdftotext, files, counts), rounds)
            reference = report_line("pdftotext (poppler, reference)", units, seconds, "pages", None)
        else:
            print("  pdftotext not installed (apt-get install poppler-utils): no reference")
        units, seconds = timed(partial(pages_in_process, files), rounds)
        report_line("archive.extract in process (pdfplumber)", units, seconds, "pages", reference)
        units, seconds = timed(partial(pages_via_worker, files), rounds)
        report_line(
            "extract_attachment (worker process per file)", units, seconds, "pages", reference
        )


def files_in_process(files: list[tuple[str, bytes]]) -> int:
    return sum(extract_in_process(body, name).status == "ok" for name, body in files)


def files_via_worker(files: list[tuple[str, bytes]]) -> int:
    return sum(
        extract_attachment(body, filename=name, content_type=None).status == "ok"
        for name, body in files
    )


def bench_office(rounds: int) -> None:
    print("\nOffice files (files per second, in process / with worker):")
    for suffix in ("docx", "doc", "xlsx", "xls"):
        files = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob(f"*.{suffix}"))]
        files += [(p.name, p.read_bytes()) for p in sorted(DEMO_FILES.rglob(f"*.{suffix}"))]
        files = [(n, b) for n, b in files if extract_in_process(b, n).status == "ok"]
        if not files:
            continue
        units, seconds = timed(partial(files_in_process, files), rounds)
        report_line(f"{suffix} in process", units, seconds, "files", None)
        units, seconds = timed(partial(files_via_worker, files), rounds)
        report_line(f"{suffix} with worker", units, seconds, "files", None)


# -- the derive step at size ------------------------------------------------------------------

HOST = "http://127.0.0.1:8"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}


def extracted_from_blocks(blocks: list[dict[str, Any]]) -> Extracted:
    """What a text PDF of the generated report gives: its paragraphs and tables in order."""
    out, tables = [], []
    for block in blocks:
        if block["t"] in ("p", "h"):
            out.append(Block("p", block["x"]))
        elif block["t"] == "sign":
            out += [Block("p", line) for line in block["lines"]]
        elif block["t"] == "table":
            tables.append([[str(cell) for cell in row] for row in block["rows"]])
            out.append(Block("table", table=len(tables) - 1))
    text = "\n".join(b.text if b.kind == "p" else "\n".join("\t".join(r) for r in
                     tables[b.table or 0]) for b in out)
    return Extracted("pdf", text=text, tables=tables, pages=3, text_chars=count_chars(text),
                     extractor="bench (prefilled)", blocks=out)


def detail_page(title: str, href: str, published: str, source: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="article"><h1>{title}</h1><div class="info">发布日期：{published}'
            f'　来源：{source}</div><div id="zoom"><p>附件：<a href="{href}">{title}.pdf</a></p>'
            "</div></div></body></html>").encode()


def file_body(serial: int, edition: int = 0) -> bytes:
    """A distinct body per file (its text comes from the prefilled cache)."""
    return f"%PDF-1.4\n% nianbao bench file {serial} edition {edition}\n%%EOF\n".encode()


def prefill(archive: Archive, body: bytes, result: Extracted) -> None:
    settings = json.dumps(asdict(attachments_step.default_limits()), sort_keys=True)
    attachments_step.store_result(archive, hashlib.sha256(body).hexdigest(), settings, result, 0)


def fill_files(archive: Archive, files: int) -> list[tuple[str, str, Extracted]]:
    """`files` detail pages, each linking its report as a PDF; returns (page, file, text)."""
    portal = ScalePortal(reports=files, port=8)
    archive.register_site({"id": "scale", "name": "县人民政府", "province": "吉林省",
                           "county": "抚松县", "start_urls": [HOST + "/"]})
    made = []
    with archive.transaction():
        for entry in portal.entries:
            title, blocks, source, _, _ = portal.content(entry)
            page, href = HOST + entry.path, f"P{entry.serial:08d}.pdf"
            url = page.rsplit("/", 1)[0] + "/" + href
            archive.add_capture(page, status=200, headers=HTML, site_id="scale",
                                body=detail_page(title, href, entry.published.isoformat(),
                                                 source))
            body, result = file_body(entry.serial), extracted_from_blocks(blocks)
            prefill(archive, body, result)
            archive.add_capture(url, status=200, headers=PDF, body=body, site_id="scale",
                                referrer=page, link_text=f"{title}.pdf")
            made.append((page, url, result))
    return made


class StepClock:
    """Seconds and counts of the attachments step inside derive_all."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0
        self.counts: dict[str, int] = {}
        self.original = archive.derive.derive_attachments

    def __enter__(self) -> Self:
        def timed_step(*args: Any, **kwargs: Any) -> dict[str, int]:
            started, cpu = time.perf_counter(), cpu_seconds()
            self.counts = self.original(*args, **kwargs)
            self.seconds = time.perf_counter() - started
            self.cpu = cpu_seconds() - cpu
            return self.counts

        archive.derive.derive_attachments = timed_step  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        archive.derive.derive_attachments = self.original  # type: ignore[assignment]


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def derive_line(label: str, archive: Archive, today: date, full: bool = False) -> float:
    with StepClock() as step:
        started, cpu = time.perf_counter(), cpu_seconds()
        derive_all(archive, today=today, full=full)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    read = step.counts.get("extraction cache hits", 0) + step.counts.get("extracted", 0)
    print(f"  {label:<40} derive {wall:7.2f} s wall {cpu:6.2f} s CPU | attachments step "
          f"{step.seconds:7.3f} s wall {step.cpu:6.3f} s CPU, {read:5d} files read")
    return step.cpu


def bench_derive(size: int, today: date) -> tuple[float, float, float]:
    print(f"\nAttachments derive step, {size} stored files:", flush=True)
    with tempfile.TemporaryDirectory() as name, Archive(Path(name) / "files.db") as archive:
        made = fill_files(archive, size)
        derive_line("full derive (nianbao build's)", archive, today, full=True)
        quiet = derive_line("derive, nothing changed", archive, today)
        page, _, _ = made[len(made) // 2]
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [page]).fetchone()[0]
        archive.add_capture(page, status=200, headers=HTML, site_id="scale",
                            body=archive.capture_body(newest))
        revisit = derive_line("derive, one detail page fetched again", archive, today)
        page, url, result = made[len(made) // 3]
        body = file_body(len(made) // 3, edition=1)
        edited = copy.deepcopy(result)
        edited.text += "\n本年度另有补充说明。"
        edited.blocks.append(Block("p", "本年度另有补充说明。"))
        prefill(archive, body, edited)
        archive.add_capture(url, status=200, headers=PDF, body=body, site_id="scale",
                            referrer=page, link_text=None)
        changed = derive_line("derive, one file changed", archive, today)
    return quiet, revisit, changed


def sizes(text: str) -> Iterator[int]:
    return (int(part) for part in text.split(",") if part.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long-pages", type=int, default=60)
    parser.add_argument("--derive-sizes", default="200,2000",
                        help="stored files for the derive section (comma-separated)")
    parser.add_argument("--skip-extraction", action="store_true",
                        help="only the derive section")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.skip_extraction:
        print(f"nianbao attachment extraction benchmark (best of {args.rounds} rounds)")
        bench_pdf(args.rounds, args.long_pages)
        bench_office(args.rounds)
    today = date.today()
    results = {size: bench_derive(size, today) for size in sizes(args.derive_sizes)}
    if len(results) > 1:
        small, large = min(results), max(results)
        print(f"\nattachments step CPU seconds, {large} files against {small} "
              f"({large / small:.0f}x the files):")
        for i, label in enumerate(("nothing changed", "one page fetched again",
                                   "one file changed")):
            a, b = results[small][i], results[large][i]
            ratio = f"{b / a:5.1f}x" if a > 0.0005 else "  n/a"
            print(f"  {label:<26} {a:8.3f} s -> {b:8.3f} s   {ratio}")


if __name__ == "__main__":
    main()
