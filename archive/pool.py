"""Worker processes for the CPU-bound, pure work: parsing pages (the crawl, a rebuild).

`worker_pool` starts spawned workers (a crawl's reactor has threads: never fork it) that
die with the process that started them (Linux `PR_SET_PDEATHSIG`), so a killed crawl or
build leaves no orphans holding its pipes and memory. `NIANBAO_PARSE_WORKERS` sets their
number (0: no pool, the work runs in the calling process).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

WORKERS_ENV = "NIANBAO_PARSE_WORKERS"
MAX_WORKERS = 4
PR_SET_PDEATHSIG = 1  # prctl(2)


def default_workers() -> int:
    """NIANBAO_PARSE_WORKERS, else one per core (at most MAX_WORKERS)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit():
        return int(configured)
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when `parent` dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still applies
        return
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _start(parent: int, warm_up: Callable[[], object] | None) -> None:
    die_with_parent(parent)
    if warm_up is not None:
        warm_up()


def worker_pool(workers: int | None = None,
                warm_up: Callable[[], object] | None = None) -> ProcessPoolExecutor | None:
    """A pool of `workers` spawned processes (default: `default_workers()`), each running
    `warm_up` once (a module-level function); None for 0 workers."""
    workers = default_workers() if workers is None else workers
    if workers <= 0:
        return None
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start,
                               initargs=(os.getpid(), warm_up))
