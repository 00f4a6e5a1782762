"""Helpers for the live nightly tests: run commands in subprocesses, read the archive."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LIST_KINDS = ("start", "nav", "page", "frame")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def nianbao(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive.app.cli", *args]


def run(command: list[str], timeout: float = 120) -> Ran:
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> Ran:
    out, err = proc.communicate(timeout=timeout)
    return Ran(proc.returncode, out, err)


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def scalar(db: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    return query(db, sql, params)[0][0]


def wait_until(predicate: Any, timeout: float = 60, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


def count_rows(db: Path, table: str) -> int:
    """Rows in a table, 0 while the file or table does not exist yet."""
    if not db.exists():
        return 0
    try:
        return int(scalar(db, f"SELECT count(*) FROM {table}"))
    except sqlite3.OperationalError:
        return 0


def warcio(*args: str) -> Ran:
    return run([sys.executable, "-c", "from warcio.cli import main; main()", *args])
