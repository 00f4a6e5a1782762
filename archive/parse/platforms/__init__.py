"""CMS platforms: how each one lays out a detail page (content container, title).

A platform is data: URL shapes and markup markers that identify it, and XPaths for its
content container and title. `detect_layout` returns the first platform that claims the
page, or the generic layout. Extraction itself is shared (archive.parse.page); the
generic content hints (archive.parse.platforms.generic) are tried after any platform's.
"""

from __future__ import annotations

from archive.parse.platforms import generic, hanweb, trs, vsb
from archive.parse.platforms.layout import Layout, compiled, has_class

__all__ = ["Layout", "compiled", "detect_layout", "has_class"]


def detect_layout(url: str, markup: str) -> Layout:
    for layout in (hanweb.LAYOUT, trs.LAYOUT, vsb.LAYOUT):
        if layout.claims(url, markup):
            return layout
    return generic.LAYOUT
