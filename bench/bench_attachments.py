"""Attachment extraction throughput, beside poppler's pdftotext on the same PDFs.

Prints pages per second for PDF text extraction three ways on the same files:
- `archive.extract` in this process (pdfplumber: text layout, tables, paragraphs),
- `archive.extract.extract_attachment` (the same, plus one worker process per file under
  memory and time limits, as the crawler runs it),
- `pdftotext` (poppler-utils; plain text only), the reference;
and the ratio to pdftotext. Then files per second for DOCX, DOC and XLSX.

Files: the demo portal's and the test fixtures' text PDFs, plus a long generated report
(the same report's blocks repeated to --long-pages pages).

Usage: .venv/bin/python bench/bench_attachments.py [--rounds 3] [--long-pages 60]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.extract import extract_attachment
from archive.extract.core import extract_in_process
from demo.content import load_portals
from tools.gen.files import pdf_bytes

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long-pages", type=int, default=60)
    args = parser.parse_args()
    print(f"nianbao attachment extraction benchmark (best of {args.rounds} rounds)")
    bench_pdf(args.rounds, args.long_pages)
    bench_office(args.rounds)


if __name__ == "__main__":
    main()
