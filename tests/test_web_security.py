"""The public web archive is hardened (issue #12): bounded SQL, hidden tables, no paths."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from helpers.chromium import CHROMIUM, run_chromium
from helpers.serve import served

from archive.db import Archive, report_id
from archive.records import Report, Section
from archive.web.app import make_datasette
from archive.web.versions import MAX_DIFF_LINES, bounded_diff

TEXT = "一、总体情况\n本年度主动公开信息120条。\n二、其他\n无。"
REPORT = Report(url="http://127.0.0.1:1/a.html", title="高家镇2020年政府信息公开工作年度报告",
                title_raw="高家镇2020年政府信息公开工作年度报告", text=TEXT, town="高家镇",
                report_year=2020, sections=[Section(1, "一、总体情况", TEXT)])
# the same report later, grown past what the web compares (a paragraph per line)
LONG = "\n".join(f"第{i}段：本年度主动公开信息{i}条。" for i in range(MAX_DIFF_LINES + 10))
# text that compresses badly: stored compressed it is still over the 10 MB value limit
BIG_BODY = (b"<html><head><title>A big page</title></head><body>"
            + base64.b64encode(os.urandom(15 * 2**20)))


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hardened") / "archive.db"
    with Archive(path) as archive:
        small = archive.add_capture("http://127.0.0.1:1/a.html", status=200, headers={},
                                    body=b"<html><title>Small page</title></html>")
        archive.add_capture("http://127.0.0.1:1/big.html", status=200, headers={},
                            body=BIG_BODY)
        archive.save_report(REPORT, capture_id=small, seen_at="2026-01-01T00:00:00Z")
        archive.save_report(replace(REPORT, text=LONG), capture_id=small,
                            seen_at="2026-02-01T00:00:00Z")
    return path


@pytest.fixture
def datasette(archive_file: Path) -> Datasette:
    return make_datasette(archive_file)


async def sql(datasette: Datasette, query: str, fmt: str = ".json") -> Any:
    return await datasette.client.get(f"/nianbao{fmt}", params={"sql": query})


# 1. bounded public SQL

@pytest.mark.parametrize("query", [
    "select zeroblob(100000000)",
    "select length(hex(randomblob(6000000)))",
    "select length(replace(hex(zeroblob(4000000)), '0', 'aaaa'))",
])
@pytest.mark.parametrize("fmt", [".json", ".csv", ""])
async def test_a_huge_value_is_an_error_not_a_huge_response(datasette: Datasette, query: str,
                                                            fmt: str) -> None:
    response = await sql(datasette, query, fmt)
    assert len(response.content) < 100_000
    if fmt != ".csv":  # a CSV error is an empty CSV (Datasette has sent its headers)
        assert response.status_code == 400
        assert "string or blob too big" in response.text


async def test_ordinary_values_still_come_back(datasette: Datasette) -> None:
    response = await sql(datasette, "select length(zeroblob(1000000)) as n, "
                                    "length(hex(randomblob(4000000))) as h")
    assert response.status_code == 200
    assert response.json()["rows"] == [[1000000, 8000000]]


async def test_a_capture_over_the_limit_still_shows_its_title(datasette: Datasette,
                                                              archive_file: Path) -> None:
    with Archive(archive_file) as archive:
        big = archive.db.execute("select id from captures where url like '%big%'").fetchone()[0]
    response = await datasette.client.get(f"/nianbao/captures/{big}")
    assert response.status_code == 200
    assert "Capture #" in response.text and "A big page" in response.text


async def test_the_limit_is_set_on_every_datasette_connection(datasette: Datasette) -> None:
    # pysqlite3 connections have no setlimit(): the C function is called instead
    db = datasette.get_database("nianbao")

    def limit(conn: Any) -> Any:
        from archive.web.bounds import set_length_limit

        return set_length_limit(conn, -1)

    assert await db.execute_fn(limit) == 10 * 1024 * 1024


def test_nianbao_diff_refuses_long_texts_at_once() -> None:
    # 12,000 lines in 150 distinct values: difflib takes about 35 s on this pair
    old = "\n".join(f"L{i % 150}" for i in range(12_000))
    new = "\n".join(f"L{i * 7 % 150}" for i in range(12_000))
    assert bounded_diff(old, new).startswith("Too long to compare")
    assert bounded_diff("x" * 300_000, "y").startswith("Too long to compare")
    assert bounded_diff("a\nb", "a\nc").splitlines()[-2:] == ["-b", "+c"]
    short = "\n".join(f"L{i}" for i in range(MAX_DIFF_LINES - 1))
    assert not bounded_diff(short, short + "\nend").startswith("Too long")


async def test_nianbao_diff_in_sql_returns_the_note_quickly(datasette: Datasette) -> None:
    many_lines = "replace(hex(zeroblob(150000)), '00', 'x' || char(10))"
    response = await sql(datasette, f"select nianbao_diff({many_lines}, 'y') as d")
    assert response.status_code == 200
    assert response.json()["rows"][0][0].startswith("Too long to compare")


async def test_the_version_page_does_not_diff_long_texts(datasette: Datasette) -> None:
    response = await datasette.client.get(f"/nianbao/report_versions/{report_id(REPORT)},2")
    assert response.status_code == 200
    assert "Too long to compare on the web" in response.text
    assert f"nianbao diff {report_id(REPORT)} 1 2" in response.text


@pytest.mark.parametrize("path", [
    "/nianbao/blobs", "/nianbao/blobs.json", "/nianbao/blobs.csv",
    "/nianbao/blobs.json?_shape=array", "/nianbao/BLOBS.json", "/nianbao/extractions.json",
    "/nianbao/reports_fts_data.json",
    "/nianbao/blobs/{sha}", "/nianbao/blobs/{sha}.json",
    "/nianbao/blobs/{sha}.blob?_blob_column=body",
])
async def test_hidden_tables_are_not_served(datasette: Datasette, archive_file: Path,
                                            path: str) -> None:
    with Archive(archive_file) as archive:
        sha = archive.db.execute("select sha256 from blobs limit 1").fetchone()[0]
    response = await datasette.client.get(path.format(sha=sha))
    assert response.status_code in ((403, 404) if "BLOBS" in path else (403,)), path
    assert "A big page" not in response.text and "Small page" not in response.text


async def test_hidden_tables_are_not_listed_but_others_are(datasette: Datasette) -> None:
    tables = {t["name"]: t for t in (await datasette.client.get("/nianbao.json")).json()["tables"]}
    assert "blobs" not in tables and "extractions" not in tables
    assert {"reports", "captures", "report_versions"} <= set(tables)
    assert (await datasette.client.get("/nianbao/captures.json")).status_code == 200


async def test_raw_tables_are_withheld_even_without_our_metadata(archive_file: Path) -> None:
    plain = Datasette([str(archive_file)])
    response = await plain.client.get("/archive/blobs.json")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/-/databases.json", "/-/databases", "/-/metadata.json",
                                  "/-/plugins.json", "/-/settings.json", "/-/versions.json",
                                  "/-/threads.json", "/-/actor.json", "/", "/.json",
                                  "/nianbao", "/nianbao.json"])
async def test_no_page_shows_the_archive_path(datasette: Datasette, archive_file: Path,
                                              path: str) -> None:
    response = await datasette.client.get(path)
    assert response.status_code == 200, path
    assert str(archive_file.parent) not in response.text
    assert str(archive_file.parent).replace("/", "\\/") not in response.text


async def test_databases_json_still_names_the_file(datasette: Datasette) -> None:
    databases = (await datasette.client.get("/-/databases.json")).json()
    [database] = [d for d in databases if d["name"] == "nianbao"]
    assert (database["name"], database["path"]) == ("nianbao", "archive.db")


# 2. nianbao serve --public

@pytest.fixture
def public(archive_file: Path) -> Datasette:
    return make_datasette(archive_file, public=True)


@pytest.mark.parametrize("path", [
    "/nianbao.json?sql=select+1", "/nianbao?sql=select+1", "/nianbao.csv?sql=select+1",
    "/nianbao.json?sql=select+body+from+blobs", "/nianbao/reports.json?_where=1%3D1",
])
async def test_public_mode_refuses_arbitrary_sql(public: Datasette, path: str) -> None:
    response = await public.client.get(path)
    assert response.status_code == 403, path


async def test_public_mode_keeps_canned_queries_tables_and_search(public: Datasette) -> None:
    rid = report_id(REPORT)
    diff = await public.client.get("/nianbao/report_diff.json",
                                   params={"report_id": rid, "v1": "1", "v2": "2", "_shape": "objects"})
    assert diff.status_code == 200 and diff.json()["rows"][0]["to_version"] == 2
    for path in ("/nianbao/late_reports.json", "/nianbao/missing_years.json",
                 "/nianbao/reports.json?_facet=town", f"/nianbao/reports/{rid}",
                 "/-/search?q=%E5%85%AC%E5%BC%80", "/nianbao/reports.json?_search=%E5%85%AC"):
        assert (await public.client.get(path)).status_code == 200, path
    page = (await public.client.get("/nianbao")).text
    assert "<textarea" not in page and "late_reports" in page


async def test_without_public_sql_stays_available(datasette: Datasette) -> None:
    response = await sql(datasette, "select count(*) from reports")
    assert response.status_code == 200 and response.json()["rows"] == [[1]]
    assert "<textarea" in (await datasette.client.get("/nianbao")).text


def test_serve_public_flag_reaches_datasette(archive_file: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import archive.web.app
    from archive.app.cli import cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(archive.web.app, "serve",
                        lambda db, host, port, **options: calls.append(options))
    for args, expected in ((["--public"], True), ([], False)):
        result = CliRunner().invoke(cli, ["serve", "--db", str(archive_file), *args])
        assert result.exit_code == 0, result.output
        assert calls.pop() == {"public": expected}
    assert "no arbitrary SQL" in CliRunner().invoke(cli, ["serve", "--help"]).output


# 3. security headers on every response

def every_page(archive_file: Path) -> list[str]:
    with Archive(archive_file) as archive:
        capture = archive.db.execute("select min(id) from captures").fetchone()[0]
    rid = report_id(REPORT)
    return ["/", "/.json", "/nianbao", "/nianbao.json", "/nianbao/reports",
            "/nianbao/reports.json", "/nianbao/reports.csv", f"/nianbao/reports/{rid}",
            f"/nianbao/reports/{rid}.json", f"/nianbao/captures/{capture}",
            f"/nianbao/report_versions/{rid},1", "/-/search?q=%E5%85%AC%E5%BC%80",
            "/-/search.json?q=%E5%85%AC%E5%BC%80", "/-/requests-chart", "/nianbao/late_reports",
            "/nianbao?sql=select+1", "/-/databases.json", "/-/static/app.css",
            "/nianbao/no_such_table", "/nianbao/blobs", f"/-/capture/{capture}/view",
            f"/-/capture/{capture}/raw", "/-/coverage", "/-/coverage?county=x"]


async def test_every_response_carries_the_security_headers(datasette: Datasette,
                                                           archive_file: Path) -> None:
    for path in every_page(archive_file):
        response = await datasette.client.get(path)
        assert response.status_code in (200, 403, 404), path
        headers = response.headers
        assert (headers["x-content-type-options"], headers["x-frame-options"],
                headers["referrer-policy"]) == ("nosniff", "DENY", "no-referrer"), path
        policy = dict(d.strip().split(" ", 1)
                      for d in headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
        assert policy["script-src"].startswith("'self' ")
        assert "unsafe" not in policy["script-src"] and "*" not in policy["script-src"]


async def test_every_inline_script_of_the_pages_is_allowed_by_its_hash(
        datasette: Datasette, archive_file: Path) -> None:
    seen = 0
    for path in every_page(archive_file):
        response = await datasette.client.get(path)
        policy = response.headers["content-security-policy"]
        for body in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            assert f"'sha256-{digest}'" in policy, (path, body[:80])
            seen += 1
    assert seen >= 12  # the menu script on every HTML page, the SQL editor, the table's




@pytest.fixture(scope="module")
def server(archive_file: Path) -> Iterator[str]:
    with served(archive_file) as base:
        yield base


def browse(url: str, profile: Path) -> tuple[str, str]:
    """(DOM after the page's scripts ran, Chromium's console log)."""
    result = run_chromium(url, profile, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return result.stdout, "\n".join(line for line in result.stderr.splitlines()
                                    if "CONSOLE" in line)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_pages_work_in_a_browser_under_the_policy(server: str, archive_file: Path,
                                                  tmp_path: Path) -> None:
    pages = {"/nianbao": 'class="CodeMirror ',  # the SQL editor's inline script ran
             "/nianbao/reports": 'class="dropdown-menu',  # table.js and its inline setting
             f"/nianbao/reports/{report_id(REPORT)}": "高家镇2020年",
             "/-/search?q=%E5%85%AC%E5%BC%80": "search-hit",
             "/-/requests-chart": "Requests for information"}
    for path, sign in pages.items():
        dom, console = browse(server + path, tmp_path)
        assert sign in dom, path
        assert "Content Security Policy" not in console, (path, console)


# 4. stored URLs in href: http(s) and paths on this site only

HOSTILE_TEXT = '"><script>alert(9)</script><img src=x onerror=alert(8)>\'" onclick="alert(7)'
NEIGHBOUR = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
HOSTILE_URLS = ["javascript:alert(1)", "  javascript:alert(2)", "java\tscript:alert(3)",
                "JaVaScRiPt:alert(4)", "data:text/html,<script>alert(5)</script>",
                "vbscript:msgbox(6)", "\x01javascript:alert(7)", "java\nscript:alert(8)",
                "\x00javascript:alert(10)", "//evil.example/x",
                "\\\\evil.example\\x", "/\\evil.example/x", " \t\r\njavascript:alert(11)",
                "javascript\x0b:alert(12)", "file:///etc/passwd", "blob:http://x/1"]
FINE_URLS = ["http://127.0.0.1:1/a.html", "https://www.gov.cn/xxgk/2020/t1.html",
             "HTTPS://WWW.GOV.CN/", "/nianbao/reports", "/-/search?q=%E6%89%B6&x=1",
             "?q=1", "#top", "t1.html", "http:relative-looking", "https://x.cn/a?b=javascript:",
             "jav&#x09;ascript:alert(9)"]  # Jinja escapes the &: a relative path, not a scheme


@pytest.mark.parametrize("value", HOSTILE_URLS + [None, 3, b"javascript:alert(1)", "", "  "])
def test_safe_href_refuses_anything_but_http_and_this_site(value: Any) -> None:
    from archive.web.links import safe_href

    assert safe_href(value) == "#"


@pytest.mark.parametrize("value", FINE_URLS)
def test_safe_href_keeps_web_links_and_paths(value: str) -> None:
    from archive.web.links import safe_href

    assert safe_href(value) == value
    assert safe_href(f" {value}\n") == value  # as the browser reads it


class Hrefs(HTMLParser):
    """Every href of a page, unescaped as the browser reads the attribute."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def browser_scheme(href: str) -> str | None:
    """The scheme a browser would see (WHATWG: edges stripped, tabs and newlines removed)."""
    url = re.sub(r"[\t\n\r]", "", href.strip("".join(map(chr, range(0x21)))))
    if url[:2].replace("\\", "/") == "//":
        return "other-host"
    found = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return found.group(1).lower() if found else None


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "archive.db"
    with Archive(path) as archive:
        capture = archive.add_capture("vbscript:msgbox(1)", status=200, headers={},
                                      body=b"<title>x</title>", referrer="java\tscript:alert(2)")
        report = replace(REPORT, url="javascript:alert(3)", text="扶贫 公开 " + TEXT)
        rid = report_id(report)
        archive.save_report(report, capture_id=capture)
        for i, url in enumerate(HOSTILE_URLS):
            archive.add_report_url(rid, url + f"#{i}", capture_id=capture)
        archive.db["attachments"].insert_all(
            {"id": f"a{i}", "report_id": rid, "capture_id": capture, "url": url,
             "filename": f"file{i}.pdf", "kind": "pdf", "status": "ok", "main": 0}
            for i, url in enumerate(HOSTILE_URLS))
        archive.db.execute("update report_versions set url = ?", ["\x01javascript:alert(4)"])
        archive.register_site({"id": "evil", "name": HOSTILE_TEXT, "county": HOSTILE_TEXT,
                               "start_urls": []})
        archive.db["coverage"].insert_all(
            {"site_id": "evil", "town": HOSTILE_TEXT, "year": year, "report_id": rid
             if year == 2020 else None, "status": status, "detail": HOSTILE_TEXT}
            for year, status in ((2019, "missing"), (2020, "published")))
        # issue #15's blocks of the report page: evidence, substitution, a copy neighbour
        key = archive.db.execute("select url_key from report_urls where report_id = ? "
                                 "limit 1", [rid]).fetchone()[0]
        archive.db["hijack_evidence"].insert_all(
            {"capture_id": capture, "kind": kind, "url": "javascript:alert(5)", "url_key": key,
             "site_id": HOSTILE_TEXT, "fetched_at": HOSTILE_TEXT, "snippet": HOSTILE_TEXT,
             "genuine_host": HOSTILE_TEXT} for kind in ("hidden_links", HOSTILE_TEXT))
        archive.db.execute("update reports set site_id = 'evil' where id = ?", [rid])
        archive.db["report_substitutions"].insert(
            {"report_id": rid, "token": HOSTILE_TEXT, "phrase": HOSTILE_TEXT, "confidence": 0.6,
             "occurrences": 1, "explained": 1, "alternatives": json.dumps({HOSTILE_TEXT: 0.1}),
             "restored_title": HOSTILE_TEXT, "restored_text": HOSTILE_TEXT})
        archive.db["reports"].insert({"id": "neighbour", "title": HOSTILE_TEXT,
                                      "town": HOSTILE_TEXT, "text": HOSTILE_TEXT + NEIGHBOUR})
        archive.db["similar_reports"].insert(
            {"report_a": rid, "report_b": "neighbour", "jaccard": 0.9, "same_body": 0,
             "shared": json.dumps([HOSTILE_TEXT, NEIGHBOUR])})
        archive.db.conn.commit()
    return path


