"""Word .doc and WPS (OLE2): our Word 97 reader first, then antiword, then catdoc.

worddoc.py reads Word 97+ files (most .doc and .wps found today) with their tables.
antiword (DocBook output) covers Word 6/95 and files worddoc rejects; catdoc is the last
resort. Both are Debian packages (apt-get install antiword catdoc); they run as child
processes of the extraction worker and inherit its memory limit.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from archive.extract.model import Block, Extracted, Limits, failed
from archive.extract.textutil import clean_rows, join_wrapped
from archive.extract.worddoc import WordFormatError, extract_worddoc

TEXT_TAGS = {"title", "para", "simpara", "entry"}
TOOL_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin:/usr/local/bin"}


@functools.cache
def tool_version(name: str) -> str | None:
    """'antiword 0.37' / 'catdoc 0.95' when installed, else None."""
    path = shutil.which(name)
    if path is None:
        return None
    flag = "-h" if name == "antiword" else "-V"
    try:
        done = subprocess.run([path, flag], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return name
    for line in (done.stdout + done.stderr).splitlines():
        words = line.replace("Version:", "").split()
        if "Version" in line or line.startswith(name):
            return f"{name} {next((w for w in words if w[:1].isdigit()), '')}".strip()
    return name


def extract_legacy(body: bytes, kind: str, limits: Limits) -> Extracted:
    """Text and tables of a .doc/.wps, trying worddoc, antiword, then catdoc."""
    problems: list[str | None] = []
    try:
        result = extract_worddoc(body, kind, limits)
        if result.blocks:
            return result
        problems.append("worddoc: no text")
    except (WordFormatError, IndexError, ValueError, KeyError, OSError) as error:
        problems.append(f"worddoc: {type(error).__name__}: {error}")
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        path = Path(tmp) / f"attachment.{kind}"
        path.write_bytes(body)
        for reader in (with_antiword, with_catdoc):
            found, problem = reader(path, kind, limits)
            if found is not None:
                return found
            problems.append(problem)
    return failed(kind, "; ".join(p for p in problems if p) or "no reader for Word files")


def run(args: list[str], limits: Limits) -> tuple[bytes, str | None]:
    try:
        done = subprocess.run(
            args, capture_output=True, timeout=limits.timeout_seconds, check=False, env=TOOL_ENV
        )
    except subprocess.TimeoutExpired:
        return b"", f"{Path(args[0]).name} timed out"
    except OSError as error:
        return b"", f"{Path(args[0]).name}: {error}"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return b"", f"{Path(args[0]).name}: {message[-1] if message else done.returncode}"
    return done.stdout, None


def with_antiword(path: Path, kind: str, limits: Limits) -> tuple[Extracted | None, str | None]:
    version = tool_version("antiword")
    if version is None:
        return None, "antiword is not installed"
    out, problem = run(["antiword", "-x", "db", str(path)], limits)
    if problem:
        return None, problem
    result = Extracted(kind=kind, extractor=version)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(out, parser)
    if root is None:
        return None, "antiword wrote no XML"
    walk_docbook(root.find("chapter") if root.find("chapter") is not None else root, result)
    return result, None


def walk_docbook(element: etree._Element, result: Extracted) -> None:
    """Paragraphs and informaltables in document order."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "informaltable":
            rows = [[entry_text(e) for e in row.iter("entry")] for row in child.iter("row")]
            rows = clean_rows(list(rows))
            if rows:
                result.tables.append(rows)
                result.blocks.append(Block("table", table=len(result.tables) - 1))
            continue
        if tag in TEXT_TAGS:
            text = join_wrapped(own_text(child).splitlines())
            if text:
                result.blocks.append(Block("p", text=text))
        walk_docbook(child, result)


def own_text(element: etree._Element) -> str:
    """Text of an element without the text of tables nested in it."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != "informaltable":
            parts.append(own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def entry_text(entry: etree._Element) -> str:
    return join_wrapped("".join(entry.itertext()).splitlines())


def with_catdoc(path: Path, kind: str, limits: Limits) -> tuple[Extracted | None, str | None]:
    version = tool_version("catdoc")
    if version is None:
        return None, "catdoc is not installed"
    out, problem = run(["catdoc", "-d", "utf-8", "-w", str(path)], limits)
    if problem:
        return None, problem
    result = Extracted(kind=kind, extractor=version)
    rows: list[list[str]] = []
    for line in out.decode("utf-8", "replace").splitlines() + [""]:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if not line.strip():
            continue  # catdoc puts blank lines between table rows
        flush_rows(rows, result)
        result.blocks.append(Block("p", text=line.strip()))
    flush_rows(rows, result)
    return result, None


def flush_rows(rows: list[list[str]], result: Extracted) -> None:
    table = clean_rows(list(rows))
    if table:
        result.tables.append(table)
        result.blocks.append(Block("table", table=len(result.tables) - 1))
    rows.clear()
