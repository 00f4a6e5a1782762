"""Hostile attachments end as status "error" with a reason, inside bounded memory and time."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.extract import DEFAULT_LIMITS, Limits, extract_attachment
from archive.extract.core import extract_in_process
from archive.extract.model import MIB

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "attachments"
ROOT = Path(__file__).resolve().parent.parent
HOSTILE = {
    "truncated.pdf": "truncated",
    "encrypted.pdf": "password",
    "bomb_ratio.docx": "decompression bomb",
    "bomb_declared.docx": "decompression bomb",
    "broken_zip.docx": "broken zip",
    "error_page.pdf": "HTML",
    "garbage.docx": "unknown format",
}


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_an_error_with_its_reason(name: str) -> None:
    result = extract_attachment(read(name), filename=name, content_type=None)
    assert result.status == "error"
    assert HOSTILE[name].lower() in (result.error or "").lower()
    assert result.text == "" and result.tables == []


def test_defaults_are_the_documented_bounds() -> None:
    assert DEFAULT_LIMITS.max_bytes == 50 * MIB
    assert DEFAULT_LIMITS.memory_mb == 1024 and DEFAULT_LIMITS.timeout_seconds == 60


def test_oversized_file_is_refused_before_any_work() -> None:
    limits = Limits(max_bytes=10_000)
    result = extract_attachment(
        read("post2021.pdf"), filename="a.pdf", content_type=None, limits=limits
    )
    assert result.status == "error" and "over the limit" in (result.error or "")
    assert result.kind == "pdf"  # from the name: the bytes were never opened


def test_empty_body_is_an_error() -> None:
    result = extract_attachment(b"", filename="a.pdf", content_type="application/pdf")
    assert (result.status, result.error) == ("error", "empty file")


def test_owner_password_only_pdf_is_read() -> None:
    result = extract_in_process(read("owner_only.pdf"), "o.pdf")
    assert result.status == "ok" and result.text_chars > 500


def test_pdf_behind_a_doc_name_is_read_as_pdf() -> None:
    result = extract_attachment(
        read("pdf_named.doc"), filename="报告.doc", content_type="application/msword"
    )
    assert (result.kind, result.status, result.declared) == ("pdf", "ok", "doc")


def test_encrypted_ooxml_container_is_an_error() -> None:
    import olefile  # noqa: F401 - the sniffer reads OLE directories with it

    ole = read("post2020.doc")
    body = ole.replace("WordDocument".encode("utf-16le"), "EncryptedPkg".encode("utf-16le"))
    result = extract_in_process(body, "x.docx")
    assert result.status == "error"


def many_page_pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    for number in range(pages):
        for line in range(40):
            pdf.drawString(72, 760 - line * 18, f"page {number} line {line} " + "text " * 12)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_slow_file_is_killed_at_the_wall_time_limit() -> None:
    body = many_page_pdf(400)
    limits = Limits(timeout_seconds=2)
    result = extract_attachment(body, filename="big.pdf", content_type=None, limits=limits)
    assert result.status == "error" and "timed out" in (result.error or "")


def test_max_pages_bounds_the_work_and_says_so() -> None:
    result = extract_in_process(many_page_pdf(12), "p.pdf", None, Limits(max_pages=5))
    assert result.status == "ok" and result.pages == 12
    assert "read 5 of 12 pages" in (result.error or "")
    assert "page 5 line" not in result.text and "page 4 line" in result.text


def real_bomb(path: Path, inflated_mib: int) -> None:
    """A DOCX whose document.xml really inflates to inflated_mib, streamed to disk."""
    source = zipfile.ZipFile(FIXTURES / "post2020.docx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, source.read(info.filename))
                continue
            with target.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(
                    b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                    b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
                    b"<w:r><w:t>"
                )
                chunk = "政".encode() * (MIB // 3)
                for _ in range(inflated_mib):
                    member.write(chunk)
                member.write(b"</w:t></w:r></w:p></w:body></w:document>")


@pytest.fixture(scope="module")
def bomb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    real_bomb(path, 600)
    return path


def test_real_bomb_is_stopped_by_the_zip_guard(bomb_path: Path) -> None:
    body = bomb_path.read_bytes()
    assert len(body) < 5 * MIB
    result = extract_attachment(body, filename="bomb.docx", content_type=None)
    assert result.status == "error" and "decompression bomb" in (result.error or "")


PEAK_PROBE = """
import json, resource, sys
from archive.extract import Limits, extract_attachment
limits = Limits(memory_mb=int(sys.argv[2]), max_unzipped_bytes=10**12, max_zip_ratio=1e9)
body = open(sys.argv[1], "rb").read()
result = extract_attachment(body, filename="bomb.docx", content_type=None, limits=limits)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"status": result.status, "error": result.error, "peak_kib": peak_kib}))
"""


def test_without_the_guard_memory_stays_under_the_rlimit(bomb_path: Path) -> None:
    """Guard switched off: the worker dies at its address-space limit, the caller lives,
    and no child process ever held more than the limit."""
    limit_mb = 400
    done = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE, str(bomb_path), str(limit_mb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == "error" and "memory" in report["error"], report
    print(f"\nbomb without guard: {report}")
    assert report["peak_kib"] <= limit_mb * 1024, report
