"""`nianbao nightly` against the live demo portals as they change (issue #4).

One module fixture plays four nights over real HTTP, each `nianbao nightly` in a
subprocess: night 1 on the portals as generated (while it runs, a second start must stop
at the lock); night 2 at once, nothing changed; night 3 on state 1 (edits, removals, a
new report, a 500) with `--now` far enough ahead that every known page is due; night 4
on state 2 (a portal whose lists lost every report).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.nightly import (
    LIST_KINDS,
    Ran,
    finish,
    nianbao,
    query,
    run,
    scalar,
    start,
    wait_until,
    warcio,
)
from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator

from archive.app.nightly import LOCKED_EXIT, lock_path_for
from archive.web.app import make_datasette
from demo.server import DemoPortals

LATER = "2030-01-01T00:00:00Z"  # every known page is due by then
LATEST = "2031-01-01T00:00:00Z"


@dataclass
class Nights:
    db: Path
    truth: list[dict]
    changes: dict[str, list[str]]
    first: Ran
    locked: Ran
    second: Ran
    third: Ran
    fourth: Ran


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    tmp = tmp_path_factory.mktemp("nightly")
    db, sites = tmp / "archive.db", tmp / "sites.yml"
    args = ("nightly", "--db", str(db), "--sites", str(sites))
    with DemoPortals() as demo:
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        first_proc = start(nianbao(*args))
        lock = lock_path_for(db)
        wait_until(lambda: lock.exists() and lock.read_text().startswith("pid"))
        locked = run(nianbao(*args))
        first = finish(first_proc)
        second = run(nianbao(*args))
        demo.set_state(1)
        third = run(nianbao(*args, "--now", LATER))
        demo.set_state(2)
        fourth = run(nianbao(*args, "--now", LATEST))
        yield Nights(db, demo.ground_truth(), demo.changes(), first, locked, second, third,
                     fourth)


def key(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


def kinds_of_night(db: Path, night: int) -> dict[tuple[str | None, int | None], int]:
    """(kind, status) -> number of captures made by the crawl runs of one nightly run."""
    rows = query(db, "SELECT c.kind, c.status, count(*) FROM captures c "
                     "JOIN crawl_runs r ON r.id = c.run_id WHERE r.nightly_run = ? "
                     "GROUP BY c.kind, c.status", (night,))
    return {(kind, status): n for kind, status, n in rows}


def report_of(db: Path, url: str) -> str:
    return scalar(db, "SELECT report_id FROM report_urls WHERE url_key = ?", (key(url),))


def test_first_night_finds_every_report(nights: Nights) -> None:
    assert nights.first.returncode == 0, nights.first.stderr[-2000:]
    assert nights.first.stdout.startswith("nightly #1: 5 sites, 5 ok;")
    found = {k for (k,) in query(nights.db, "SELECT url_key FROM report_urls")}
    missing = [e["title"] for e in nights.truth if e["kind"] == "report"
               and not any(key(u) in found for u in e["urls"])]
    assert missing == []


def test_a_second_start_exits_at_once_with_the_lock_message(nights: Nights) -> None:
    assert nights.locked.returncode == LOCKED_EXIT
    assert "another nightly run is in progress (pid " in nights.locked.stderr
    assert "Traceback" not in nights.locked.stderr
    assert scalar(nights.db, "SELECT count(*) FROM nightly_runs") == 4  # the locked one left none


def test_unchanged_portal_second_night_fetches_list_pages_only(nights: Nights) -> None:
    assert nights.second.returncode == 0, nights.second.stderr[-2000:]
    first, second = kinds_of_night(nights.db, 1), kinds_of_night(nights.db, 2)
    assert {k for k, _ in second} <= {*LIST_KINDS, "robots"}
    report_bodies = sum(n for (k, s), n in second.items() if k == "candidate")
    assert report_bodies == 0
    lists = [sum(n for (k, _), n in night.items() if k in LIST_KINDS) for night in (first, second)]
    assert lists[0] == lists[1] > 0
    assert scalar(nights.db, "SELECT report_bodies FROM nightly_runs WHERE id = 2") == 0
    total = [sum(night.values()) for night in (first, second)]
    print(f"\nrequests: night 1 {total[0]}, night 2 (no change) {total[1]} "
          f"= {total[1] / total[0]:.0%}; report bodies {report_bodies}")


def test_second_night_counts_the_reports_it_did_not_refetch(nights: Nights) -> None:
    found = query(nights.db, "SELECT reports_found FROM nightly_runs WHERE id IN (1, 2)")
    assert found[0] == found[1]
    assert "0 new reports, 0 new versions, 0 withdrawn" in nights.second.stdout


def test_due_pages_are_revalidated_with_conditional_requests(nights: Nights) -> None:
    rows = query(nights.db, "SELECT c.status, c.conditional, c.sha256, c.headers FROM captures c "
                            "JOIN crawl_runs r ON r.id = c.run_id "
                            "WHERE c.kind = 'candidate' AND r.nightly_run = 3")
    not_modified = [r for r in rows if r[0] == 304]
    assert len(not_modified) > 20
    assert all(conditional == 1 and sha is None for _, conditional, sha, _ in not_modified)
    # pages whose portal sends no validators are fetched whole, without conditions
    assert any(status == 200 and conditional == 0 for status, conditional, _, _ in rows)


def test_an_edit_makes_a_second_version_with_a_diff(nights: Nights) -> None:
    edited = {report_of(nights.db, u) for u in nights.changes["edited"]}
    assert len(edited) == 2
    for rid in edited:
        versions = query(nights.db, "SELECT version, capture_ids FROM report_versions "
                                    "WHERE report_id = ? ORDER BY version", (rid,))
        assert [v for v, _ in versions] == [1, 2]
        shown = run(nianbao("diff", rid, "--db", str(nights.db)))
        assert shown.returncode == 0, shown.stderr
        added = [line for line in shown.stdout.splitlines() if line.startswith("+")]
        assert any("核对更正" in line for line in added)
    others = scalar(nights.db, "SELECT count(*) FROM (SELECT report_id FROM report_versions "
                               "GROUP BY report_id HAVING count(*) > 1)")
    assert others == len(edited)


def test_unchanged_reports_keep_one_version_confirmed_by_304s(nights: Nights) -> None:
    confirmed = query(nights.db, "SELECT v.capture_ids FROM report_versions v "
                                 "WHERE v.version = 1 AND EXISTS (SELECT 1 FROM captures c "
                                 "WHERE c.status = 304 AND c.id IN (SELECT value FROM "
                                 "json_each(v.capture_ids)))")
    assert len(confirmed) > 10


def test_removed_reports_are_withdrawn_and_kept(nights: Nights) -> None:
    expected = {"removed": "HTTP 404", "unlisted": "unlisted", "soft_404": "soft-404"}
    for change, reason in expected.items():
        rid = report_of(nights.db, nights.changes[change][0])
        withdrawn_at, why, text = query(nights.db, "SELECT withdrawn_at, withdrawn_reason, text "
                                                   "FROM reports WHERE id = ?", (rid,))[0]
        assert (bool(withdrawn_at), why) == (True, reason), change
        assert len(text) > 200  # the report is kept, with its text
    assert scalar(nights.db, "SELECT count(*) FROM reports WHERE withdrawn_at IS NOT NULL") == 3
    assert "3 withdrawn" in nights.third.stdout


def test_a_page_answering_500_is_an_error_not_a_withdrawal(nights: Nights) -> None:
    url = nights.changes["failing"][0]
    rid = report_of(nights.db, url)
    assert scalar(nights.db, "SELECT withdrawn_at FROM reports WHERE id = ?", (rid,)) is None
    assert scalar(nights.db, "SELECT count(*) FROM captures WHERE url_key = ? AND status = 500",
                  (key(url),)) >= 1
    assert re.search(r"; [1-9]\d* errors;", nights.third.stdout)


def test_a_new_report_is_found(nights: Nights) -> None:
    assert "1 new reports" in nights.third.stdout
    assert report_of(nights.db, nights.changes["added"][0])


def test_a_portal_that_stops_yielding_reports_is_flagged_broken(nights: Nights) -> None:
    assert nights.fourth.returncode == 1
    assert "BROKEN: shihua (no reports found" in nights.fourth.stdout
    status = dict(query(nights.db, "SELECT site_id, status FROM site_status"))
    assert status == {"fusong": "ok", "qujiang": "ok", "shihua": "broken", "zhalantun": "ok",
                      "mirror": "ok"}
    # a portal that lost its lists is not taken as every report withdrawn
    assert scalar(nights.db, "SELECT count(*) FROM reports WHERE withdrawn_at IS NOT NULL") == 3
    statuses = [s for (s,) in query(nights.db, "SELECT status FROM nightly_runs ORDER BY id")]
    assert statuses == ["ok", "ok", "ok", "broken"]


def test_archive_is_consistent(nights: Nights) -> None:
    assert scalar(nights.db, "PRAGMA integrity_check") == "ok"
    assert scalar(nights.db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == 0


def warc_files(db: Path) -> list[Path]:
    return sorted((db.parent / "warc").glob("*.warc.gz"))


def test_warc_files_pass_warcio_check_and_index(nights: Nights) -> None:
    files = [str(p) for p in warc_files(nights.db)]
    assert len(files) == 4  # one per night
    checked = warcio("check", *files)
    assert checked.returncode == 0, checked.stdout[-2000:]
    index = warcio("index", "-f", "warc-type,warc-target-uri,offset", *files)
    assert index.returncode == 0 and index.stdout.count('"response"') > 100


def record_at(path: Path, offset: int) -> tuple[str, str, bytes, dict[str, str]]:
    """(type, target URI, payload, HTTP headers) of the WARC record at offset."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        payload = record.raw_stream.read()
        headers = dict(record.http_headers.headers) if record.http_headers else {}
        return (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), payload,
                headers)


