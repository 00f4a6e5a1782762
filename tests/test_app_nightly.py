"""The nightly lock and log: one run at a time, no stale lock after a kill, rotating log."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.nightly import start, wait_until

from archive.app.cli import cli
from archive.app.nightly import LOCKED_EXIT, lock_path_for, nightly_lock, start_file_log
from archive.errors import NightlyLockedError

HOLD = ("import sys, time; from archive.app.nightly import nightly_lock\n"
        "with nightly_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)")


def test_a_second_holder_is_refused_with_the_first_ones_pid(db_path: Path) -> None:
    with nightly_lock(db_path):
        assert lock_path_for(db_path).read_text().startswith(f"pid {os.getpid()} since ")
        with pytest.raises(NightlyLockedError, match=f"pid {os.getpid()}"), nightly_lock(db_path):
            pass
    with nightly_lock(db_path):  # released on leaving
        pass


def test_a_killed_holder_leaves_no_stale_lock(db_path: Path) -> None:
    holder = start([sys.executable, "-c", HOLD, str(db_path)])
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    sites = db_path.parent / "sites.yml"
    sites.write_text("- id: x\n  start_urls: [http://127.0.0.1:9/]\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["nightly", "--db", str(db_path), "--sites", str(sites)])
    assert refused.exit_code == LOCKED_EXIT
    assert "another nightly run is in progress" in refused.output
    os.kill(holder.pid, signal.SIGKILL)
    holder.communicate(timeout=10)
    wait_until(lambda: holder.poll() is not None)
    with nightly_lock(db_path):
        pass


def test_the_log_file_rotates(tmp_path: Path) -> None:
    handler = start_file_log(tmp_path / "nightly.log")
    try:
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert handler.maxBytes > 0 and handler.backupCount > 0
        logging.getLogger("archive.test").info("nightly started")
        handler.flush()
        assert "nightly started" in (tmp_path / "nightly.log").read_text(encoding="utf-8")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
