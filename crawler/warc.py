"""Every capture also goes to WARC files (ISO 28500), so standard tools can check and replay.

`WarcSink` appends, per fetch, a `response` record (or a `revisit` record when an earlier
record of the same URL holds identical payload bytes) followed by its `request` record,
gzip-compressed one member per record, into `<db folder>/warc/`. A file is written as
`NAME.warc.gz.open` and renamed to `NAME.warc.gz` when its run ends or it reaches
`max_bytes`; `recover_open_files` finishes the files of a killed run (cut after the last
complete record, then renamed), so `warcio check` passes on every finished file.

What the records hold: the payload bytes exactly as received, before content decoding
(`Content-Encoding` kept) — their SHA-256 is `captures.raw_sha256`. The status line and
headers are re-serialised from Scrapy's parsed response (header names title-cased,
`Transfer-Encoding` dropped because the body was de-chunked); the warcinfo record says so.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_DIR_NAME = "warc"
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
WARC_MAX_BYTES = 1024 * 1024 * 1024
HOP_BY_HOP = ("transfer-encoding",)
SOFTWARE = "nianbao/0.1 (warcio)"
DERIVATION_NOTE = (
    "HTTP messages re-serialised from Scrapy's parsed responses: header names title-cased, "
    "Transfer-Encoding removed (bodies de-chunked). Payloads are the bytes as received, "
    "before content decoding; Content-Encoding is kept. captures.raw_sha256 in the nianbao "
    "archive is the SHA-256 of each payload."
)


@dataclass
class Exchange:
    """One HTTP request and the response received for it."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    payload: bytes
    fetched_at: str  # YYYY-MM-DDTHH:MM:SSZ
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


@dataclass
class Earlier:
    """An earlier record with the same payload, for a revisit record."""

    record_id: str
    url: str
    fetched_at: str


@dataclass
class WarcLocation:
    file: str  # file name inside the warc folder
    offset: int
    length: int
    record_id: str
    record_type: str = "response"


def warc_dir_for(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / WARC_DIR_NAME


def payload_digest(payload: bytes) -> str:
    """The WARC-Payload-Digest warcio writes: base32 SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def wire_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def request_line(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target} {exchange.protocol}"


@dataclass
class WarcSink:
    """Append-only WARC writer for one crawl process; rotates by size, closes per run."""

    directory: Path
    max_bytes: int = WARC_MAX_BYTES
    prefix: str = "nianbao"
    sequence: int = 0
    handle: io.BufferedWriter | None = None
    name: str | None = None
    writer: WARCWriter | None = None
    stamp: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%d%H%M%S"))

    def write(self, exchange: Exchange, earlier: Earlier | None = None) -> WarcLocation:
        """Write the response (or revisit) record and its request record; flushed at once."""
        writer, handle = self.open_file()
        response = self.response_record(writer, exchange, earlier)
        offset = handle.tell()
        writer.write_record(response)
        length = handle.tell() - offset
        writer.write_record(self.request_record(writer, exchange, response))
        handle.flush()
        location = WarcLocation(str(self.name), offset, length,
                                response.rec_headers.get_header("WARC-Record-ID"),
                                response.rec_type)
        if handle.tell() >= self.max_bytes:
            self.close()
        return location

    def response_record(self, writer: WARCWriter, exchange: Exchange,
                        earlier: Earlier | None) -> Any:
        http = StatusAndHeaders(status_line(exchange.status),
                                wire_headers(exchange.response_headers),
                                protocol=exchange.protocol)
        extra = {"WARC-Date": exchange.fetched_at}
        if exchange.ip_address:
            extra["WARC-IP-Address"] = exchange.ip_address
        if earlier is not None and exchange.payload:
            record = writer.create_revisit_record(
                exchange.url, payload_digest(exchange.payload), earlier.url, earlier.fetched_at,
                http_headers=http, warc_headers_dict=extra)
            record.rec_headers.add_header("WARC-Refers-To", earlier.record_id)
            return record
        return writer.create_warc_record(
            exchange.url, "response", payload=io.BytesIO(exchange.payload),
            length=len(exchange.payload), http_headers=http, warc_headers_dict=extra)

    def request_record(self, writer: WARCWriter, exchange: Exchange, response: Any) -> Any:
        http = StatusAndHeaders(request_line(exchange), exchange.request_headers,
                                is_http_request=True)
        return writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body), http_headers=http,
            warc_headers_dict={
                "WARC-Date": exchange.fetched_at,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            })

    def open_file(self) -> tuple[WARCWriter, io.BufferedWriter]:
        if self.handle is None or self.writer is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.sequence += 1
            self.name = f"{self.prefix}-{self.stamp}-{os.getpid()}-{self.sequence:05d}{WARC_SUFFIX}"
            self.handle = open(self.directory / (self.name + OPEN_SUFFIX), "ab")  # noqa: SIM115
            self.writer = WARCWriter(self.handle, gzip=True)
            info = self.writer.create_warcinfo_record(self.name, {
                "software": SOFTWARE, "format": "WARC File Format 1.0",
                "description": DERIVATION_NOTE})
            self.writer.write_record(info)
            self.handle.flush()
        return self.writer, self.handle

    def close(self) -> None:
        """Finish the current file: rename NAME.warc.gz.open to NAME.warc.gz."""
        if self.handle is None:
            return
        self.handle.close()
        path = self.directory / str(self.name)
        path.with_name(path.name + OPEN_SUFFIX).replace(path)
        self.handle = self.writer = None


def complete_members_end(path: Path) -> int:
    """Offset just past the last complete gzip member (one member per WARC record)."""
    data = path.read_bytes()
    end = position = 0
    while position < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            inflater.decompress(data[position:])
        except zlib.error:
            break
        if not inflater.eof:
            break
        position = len(data) - len(inflater.unused_data)
        end = position
    return end


def recover_open_files(directory: Path) -> list[Path]:
    """Finish the files a killed run left open: cut the torn last record, rename."""
    finished = []
    for partial in sorted(directory.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        end = complete_members_end(partial)
        with open(partial, "r+b") as handle:
            handle.truncate(end)
        target = partial.with_name(partial.name[: -len(OPEN_SUFFIX)])
        partial.replace(target)
        finished.append(target)
    return finished
