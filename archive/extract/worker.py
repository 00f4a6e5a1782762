"""Child process that extracts one attachment: `python -m archive.extract.worker`.

Reads one JSON header line (filename, content_type, limits) and then the raw bytes on
stdin; writes the Extracted result as JSON on stdout. Before touching the bytes it caps
its own address space (RLIMIT_AS) and CPU time, so a hostile file can only kill this
process, never the crawler that started it.
"""

from __future__ import annotations

import json
import resource
import sys
from dataclasses import fields
from typing import Any

from archive.extract.model import MIB, Limits

CPU_GRACE_SECONDS = 5


def apply_limits(limits: Limits) -> None:
    memory = limits.memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.timeout_seconds) + CPU_GRACE_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def limits_from(data: dict[str, Any]) -> Limits:
    known = {f.name for f in fields(Limits)}
    return Limits(**{k: v for k, v in data.items() if k in known})


def main() -> int:
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    limits = limits_from(header.get("limits", {}))
    apply_limits(limits)
    body = stdin.read(limits.max_bytes + 1)
    from archive.extract.core import extract_in_process  # imported under the limits

    result = extract_in_process(body, header.get("filename"), header.get("content_type"), limits)
    sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
