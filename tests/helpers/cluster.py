"""A real redis-server for the distributed-crawl tests, and what two archives must share."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers.loopback import unused_port

# What a crawl of the same portals must give whoever did the fetching: the reports, their
# versions, the figures read from them, the URLs known to url_state.
SAME = {
    "reports": "SELECT id, title, report_year, town, county, site_id FROM reports",
    "versions": "SELECT report_id, version, text_sha256 FROM report_versions",
    "figures": "SELECT * FROM figures",
    "report_urls": "SELECT report_id, url_key FROM report_urls",
    "url_state": "SELECT url_key, site_id, etag, last_modified, fingerprint, last_status, "
                 "gone_at IS NOT NULL, listed_at IS NOT NULL FROM url_state",
    "pages": "SELECT url_key, status, sha256, kind, error, note FROM captures "
             "WHERE kind IS NOT 'robots'",
}


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(sql).fetchall(), key=repr)


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows(db, sql) for name, sql in SAME.items()}


def fetched_twice(db: Path) -> list[tuple[Any, ...]]:
    """Pages captured more than once by one run (robots.txt aside: each worker asks)."""
    return rows(db, "SELECT run_id, url_key, count(*) FROM captures WHERE run_id IS NOT NULL "
                    "AND kind IS NOT 'robots' GROUP BY run_id, url_key HAVING count(*) > 1")


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """`redis-server` on a free loopback port, nothing saved; yields its redis:// URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        import pytest

        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = unused_port()
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
