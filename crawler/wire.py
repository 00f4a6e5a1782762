"""The bytes as received: a snapshot before decompression, and its WARC records.

Scrapy's HttpCompressionMiddleware (590) decodes bodies and drops `Content-Encoding`.
`WireMiddleware` sits at 595, between the download and that decoding, and keeps a copy
of the status, headers and payload as received in `request.meta["wire"]`. The capture
middlewares then store the decoded body in the archive (what the parser reads) and the
received bytes in WARC (`crawler.warc.WarcSink`), with their SHA-256 in
`captures.raw_sha256` and the record's place in `captures.warc_*`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.db.captures import earlier_response_record
from crawler.warc import Earlier, Exchange, WarcSink

WIRE_META = "wire"


@dataclass
class Wire:
    """A response as received: status, headers in order, payload before content decoding."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    payload: bytes
    protocol: str
    ip_address: str | None


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values if isinstance(values, list) else [values]:
            pairs.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def wire_of(response: Response) -> Wire:
    ip = getattr(response, "ip_address", None)
    return Wire(response.url, response.status, header_pairs(response.headers), response.body,
                response.protocol or "HTTP/1.1", str(ip) if ip else None)


class WireMiddleware:
    """Keep the response as received, before HttpCompressionMiddleware decodes it."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WireMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta[WIRE_META] = wire_of(response)  # headers copied: decoding edits them
        return response


def take_wire(request: Request, response: Response) -> Wire:
    """The snapshot of this response if WireMiddleware took one, else the response itself."""
    wire = request.meta.pop(WIRE_META, None)
    if isinstance(wire, Wire) and wire.url == response.url and wire.status == response.status:
        return wire
    return wire_of(response)


def exchange_of(request: Request, wire: Wire, fetched_at: str) -> Exchange:
    body = request.body if isinstance(request.body, bytes) else b""
    return Exchange(url=wire.url, method=request.method,
                    request_headers=header_pairs(request.headers), status=wire.status,
                    response_headers=wire.headers, payload=wire.payload, fetched_at=fetched_at,
                    request_body=body, protocol=wire.protocol, ip_address=wire.ip_address)


def earlier_record(db: Any, url: str, raw_sha256: str) -> Earlier | None:
    """An earlier WARC response record of this URL with the same payload bytes."""
    found = earlier_response_record(db, url, raw_sha256)
    return Earlier(*found) if found else None


def record_wire(archive: Any, sink: WarcSink | None, request: Request, wire: Wire,
                fetched_at: str) -> dict[str, Any]:
    """Write the exchange to WARC; the capture columns that say where and what it was."""
    digest = hashlib.sha256(wire.payload).hexdigest()
    columns: dict[str, Any] = {"raw_sha256": digest, "raw_size": len(wire.payload)}
    if sink is None:
        return columns
    # a distributed worker has no archive to look in (`db` None): no revisit records
    db = getattr(archive, "db", None)
    earlier = earlier_record(db, wire.url, digest) if wire.payload and db is not None else None
    location = sink.write(exchange_of(request, wire, fetched_at), earlier)
    columns.update(warc_file=location.file, warc_offset=location.offset,
                   warc_length=location.length, warc_record_id=location.record_id,
                   warc_type=location.record_type)
    return columns
