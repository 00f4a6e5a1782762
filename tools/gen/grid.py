"""Table blocks (cells with rowspan/colspan, as HTML has them) laid out on a full grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Span = tuple[int, int, int, int]  # first row, first col, last row, last col


@dataclass
class Grid:
    cells: list[list[str | None]]  # None: covered by a span that starts elsewhere
    spans: list[Span]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def cell_parts(cell: Any) -> tuple[str, int, int]:
    if isinstance(cell, str):
        return cell, 1, 1
    return cell["x"], cell.get("r", 1), cell.get("c", 1)


def grid_of(rows: list[list[Any]]) -> Grid:
    """Place every cell on the first free grid position of its row, as browsers do."""
    taken: dict[tuple[int, int], str | None] = {}
    spans: list[Span] = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            text, down, across = cell_parts(cell)
            for dr in range(down):
                for dc in range(across):
                    taken[(r + dr, c + dc)] = None
            taken[(r, c)] = text
            if down > 1 or across > 1:
                spans.append((r, c, r + down - 1, c + across - 1))
            c += across
    height = len(rows)
    width = max((c for _, c in taken), default=-1) + 1
    cells = [[taken.get((r, c), "") for c in range(width)] for r in range(height)]
    return Grid(cells, spans)
