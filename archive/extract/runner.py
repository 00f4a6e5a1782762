"""extract_attachment: run one extraction in a child process with memory and time limits.

Memory bound per call: the child's address space is capped at Limits.memory_mb
(RLIMIT_AS, default 1 GiB, inherited by antiword/catdoc/tesseract); the parent holds
the attachment (at most Limits.max_bytes, 50 MiB) and the result text (at most
Limits.max_text_chars characters). A child past its wall time is killed with its
whole process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from archive.extract.guard import size_problem
from archive.extract.model import DEFAULT_LIMITS, Extracted, Limits, failed
from archive.extract.sniff import declared_kind

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "archive.extract.worker"]


def extract_attachment(
    body: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    limits: Limits = DEFAULT_LIMITS,
) -> Extracted:
    """Text and tables of an attachment; never raises, hostile files end as status 'error'."""
    claimed = declared_kind(filename, content_type)
    problem = size_problem(body, limits)
    if problem:
        return failed(claimed, problem)
    try:
        return run_worker(body, filename, content_type, limits)
    except Exception as error:  # noqa: BLE001 - the contract: nothing escapes to the crawler
        return failed(claimed, f"extraction worker failed: {type(error).__name__}: {error}")


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{PROJECT_ROOT}{os.pathsep}{path}" if path else str(PROJECT_ROOT)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def run_worker(
    body: bytes, filename: str | None, content_type: str | None, limits: Limits
) -> Extracted:
    header = {"filename": filename, "content_type": content_type, "limits": asdict(limits)}
    message = json.dumps(header).encode() + b"\n" + body
    claimed = declared_kind(filename, content_type)
    proc = subprocess.Popen(
        WORKER,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=worker_env(),
        start_new_session=True,  # its own process group: a timeout kills antiword & co. too
    )
    try:
        out, err = proc.communicate(message, timeout=limits.timeout_seconds)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return failed(claimed, f"timed out after {limits.timeout_seconds:.0f} s")
    if proc.returncode != 0 or not out:
        return failed(claimed, death_reason(proc.returncode, err, limits))
    return Extracted.from_dict(json.loads(out))


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def death_reason(returncode: int, stderr: bytes, limits: Limits) -> str:
    """Why the worker ended without a result, as a user can read it."""
    tail = stderr.decode("utf-8", "replace").strip().splitlines()
    last = tail[-1] if tail else ""
    if returncode == -signal.SIGXCPU or returncode == -signal.SIGKILL:
        return f"worker killed (signal {-returncode}): CPU limit of about {limits.timeout_seconds:.0f} s"
    if "MemoryError" in last or returncode in (-signal.SIGSEGV, -signal.SIGABRT):
        return f"worker ran out of memory (limit {limits.memory_mb} MiB): {last[:200]}".rstrip(": ")
    return f"worker exited with status {returncode}: {last[:200]}".rstrip(": ")