async def test_no_stored_url_becomes_a_script_link(hostile_file: Path) -> None:
    ds = make_datasette(hostile_file)
    rid = report_id(replace(REPORT, url="javascript:alert(3)"))
    with Archive(hostile_file) as archive:
        capture = archive.db.execute("select id from captures").fetchone()[0]
        stored = sum(archive.db[t].count for t in ("report_urls", "attachments"))
    pages = {f"/nianbao/reports/{rid}": 1 + stored,
             f"/nianbao/captures/{capture}": 2, f"/nianbao/report_versions/{rid},1": 1,
             "/-/search?q=%E6%89%B6%E8%B4%AB": 1, f"/-/capture/{capture}/view": 1,
             "/-/coverage?county=" + quote(HOSTILE_TEXT): 0, "/-/coverage": 0}
    for path, hostile in pages.items():
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        hrefs = Hrefs(response.text).hrefs
        assert all(browser_scheme(h) in (None, "http", "https") for h in hrefs), (path, hrefs)
        assert hrefs.count("#") >= hostile, (path, hrefs)
        assert "<script>alert(9)" not in response.text and "<img src=x" not in response.text
        assert 'onclick="alert(7)' not in response.text, path
    report_page = (await ds.client.get(f"/nianbao/reports/{rid}")).text
    assert "javascript:alert(3)" in report_page  # still shown, as text
    for block in ('id="hijack-evidence"', 'id="similar"', 'class="list substitutions"',
                  'id="hijacked-site"', "<mark>甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉</mark>"):
        assert block in report_page, block  # the hostile values above reach the new blocks
    assert report_page.count("&lt;script&gt;alert(9)&lt;/script&gt;") >= 8  # as text
    grid = (await ds.client.get("/-/coverage?county=" + quote(HOSTILE_TEXT))).text
    assert "&lt;script&gt;alert(9)&lt;/script&gt;" in grid  # the town, escaped
    assert grid.count('class="cov-') >= 2


# 5. the search page's ✕ removes its filter

async def test_the_clear_filter_link_is_a_search_url(datasette: Datasette) -> None:
    response = await datasette.client.get("/-/search", params={"q": "公开", "town": "高家镇",
                                                               "sort": "oldest"})
    assert response.status_code == 200
    clear = re.findall(r'<a href="([^"]*)" title="remove this filter">', response.text)
    assert clear == ["/-/search?q=%E5%85%AC%E5%BC%80&amp;sort=oldest"]
    assert "built-in method" not in response.text
