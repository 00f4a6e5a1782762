"""The kill suite (issue #12): 20 SIGKILLs at seeded random moments of crawl, build and
nightly on the demo portals. After each kill the next run of the same command completes;
at the end the archive holds what an archive made without kills holds (the same reports,
the same versions, no page captured twice by one run) and `PRAGMA integrity_check` is ok.

Slow (a few minutes): `make test-slow`. The schedule is seeded, so a failure reproduces.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest
from helpers.nightly import finish, nianbao, query, run, scalar, start

from demo.server import DemoPortals

pytestmark = pytest.mark.slow
SEED = 2026
KILLS = 20


def commands(db: Path, sites: Path) -> dict[str, list[str]]:
    return {
        "crawl": [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites",
                  str(sites)],
        "build": nianbao("build", "--db", str(db)),
        "nightly": nianbao("nightly", "--db", str(db), "--sites", str(sites),
                           "--log-file", str(db.parent / "nightly.log")),
    }


def complete(command: list[str]) -> None:
    ran = run(command, timeout=300)
    assert ran.returncode in (0, 1), ran.stderr[-2000:]  # 1: a demo page answers 404 on purpose


def state(db: Path) -> dict[str, object]:
    return {
        "reports": sorted(query(db, "SELECT id, title, report_year, town FROM reports")),
        "versions": sorted(query(db, "SELECT report_id, version, text_sha256 "
                                     "FROM report_versions")),
        "twice": query(db, "SELECT run_id, url_key, count(*) FROM captures "
                           "WHERE run_id IS NOT NULL AND kind = 'candidate' "
                           "AND status BETWEEN 200 AND 299 "
                           "GROUP BY run_id, url_key HAVING count(*) > 1"),
    }


def test_twenty_kills_leave_the_archive_a_clean_run_would_make(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    with DemoPortals(base_port=0) as demo:
        sites = tmp_path / "sites.yml"
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        clean, killed = tmp_path / "clean" / "a.db", tmp_path / "killed" / "a.db"
        clean.parent.mkdir()
        killed.parent.mkdir()
        for name in ("crawl", "build", "nightly"):
            complete(commands(clean, sites)[name])
        schedule = [(rng.choice(("crawl", "build", "nightly")), rng.uniform(0.3, 4.0))
                    for _ in range(KILLS)]
        kills = 0
        for name, after in schedule:
            command = commands(killed, sites)[name]
            proc = start(command)
            time.sleep(after)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            finish(proc, timeout=60)
            if killed.exists():
                assert scalar(killed, "PRAGMA integrity_check") == "ok", (name, after)
            complete(command)  # the next run of what was killed completes
        for name in ("crawl", "build", "nightly"):
            complete(commands(killed, sites)[name])
    print(f"{kills} of {KILLS} commands killed")
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} commands were still running to kill"
    assert scalar(killed, "PRAGMA integrity_check") == "ok"
    expected, got = state(clean), state(killed)
    assert got["reports"] == expected["reports"]
    assert got["versions"] == expected["versions"]
    assert got["twice"] == []
