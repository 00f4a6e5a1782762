"""Content-Disposition file names in the shapes Chinese portals send, and URL file names."""

from __future__ import annotations

import http.client
import io
from urllib.parse import quote

import pytest

from archive.extract import (
    filename_from_headers,
    filename_from_url,
    kind_from_content_type,
    kind_from_name,
)

NAME = "抚松镇2020年政府信息公开工作年度报告.pdf"


def wire(value: bytes) -> http.client.HTTPMessage:
    """Headers parsed by http.client from raw bytes, as urllib hands them over."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Disposition: " + value + b"\r\n\r\n"
    fp = io.BytesIO(raw)
    fp.readline()
    return http.client.parse_headers(fp)


CASES = {
    "rfc5987 utf-8": b"attachment; filename*=UTF-8''" + quote(NAME).encode(),
    "rfc5987 gbk": b"attachment; filename*=GBK''" + quote(NAME.encode("gbk")).encode(),
    "rfc5987 wins over filename": b"attachment; filename=\"report.pdf\"; filename*=utf-8''"
    + quote(NAME).encode(),
    "raw gbk": b"attachment; filename=" + NAME.encode("gbk"),
    "raw gbk quoted": b'attachment; filename="' + NAME.encode("gbk") + b'"',
    "raw utf-8": b"attachment;filename=" + NAME.encode("utf-8"),
    "percent utf-8": b"attachment; filename=" + quote(NAME).encode(),
    "percent gbk": b"attachment; filename=" + quote(NAME.encode("gbk")).encode(),
    "rfc2047": b'attachment; filename="=?UTF-8?B?5oqa5p2+6ZWHMjAyMOW5tOaUv+W6nOS/oeaBr+WFrOW8gOW3peS9nOW5tOW6puaKpeWRii5wZGY=?="',
    "windows path": b'attachment; filename="C:\\Users\\admin\\Desktop\\'
    + NAME.encode("gbk")
    + b'"',
    "inline": b"inline; filename=" + NAME.encode("utf-8"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_name_from_raw_header_bytes(case: str) -> None:
    assert filename_from_headers({b"Content-Disposition": [CASES[case]]}) == NAME


@pytest.mark.parametrize("case", sorted(CASES))
def test_name_from_http_client_headers(case: str) -> None:
    assert filename_from_headers(wire(CASES[case])) == NAME


def test_percent_encoded_plus_is_a_space() -> None:
    value = b"attachment; filename=" + quote("附件 1.docx").replace("%20", "+").encode()
    assert filename_from_headers({"content-disposition": value.decode()}) == "附件 1.docx"


def test_no_header_or_no_name_gives_none() -> None:
    assert filename_from_headers({}) is None
    assert filename_from_headers({"Content-Disposition": "attachment"}) is None
    assert filename_from_headers({"Content-Type": "application/pdf"}) is None


def test_name_from_url_path() -> None:
    assert filename_from_url("http://x.gov.cn/a/" + quote(NAME)) == NAME
    assert filename_from_url("http://x.gov.cn/a/" + quote(NAME.encode("gbk"))) == NAME
    assert filename_from_url("http://x.gov.cn/module/download/downfile.jsp?filename=a.doc") == (
        "downfile.jsp"
    )
    assert filename_from_url("http://x.gov.cn/") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("报告.PDF", "pdf"),
        ("/a/P020210115.docx", "docx"),
        ("http://x.gov.cn/UploadFile/a.doc?v=1", "doc"),
        ("a.wps", "wps"),
        ("a.et", "xls"),
        ("a.xlsx", "xlsx"),
        ("a.html", None),
        (None, None),
    ],
)
def test_kind_from_name(name: str | None, kind: str | None) -> None:
    assert kind_from_name(name) == kind


def test_kind_from_content_type() -> None:
    assert kind_from_content_type("application/pdf;charset=UTF-8") == "pdf"
    assert kind_from_content_type("application/msword") == "doc"
    assert kind_from_content_type("application/octet-stream") is None
