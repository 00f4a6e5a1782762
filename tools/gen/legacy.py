"""Write the demo's legacy Word 97 .doc attachments: `python -m tools.gen.legacy`.

No Python library writes the binary .doc format, so the DOCX made from the report's
blocks is converted by LibreOffice headless (Debian: libreoffice-writer-nogui, about
250 MB installed; only needed to regenerate these files, never at run time). The
output carries LibreOffice's own timestamps, so the .doc files are committed rather
than rebuilt by `python -m tools.generate`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from demo.content import CONTENT_DIR, Doc, load_portals
from tools.gen.files import docx_bytes

CONVERT_TIMEOUT_SECONDS = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_doc(docx: bytes, tool: str) -> bytes:
    """Convert DOCX bytes to Word 97-2003 .doc bytes with LibreOffice headless."""
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        source = Path(tmp) / "report.docx"
        source.write_bytes(docx)
        subprocess.run(
            [
                tool,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=CONVERT_TIMEOUT_SECONDS,
        )
        return (Path(tmp) / "report.doc").read_bytes()


def legacy_items() -> list[tuple[Doc, dict]]:
    return [
        (doc, item)
        for portal in load_portals()
        for doc in portal.docs
        for item in doc.get("attachments", [])
        if item["maker"] == "doc"
    ]


def main(out_dir: Path = CONTENT_DIR) -> int:
    tool = soffice()
    if tool is None:
        print("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
        return 1
    for doc, item in legacy_items():
        stamp = f"{doc['published']}T{doc['time']}"
        data = docx_to_doc(
            docx_bytes(doc["title"], doc["blocks"], doc["source"] or "", stamp), tool
        )
        path = out_dir / "files" / item["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
