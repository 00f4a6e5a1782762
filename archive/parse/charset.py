"""Turn captured bytes into text without silent mojibake.

Order of evidence: byte-order mark, then whether the bytes are valid UTF-8 (a page
declaring gb2312 that is really UTF-8 is common; GBK text that happens to be valid
UTF-8 is not), then the declared charset (HTTP header, then ``<meta>``), then GB18030,
Big5 and finally charset-normalizer. Every candidate must also *look* like text.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping
from typing import Any

from archive.errors import DecodeError

log = logging.getLogger(__name__)

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
BINARY_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP/DOCX/XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "DOC/XLS (OLE)"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
)
# Declared names that really mean "GBK or its superset": decode as GB18030.
# fmt: off
GB_ALIASES = frozenset({
    "gb2312", "gbk", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "ms936", "euc-cn", "gb18030",
    "csgb2312", "windows-936", "x-euc-cn",
})
# fmt: on
# Declared names that servers send by default and that say nothing about Chinese text.
UNINFORMATIVE = frozenset(
    {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252", "iso8859-1"}
)
CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
META_SCAN_BYTES = 8192
MAX_REPLACED_FRACTION = 0.005
SAMPLE_CHARS = 4000
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
ODD_RE = re.compile("[\ue000-\uf8ff\ufffd\ud800-\udfff]")  # private use, replacement, surrogates
HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def decode_html(
    body: bytes, headers: Mapping[str, Any] | None = None, url: str = ""
) -> tuple[str, str]:
    """Return (text, encoding name); raise DecodeError when no charset gives plausible text."""
    if not body:
        raise DecodeError(url, "empty body")
    for magic, kind in BINARY_MAGIC:
        if body.startswith(magic):
            raise DecodeError(url, f"a {kind} file, not an HTML page")
    for bom, name in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    declared = charset_from_headers(headers) or charset_from_meta(body)
    for name in candidate_charsets(body, declared):
        text = decode_leniently(body, name)
        if text is not None and looks_like_text(text, name):
            log.debug("decoded as %s (declared %s)", name, declared)
            return text, narrowest_gb_name(body, name)
    guessed = charset_from_detector(body)
    if guessed:
        return guessed
    raise DecodeError(url, f"no plausible charset (declared {declared or 'none'})")


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in GB_ALIASES or name.replace("-", "").replace("_", "") in {"gb2312", "gbk", "gb18030"}:
        return "gb18030"
    if name in UNINFORMATIVE:
        return None
    if name in {"big5", "big5-hkscs", "x-x-big5", "cp950"}:
        return "big5hkscs"
    if name in {"utf8", "utf-8", "unicode-1-1-utf-8"}:
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_value(headers: Mapping[str, Any] | None, wanted: str) -> str | None:
    """A header value from a dict of str or Scrapy-style bytes/list values, any key case."""
    if not headers:
        return None
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() != wanted:
            continue
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


HTML_TYPES = ("text/html", "application/xhtml", "text/plain")
HTML_MARKS = (b"<html", b"<!doctype", b"<head", b"<body", b"<table", b"<div", b"<p")


def looks_like_html(body: bytes, headers: Mapping[str, Any] | None) -> bool:
    """A page (not a PDF, an image, a Word file): by Content-Type, else by its first bytes."""
    kind = (header_value(headers, "content-type") or "").split(";")[0].strip().lower()
    if kind:
        return kind.startswith(HTML_TYPES)
    head = body[:1024].lower()
    return any(mark in head for mark in HTML_MARKS)


def charset_from_headers(headers: Mapping[str, Any] | None) -> str | None:
    value = header_value(headers, "content-type")
    match = CHARSET_RE.search(value.encode("latin-1", "ignore")) if value else None
    return normalise_charset(match.group(1).decode("ascii")) if match else None


def charset_from_meta(body: bytes) -> str | None:
    head = body[:META_SCAN_BYTES]
    for match in re.finditer(rb"<meta[^>]+>", head, re.IGNORECASE):
        found = CHARSET_RE.search(match.group(0))
        if found:
            return normalise_charset(found.group(1).decode("ascii", "ignore"))
    return None


def candidate_charsets(body: bytes, declared: str | None) -> list[str]:
    if body.isascii():
        return [declared if declared in {"gb18030", "utf-8", "big5hkscs"} else "utf-8"]
    order = ["utf-8", declared, "gb18030", "big5hkscs"]
    return list(dict.fromkeys(name for name in order if name))


def decode_leniently(body: bytes, name: str) -> str | None:
    """Strict decode that forgives a multibyte character cut off at the end and rare bad bytes."""
    try:
        return body.decode(name)
    except UnicodeDecodeError as error:
        if error.start >= len(body) - 4:
            return decode_leniently(body[: error.start], name)
    except LookupError:
        return None
    text = body.decode(name, errors="replace")
    replaced = text.count("\ufffd")
    non_ascii = sum(1 for ch in text[: SAMPLE_CHARS * 4] if ord(ch) > 127)
    if replaced <= max(1, int(non_ascii * MAX_REPLACED_FRACTION)):
        return text
    return None


def looks_like_text(text: str, name: str) -> bool:
    """Reject decodings full of control characters, private-use or rare CJK (mojibake)."""
    sample = text[: SAMPLE_CHARS * 4]
    if len(CONTROL_RE.findall(sample)) > max(2, len(sample) // 200):
        return False
    if len(ODD_RE.findall(sample)) > max(2, len(sample) // 500):
        return False
    if name == "utf-8":
        return True
    han = HAN_RE.findall(sample)
    if len(han) < 20:
        return True
    common = sum(1 for ch in han[:SAMPLE_CHARS] if _is_common_han(ch))
    return common >= 0.9 * min(len(han), SAMPLE_CHARS)


def _is_common_han(ch: str) -> bool:
    for codec in ("gb2312", "big5"):
        try:
            ch.encode(codec)
            return True
        except UnicodeEncodeError:
            continue
    return False


def narrowest_gb_name(body: bytes, name: str) -> str:
    """Report GB18030-decoded bytes that are plain GBK as "gbk" (the usual case)."""
    if name != "gb18030":
        return name
    try:
        body.decode("gbk")
    except UnicodeDecodeError:
        return name
    return "gbk"


def charset_from_detector(body: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        return None
    name = normalise_charset(best.encoding) or best.encoding
    text = str(best)
    if looks_like_text(text, name) and text.count("\ufffd") <= 2:
        return text, name
    return None
