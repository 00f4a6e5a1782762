"""Typed records that flow from the parsers into storage.

Parsers return these; nothing here knows about Scrapy or SQLite.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PRE2019 = "pre2019"
POST2019 = "post2019"


@dataclass
class Section:
    """One heading of a report and the text that follows it up to the next heading."""

    level: int  # 1: 一、  2: (一)  3: 1.
    heading: str
    text: str


@dataclass
class Report:
    """What an annual-report page says, as a reader of the genuine page would see it."""

    url: str
    title: str  # clean title: spam removed, Traditional clones folded to Simplified
    title_raw: str  # the title exactly as the page shows it
    text: str  # whole body as clean text, paragraphs separated by newlines
    town: str | None = None  # reporting body as a place name: 成吉思汗镇, 北京街道, XX县
    county: str | None = None
    report_year: int | None = None  # the year reported on
    published: str | None = None  # ISO date the portal published it
    signed: str | None = None  # ISO date under the signature
    source: str | None = None  # 来源 / 发布机构 as shown
    format: str = PRE2019  # PRE2019 or POST2019
    tampered: bool = False
    spam_terms: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    platform: str = "generic"  # which parser module understood the page
    index_no: str | None = None  # 索引号, when the page has one
    encoding: str | None = None  # charset the body was decoded with

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
