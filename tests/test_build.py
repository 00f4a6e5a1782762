"""`nianbao build` (archive/build.py): the rebuild from stored captures."""

from __future__ import annotations

from pathlib import Path

from archive.build import build_archive
from archive.db import Archive

HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_build_in_worker_processes_gives_the_same_archive(tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    pages = sorted(Path(__file__).resolve().parent.joinpath("fixtures").glob("*/*.html"))
    with Archive(db) as archive:
        for n, page in enumerate(pages):
            archive.add_capture(f"http://127.0.0.1:1/{n}.html", status=200, headers=HTML,
                                body=page.read_bytes())
        inline = build_archive(archive, workers=0)
        rows = archive.db.execute("SELECT id, text FROM reports ORDER BY id").fetchall()
        pooled = build_archive(archive, workers=2)
        assert archive.db.execute("SELECT id, text FROM reports ORDER BY id").fetchall() == rows
    assert (inline.captures, inline.parsed, inline.not_reports, inline.errors, inline.reports) \
        == (pooled.captures, pooled.parsed, pooled.not_reports, pooled.errors, pooled.reports)
    assert inline.outcomes == pooled.outcomes
    assert inline.parsed > 10
