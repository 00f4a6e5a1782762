"""`nianbao serve` on an archive, in a subprocess on a free loopback port, for browser tests."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.loopback import unused_port


@contextmanager
def served(db: Path, *extra: str, wait: float = 15.0) -> Iterator[str]:
    """Serve `db` with `nianbao serve`; yields the base URL once it answers."""
    port = unused_port()
    proc = subprocess.Popen([sys.executable, "-m", "archive.app.cli", "serve", "--db", str(db),
                             "--port", str(port), *extra], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nianbao serve did not answer on {base}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
