"""Datasette plugin: the `safe_href` Jinja filter for URLs that came from portals.

A stored URL (a report's page, its mirrors, attachments, a capture's referrer) is whatever a
hijacked portal linked to. Printed into `href`, `javascript:alert(1)` would run on click;
Jinja's escaping does not stop that. `safe_href` lets through http(s) URLs and paths on
this site, and turns anything else into `#`.

It reads the value the way a browser does (WHATWG URL): leading and trailing spaces and
control characters are dropped and tabs and newlines removed anywhere, so
`  java\\tscript:alert(1)` is seen as the `javascript:` URL it is. A value still holding a
control character, and `//host` or `\\host` (another site, whatever the scheme), is refused.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl

SAFE_SCHEMES = frozenset({"http", "https"})
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
EDGE_JUNK = "".join(chr(c) for c in range(0x21))  # C0 controls and space
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NOWHERE = "#"


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["safe_href"] = safe_href


def safe_href(value: Any) -> str:
    """`value` when it is an http(s) URL or a path on this site, else `#`."""
    if not isinstance(value, str):
        return NOWHERE
    url = TAB_OR_NEWLINE.sub("", value.strip(EDGE_JUNK))
    if not url or CONTROL.search(url):
        return NOWHERE
    scheme = SCHEME.match(url)
    if scheme:
        return url if scheme.group(1).lower() in SAFE_SCHEMES else NOWHERE
    if url[:2].replace("\\", "/") == "//":  # scheme-relative: another host
        return NOWHERE
    return url
