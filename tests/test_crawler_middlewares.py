"""crawler/middlewares.py pieces that need no network."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.middlewares import DecodingMiddleware, UndecodableBody, describe_failure


def decoder() -> DecodingMiddleware:
    crawler = SimpleNamespace(settings={}, stats=None)
    middleware = DecodingMiddleware.__new__(DecodingMiddleware)
    middleware.stats = crawler.stats  # type: ignore[assignment]
    middleware._max_size = 1024 * 1024
    middleware._warn_size = 0
    return middleware


def test_a_body_that_is_not_what_its_content_encoding_says_is_an_undecodable_body() -> None:
    response = Response("http://h/a", body=b"<html>plain</html>",
                        headers={"Content-Encoding": "gzip"})
    with pytest.raises(UndecodableBody) as refused:
        decoder().process_response(Request("http://h/a"), response)
    assert describe_failure(refused.value).startswith(
        "does not decode as its Content-Encoding gzip: BadGzipFile")
