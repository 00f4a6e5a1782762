"""Reports in frames and reports with print pages and exports (issue #11).

  frame_html  - the detail page shows its title, meta line and an <iframe> whose document
                (no title, no dates) holds the report's text, beside a share-bar iframe
  frame_pdf   - the detail page shows the report's PDF through a pdf.js viewer iframe
  alternates  - an ordinary HTML report with 【打印】 (a print page under another <title>,
                with no meta line), 【下载Word】 (HTML served as application/msword) and
                【下载PDF】 (the report's PDF, whose first page is no title page)

Each is one report: the ground truth (demo/truth.py) lists it once, under its detail
page's URL, with the detail page's title and dates.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tools.gen.attachments import attachment
from tools.gen.build import Doc, report_doc
from tools.gen.plan import spec_from_row

FRAMED_REPORTS: list[tuple[tuple[Any, ...], str]] = [
    (("fusong", "qyz", "泉阳镇", 2018, "2019-01-22", "town_year", "digits", "", 0), "frame_html"),
    (("fusong", "fsz", "抚松镇", 2018, "2019-01-25", "year_town", "digits", "", 0), "frame_pdf"),
    (("fusong", "qyz", "泉阳镇", 2024, "2025-01-20", "town_year", "digits", "", 0), "alternates"),
]


def framed_docs(portal: str) -> list[Doc]:
    """The portal's framed and alternate-bearing reports as documents."""
    docs = []
    for row, mode in FRAMED_REPORTS:
        if row[0] != portal:
            continue
        doc = report_doc(spec_from_row(row))
        doc["flags"] = sorted({*doc["flags"], mode})
        if mode == "frame_pdf":
            doc["attachments"] = [attachment(doc, 0, "pdf", "pdf", "ok")]
            doc["tables"] = 0  # the page itself carries no table
        if mode == "alternates":  # the 【下载PDF】 export's bytes: the text, no title page
            digest = hashlib.sha1(doc["id"].encode("utf-8")).hexdigest()[:12]
            doc["exports"] = [{"file": f"{portal}/export_{digest}.pdf", "maker": "pdf_untitled"}]
        docs.append(doc)
    return docs
