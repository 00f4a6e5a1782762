"""WARC output: request/response pairs, revisits, rotation, and recovery after a kill."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from helpers.nightly import warcio
from warcio.archiveiterator import ArchiveIterator

from crawler.warc import Earlier, Exchange, WarcSink, payload_digest, recover_open_files

BODY = "<html><title>年报</title>抚松镇</html>".encode()


def exchange(url: str = "http://127.0.0.1:1/a?x=1", payload: bytes = BODY,
             status: int = 200, when: str = "2026-01-02T03:04:05Z") -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "nianbao")],
                    status=status, response_headers=[("Content-Type", "text/html"),
                                                      ("Transfer-Encoding", "chunked")],
                    payload=payload, fetched_at=when)


def records(path: Path) -> list[tuple[str, str | None, bytes]]:
    with open(path, "rb") as handle:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(handle)]


def test_each_exchange_is_a_response_and_a_request_record(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path)
    first = sink.write(exchange())
    gzipped = gzip.compress(BODY, mtime=0)
    second = sink.write(exchange("http://127.0.0.1:1/b", gzipped))
    sink.close()
    [path] = tmp_path.glob("*.warc.gz")
    kinds = [(kind, uri) for kind, uri, _ in records(path)]
    assert kinds == [("warcinfo", None), ("response", "http://127.0.0.1:1/a?x=1"),
                     ("request", "http://127.0.0.1:1/a?x=1"), ("response", "http://127.0.0.1:1/b"),
                     ("request", "http://127.0.0.1:1/b")]
    assert first.offset < second.offset and first.file == second.file == path.name
    assert warcio("check", str(path)).returncode == 0


def test_payload_is_kept_as_received_and_transfer_encoding_dropped(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path)
    raw = gzip.compress(BODY, mtime=0)
    location = sink.write(exchange(payload=raw))
    sink.close()
    with open(tmp_path / location.file, "rb") as handle:
        handle.seek(location.offset)
        record = next(iter(ArchiveIterator(handle)))
        assert record.http_headers.get_header("Transfer-Encoding") is None
        assert record.raw_stream.read() == raw
        assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(raw)


def test_identical_payload_is_a_revisit_record(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path)
    first = sink.write(exchange())
    again = sink.write(exchange(when="2026-02-02T03:04:05Z"),
                       Earlier(first.record_id, "http://127.0.0.1:1/a?x=1", "2026-01-02T03:04:05Z"))
    sink.close()
    assert again.record_type == "revisit"
    assert again.length < first.length + 200
    assert warcio("check", *map(str, tmp_path.glob("*.warc.gz"))).returncode == 0


def test_files_rotate_by_size(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path, max_bytes=2000)
    big = b"".join(hashlib.sha512(str(i).encode()).digest() for i in range(200))  # incompressible
    names = {sink.write(exchange(f"http://127.0.0.1:1/{i}", big)).file for i in range(4)}
    sink.close()
    assert len(names) == 4 and len(list(tmp_path.glob("*.warc.gz"))) == 4


def test_a_file_torn_by_a_kill_is_cut_after_its_last_record(tmp_path: Path) -> None:
    sink = WarcSink(tmp_path)
    for i in range(3):
        sink.write(exchange(f"http://127.0.0.1:1/{i}"))
    assert sink.handle is not None
    sink.handle.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" * 50)[:60])  # torn
    sink.handle.flush()  # the process dies here: no close, no rename
    [partial] = tmp_path.glob("*.open")
    assert warcio("check", str(partial)).returncode != 0
    [finished] = recover_open_files(tmp_path)
    assert finished.name.endswith(".warc.gz") and not list(tmp_path.glob("*.open"))
    assert [kind for kind, _, _ in records(finished)].count("response") == 3
    assert warcio("check", str(finished)).returncode == 0
