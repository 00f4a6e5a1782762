"""Headless Chromium (Debian's, installed by .ci/run) for the browser tests: one command line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Without the background-networking flags Chromium tries to reach its vendor's hosts at
# start-up; this machine's network is closed and the tests must send nothing off loopback.
# The virtual-time budget gives a page's scripts (and timers) 3 s to run before the DOM is
# dumped: a test that an archived script did NOT run must have let it try.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=3000")


def run_chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium run once on `url` with a profile of its own; fails the test if it fails."""
    result = subprocess.run(
        [CHROMIUM or "chromium", *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def chromium(url: str, profile: Path, *extra: str) -> str:
    """What Chromium printed (the DOM, with `--dump-dom`)."""
    return run_chromium(url, profile, *extra).stdout