def test_captures_point_at_their_warc_records_byte_for_byte(nights: Nights) -> None:
    rows = query(nights.db, "SELECT url, warc_file, warc_offset, warc_type, raw_sha256, sha256 "
                            "FROM captures WHERE warc_file IS NOT NULL")
    assert len(rows) == scalar(nights.db, "SELECT count(*) FROM captures WHERE status IS NOT NULL")
    folder = nights.db.parent / "warc"
    gzipped = 0
    for url, name, offset, kind, raw_sha, sha in rows:
        rec_type, uri, payload, headers = record_at(folder / name, offset)
        assert (rec_type, uri) == (kind, url)
        if rec_type != "response":
            continue
        assert hashlib.sha256(payload).hexdigest() == raw_sha
        if headers.get("Content-Encoding") == "gzip":
            gzipped += 1
            assert raw_sha != sha and hashlib.sha256(gzip.decompress(payload)).hexdigest() == sha
    assert gzipped > 10  # the TRS portal compresses its pages


async def test_capture_page_is_a_permalink_with_a_citation(nights: Nights) -> None:
    cid, url, fetched, raw, title = query(
        nights.db, "SELECT c.id, c.url, c.fetched_at, c.raw_sha256, r.title FROM reports r "
                   "JOIN captures c ON c.id = r.capture_id WHERE c.raw_sha256 IS NOT NULL "
                   "LIMIT 1")[0]
    page = await make_datasette(nights.db).client.get(f"/nianbao/captures/{cid}")
    assert page.status_code == 200
    when = fetched.replace("T", " ").rstrip("Z")
    expected = f"{title}. {url}. Captured {when} UTC by nianbao, sha256:{raw}."
    assert expected.replace("&", "&amp;") in page.text
    assert "warcio extract" in page.text


async def test_version_page_shows_the_diff(nights: Nights) -> None:
    rid = report_of(nights.db, nights.changes["edited"][0])
    ds = make_datasette(nights.db)
    page = await ds.client.get(f"/nianbao/report_versions/{rid},2")
    assert page.status_code == 200
    assert re.search(r'<div class="add">\+[^<]*核对更正', page.text)
    report = await ds.client.get(f"/nianbao/reports/{rid}")
    assert f"/nianbao/report_versions/{rid},2" in report.text
    canned = await ds.client.get(f"/nianbao/report_diff.json?report_id={rid}&v1=1&v2=2&_shape=array")
    assert "核对更正" in canned.json()[0]["diff"]
