"""File names of downloads: Content-Disposition in all the shapes Chinese portals send.

Seen shapes: RFC 5987 `filename*=UTF-8''%E6%8A%A5...`, a quoted or bare `filename=` in
raw GBK or UTF-8 bytes (Hanweb's downfile.jsp sends GBK), percent-encoded GBK or UTF-8
(Java's URLEncoder, with '+' for spaces), and RFC 2047 `=?UTF-8?B?...?=` words.
"""

from __future__ import annotations

import email.header
import posixpath
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

HEADER = "content-disposition"
PARAM = re.compile(rb"""([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)""")
EXTENDED = re.compile(rb"^([\w-]*)'[\w-]*'(.*)$")
PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "": "utf-8"}


def filename_from_headers(headers: Mapping[Any, Any] | Any) -> str | None:
    """The file name a response's Content-Disposition gives, decoded; None without one."""
    raw = header_bytes(headers)
    if not raw:
        return None
    params = {key.lower(): value for key, value in PARAM.findall(raw)}
    if b"filename*" in params:
        name = decode_extended(params[b"filename*"])
        if name:
            return clean_name(name)
    if b"filename" in params:
        return clean_name(decode_plain(unquote_value(params[b"filename"])))
    return None


def header_bytes(headers: Mapping[Any, Any] | Any) -> bytes | None:
    """Content-Disposition as the bytes on the wire (str values are undone from latin-1)."""
    value = None
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter("Content-Disposition") or getter(b"Content-Disposition")
    if value is None and hasattr(headers, "items"):
        value = next((v for k, v in headers.items() if as_text(k).lower() == HEADER), None)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    try:
        return str(value).encode("latin-1")  # http.client and WSGI decode headers as latin-1
    except UnicodeEncodeError:
        return str(value).encode("utf-8")  # already real text


def as_text(key: Any) -> str:
    return key.decode("latin-1") if isinstance(key, bytes) else str(key)


def unquote_value(value: bytes) -> bytes:
    value = value.strip()
    if len(value) >= 2 and value[:1] == value[-1:] == b'"':
        return re.sub(rb'\\(["\\])', rb"\1", value[1:-1])  # quoted-pair; keep path backslashes
    return value


def decode_extended(value: bytes) -> str | None:
    """RFC 5987: charset'language'percent-encoded."""
    match = EXTENDED.match(unquote_value(value))
    if not match:
        return None
    charset = match.group(1).decode("ascii", "replace").lower()
    data = unquote_to_bytes(match.group(2))
    try:
        return data.decode(CHARSET_ALIASES.get(charset, charset))
    except (LookupError, UnicodeDecodeError):
        return decode_bytes(data)


def decode_plain(value: bytes) -> str:
    if value.startswith(b"=?") and value.rstrip().endswith(b"?="):
        return decode_rfc2047(value)
    if PERCENT.search(value):
        if b" " not in value:
            value = value.replace(b"+", b" ")
        value = unquote_to_bytes(value)
    return decode_bytes(value)


def decode_rfc2047(value: bytes) -> str:
    parts = email.header.decode_header(value.decode("ascii", "replace"))
    out = []
    for data, charset in parts:
        if isinstance(data, str):
            out.append(data)
        else:
            out.append(
                data.decode(CHARSET_ALIASES.get(charset or "", charset or "utf-8"), "replace")
            )
    return "".join(out)


def decode_bytes(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK), else latin-1."""
    for charset in ("utf-8", "gb18030"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def clean_name(name: str) -> str | None:
    """The last path component, trimmed; None when nothing is left."""
    name = name.replace("\\", "/").strip().strip('"').strip()
    name = posixpath.basename(name).strip()
    return name or None


def filename_from_url(url: str) -> str | None:
    """The last path segment of a URL, percent-decoded (UTF-8, else GB18030)."""
    segment = posixpath.basename(urlsplit(url).path)
    if not segment:
        return None
    return clean_name(decode_bytes(unquote_to_bytes(segment))) or unquote(segment)
