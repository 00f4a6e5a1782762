"""Per-capture results a full derive can take from `nianbao build`'s parser workers.

A full build reads every capture in worker processes anyway (archive/build.py); the pure,
per-capture work of two derive steps is done there too, on the same body, so that the
one writing process does not read, decode and parse every page a second and third time:

- `scans`: the hijack step's scan of a capture that is no cloaking probe
  (`archive.derive.hijack.scan_capture`: evidence and the genuine host);
- `tables`: the figures step's tables of a report page
  (`archive.derive.figure_inputs.page_tables`), kept pickled and zlib'd (~0.7 KB a page,
  ~70 MB at 100,000 reports) until the figures step takes them.

A step uses an entry only where it would have computed the same thing from the same
capture; anything missing is computed as without it. The pickles are made by this
build's own workers and never stored.
"""

from __future__ import annotations

import pickle
import zlib
from dataclasses import dataclass, field

from archive.figures.tables import Extraction
from archive.parse.hijack import Evidence


@dataclass
class Ahead:
    scans: dict[int, tuple[list[Evidence], str | None]] = field(default_factory=dict)
    tables: dict[int, bytes] = field(default_factory=dict)

    def has_tables(self, capture_id: int | None) -> bool:
        return capture_id is not None and capture_id in self.tables

    def take_tables(self, capture_id: int) -> Extraction | None:
        """The page tables of a capture (taken: each report page is read once)."""
        loaded: Extraction | None = pickle.loads(zlib.decompress(self.tables.pop(capture_id)))
        return loaded


def pack_tables(extraction: Extraction | None) -> bytes:
    return zlib.compress(pickle.dumps(extraction, protocol=pickle.HIGHEST_PROTOCOL), 1)
