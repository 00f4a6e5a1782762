"""decode_html: BOM, header, <meta>, lying declarations, GBK beyond GB2312, garbage."""

from __future__ import annotations

import codecs

import pytest

from archive.errors import DecodeError
from archive.parse import decode_html

REPORT_TEXT = "成吉思汗镇2016年政府信息公开工作年度报告。根据《中华人民共和国政府信息公开条例》的规定，现予公布。"
# 喆 堃 镕 are GBK characters that GB2312 does not have.
RARE_TEXT = "副镇长王喆、工作人员李堃、朱镕同志负责政府信息公开工作。" + REPORT_TEXT


def page(charset: str | None, text: str = REPORT_TEXT) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    return f"<html><head>{meta}<title>年报</title></head><body><p>{text}</p></body></html>"


def test_utf8_declared_and_real() -> None:
    text, encoding = decode_html(page("utf-8").encode("utf-8"))
    assert encoding == "utf-8"
    assert REPORT_TEXT in text


def test_declared_gb2312_is_decoded_as_gb18030_and_named_gbk() -> None:
    text, encoding = decode_html(page("gb2312").encode("gb18030"))
    assert encoding == "gbk"  # decoded with the GB18030 codec; the bytes are plain GBK
    assert REPORT_TEXT in text


def test_gb18030_only_characters() -> None:
    text, encoding = decode_html(page("gbk", "吉祥的𠮷字。" + REPORT_TEXT).encode("gb18030"))
    assert encoding == "gb18030"
    assert "𠮷" in text


def test_gbk_characters_outside_gb2312_survive() -> None:
    body = page("gb2312", RARE_TEXT).encode("gbk")
    text, _ = decode_html(body)
    assert "王喆" in text and "李堃" in text and "朱镕" in text


def test_declared_gb2312_but_really_utf8() -> None:
    text, encoding = decode_html(
        page("gb2312").encode("utf-8"), {"Content-Type": "text/html; charset=GB2312"}
    )
    assert encoding == "utf-8"
    assert REPORT_TEXT in text


def test_declared_utf8_but_really_gbk() -> None:
    text, encoding = decode_html(page("utf-8", RARE_TEXT).encode("gbk"))
    assert encoding == "gbk"
    assert "王喆" in text


def test_http_header_charset_wins_over_meta_when_both_fit() -> None:
    body = page("iso-8859-1").encode("gb18030")
    text, encoding = decode_html(body, {b"Content-Type": [b"text/html; charset=gbk"]})
    assert encoding == "gbk"
    assert REPORT_TEXT in text


def test_no_declaration_at_all_gbk() -> None:
    text, encoding = decode_html(page(None, RARE_TEXT * 3).encode("gbk"))
    assert encoding == "gbk"
    assert RARE_TEXT in text


def test_big5_page() -> None:
    trad = "樟潭街道政府資訊公開工作年度報告。根據條例規定，現予公布，請查閱。" * 3
    body = page("big5", trad).replace("年报", "年報").encode("big5")
    text, encoding = decode_html(body)
    assert encoding == "big5hkscs"
    assert trad in text


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")]
)
def test_byte_order_mark(bom: bytes, codec: str) -> None:
    text, encoding = decode_html(bom + page("gb2312").encode(codec))
    assert encoding == codec
    assert REPORT_TEXT in text


def test_multibyte_character_cut_at_the_end() -> None:
    body = page("utf-8").encode("utf-8")[:-20] + "报".encode()[:2]
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    assert "成吉思汗镇" in text


def test_utf8_read_as_gbk_is_not_accepted_silently() -> None:
    body = page("gbk", RARE_TEXT * 5).encode("utf-8")
    text, _ = decode_html(body)
    assert RARE_TEXT in text  # never 鎴愬悏... mojibake


def test_binary_is_a_decode_error() -> None:
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20 + b"\x00" * 500
    with pytest.raises(DecodeError) as caught:
        decode_html(body, url="http://example.gov.cn/a.doc")
    assert caught.value.url == "http://example.gov.cn/a.doc"


@pytest.mark.parametrize("magic", [b"%PDF-1.7\n", b"PK\x03\x04\x14\x00", b"\x89PNG\r\n"])
def test_documents_and_images_are_not_html(magic: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_html(magic + b"plain ascii content " * 50)
    assert "not an HTML page" in caught.value.reason


def test_empty_body_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_html(b"")


def test_unknown_declared_charset_falls_back() -> None:
    text, encoding = decode_html(page("x-no-such-charset").encode("utf-8"))
    assert encoding == "utf-8"
    assert REPORT_TEXT in text
