"""Load the generated content files (demo/content/*.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).resolve().parent / "content"
Doc = dict[str, Any]


@dataclass
class PortalContent:
    """One portal: where it is, how it is built, and every page it carries."""

    id: str
    style: str
    name: str
    province: str
    city: str
    county: str
    order: int
    columns: dict[str, str]
    town: str | None = None
    docs: list[Doc] = field(default_factory=list)

    def in_column(
        self, column: str, kinds: tuple[str, ...] = ("report", "decoy", "news")
    ) -> list[Doc]:
        """Documents of one column, newest first, as list pages show them."""
        docs = [d for d in self.docs if d["column"] == column and d["kind"] in kinds]
        return sorted(docs, key=lambda d: (d["published"], d["time"]), reverse=True)


def load_portal(path: Path) -> PortalContent:
    data = json.loads(path.read_text(encoding="utf-8"))
    info = data["portal"]
    return PortalContent(
        id=info["id"],
        style=info["style"],
        name=info["name"],
        province=info["province"],
        city=info["city"],
        county=info["county"],
        order=info["order"],
        columns=info["columns"],
        town=info.get("town"),
        docs=data["docs"],
    )


def load_portals(directory: Path = CONTENT_DIR) -> list[PortalContent]:
    """Every portal in port order."""
    portals = [load_portal(p) for p in directory.glob("*.json")]
    return sorted(portals, key=lambda p: p.order)
