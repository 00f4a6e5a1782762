"""A crawl killed with SIGKILL loses nothing stored; the next run picks up (issue #4).

The crawl runs in a subprocess, slowed down (`--delay`) so that it is killed mid-way,
twice, at points chosen by what it has stored; a third run finishes. Everything stored
before each kill must still be there, nothing may be stored twice, the reports already
read must not be fetched again, and the WARC file the killed run left open is finished
so that `warcio check` passes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from helpers.nightly import count_rows, query, run, scalar, start, wait_until, warcio
from w3lib.url import canonicalize_url

from demo.server import DemoPortals


def crawl_command(db: Path, sites: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites), *extra]


def kill_after(db: Path, sites: Path, captures: int) -> None:
    """Start a slow crawl and SIGKILL it once `captures` captures are stored."""
    proc = start(crawl_command(db, sites, "--delay", "0.05"))
    try:
        wait_until(lambda: count_rows(db, "captures") >= captures or proc.poll() is not None)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"


def stored(db: Path) -> dict[str, set]:
    return {
        "captures": {r[0] for r in query(db, "SELECT id FROM captures")},
        "reports": {r[0] for r in query(db, "SELECT id FROM reports")},
        "report_urls": set(query(db, "SELECT report_id, url_key FROM report_urls")),
        "read": {r[0] for r in query(db, "SELECT url_key FROM url_state "
                                         "WHERE fingerprint LIKE 'text:%'")},
    }


def test_sigkill_mid_crawl_loses_nothing_and_resumes(tmp_path: Path) -> None:
    db, sites = tmp_path / "archive.db", tmp_path / "sites.yml"
    with DemoPortals() as demo:
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        kill_after(db, sites, 30)
        after_first_kill = stored(db)
        assert scalar(db, "PRAGMA integrity_check") == "ok"
        kill_after(db, sites, len(after_first_kill["captures"]) + 40)
        after_second_kill = stored(db)
        assert scalar(db, "PRAGMA integrity_check") == "ok"
        last_capture = max(after_second_kill["captures"])
        resumed = run(crawl_command(db, sites, "--json"))
        truth = demo.ground_truth()
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = stored(db)
    for name in ("captures", "reports", "report_urls"):  # nothing stored is lost
        assert after_first_kill[name] <= after_second_kill[name] <= final[name], name
    assert after_second_kill["read"], "the killed runs should have read some reports"
    refetched = {r[0] for r in query(db, "SELECT url_key FROM captures WHERE id > ? AND "
                                         "kind = 'candidate'", (last_capture,))}
    assert refetched & after_second_kill["read"] == set()  # reports read before are not fetched again
    found = {k for _, k in final["report_urls"]}
    missing = [e["title"] for e in truth if e["kind"] == "report"
               and not any(canonicalize_url(u, keep_fragments=False) in found for u in e["urls"])]
    assert missing == []
    # nothing twice: one version per report, one url_state row per URL
    assert scalar(db, "SELECT count(*) FROM report_versions") == len(final["reports"])
    assert scalar(db, "SELECT count(*) FROM report_versions WHERE version > 1") == 0
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    files = sorted(str(p) for p in (tmp_path / "warc").iterdir())
    assert len(files) == 3 and all(f.endswith(".warc.gz") for f in files)
    assert warcio("check", *files).returncode == 0
