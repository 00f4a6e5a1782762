"""A crawl in a subprocess (`python -m archive.app.crawl --json`), and what it left."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Crawl:
    returncode: int
    summary: dict[str, Any]
    stderr: str
    db: Path
    portals: dict[str, Any] = field(default_factory=dict)  # name -> the test portal

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()


def run_crawl(db: Path, *args: str, timeout: float = 180,
              env: Mapping[str, str] | None = None) -> Crawl:
    """Crawl (`--url …` or `--sites …` in `args`) into `db`; the summary is its JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--json", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
        env=dict(env) if env is not None else None)
    lines = proc.stdout.strip().splitlines()
    return Crawl(proc.returncode, json.loads(lines[-1]) if lines else {}, proc.stderr, db)
