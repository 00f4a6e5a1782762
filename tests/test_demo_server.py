"""The bundled demo portals: served pages, traps, and ground truth agree with each other."""

from __future__ import annotations

import html
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from archive.extract import filename_from_headers, sniff_kind
from archive.extract.core import extract_in_process
from demo.content import CONTENT_DIR
from demo.server import DemoPortals
from tools import generate

HREF = re.compile(r"""href=["']([^"'#]+)["']""")
CREATE_PAGE = re.compile(r"createPageHTML\((\d+),\s*(\d+),\s*\"(\w+)\",\s*\"(\w+)\"\)")
JPAGE = re.compile(r"totalRecord:\s*(\d+).*?columnid:\s*(\d+)", re.DOTALL)
DECLARED = re.compile(rb"charset=[\"']?([\w-]+)", re.IGNORECASE)
SEED = Path(__file__).resolve().parent.parent / "demo" / "content" / "seed_3722e6619a3f0616.txt"


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoPortals]:
    with DemoPortals(base_port=0) as portals:
        yield portals


@pytest.fixture(scope="module")
def truth(demo: DemoPortals) -> list[dict[str, Any]]:
    return demo.ground_truth(attachment_only=True)


def fetch(url: str, data: bytes | None = None, method: str | None = None) -> tuple[int, Any, bytes]:
    url = urllib.parse.quote(url, safe=":/?&=%#")
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def decode(headers: Any, body: bytes) -> str:
    """Header charset, else the declared meta charset (gb2312/gbk read as gb18030)."""
    charset = headers.get_content_charset()
    if not charset:
        found = DECLARED.search(body[:2048])
        charset = found.group(1).decode() if found else "utf-8"
    if charset.lower() in ("gb2312", "gbk"):
        charset = "gb18030"
    try:
        return body.decode(charset)
    except UnicodeDecodeError:  # a page that declares gb2312 but is UTF-8
        return body.decode("utf-8")


def text_of(page: str) -> str:
    return unicodedata.normalize("NFKC", html.unescape(re.sub(r"<[^>]+>", "", page)))


# --- serving ---------------------------------------------------------------------------


def test_every_home_page_answers_200(demo: DemoPortals) -> None:
    for portal, url in demo.start_urls.items():
        status, headers, body = fetch(url)
        assert status == 200, portal
        assert "<html" in decode(headers, body).lower(), portal


def is_html(headers: Any) -> bool:
    return "html" in headers.get("Content-Type", "")


def test_every_ground_truth_url_serves_its_title(truth: list[dict[str, Any]]) -> None:
    for entry in truth:
        for url in entry["urls"]:
            status, headers, body = fetch(url)
            assert status == 200, url
            if not is_html(headers):  # a list entry that links straight to the file
                assert entry["attachment_only"] and url in attachment_urls(entry), url
                continue
            page = html.unescape(decode(headers, body))
            assert entry["title_raw"] in page, url
            if not entry["tampered"]:
                assert entry["title"] in page, url


def test_unknown_paths_get_a_real_404_page(demo: DemoPortals) -> None:
    for portal, base in demo.portals.items():
        status, headers, body = fetch(base + "no/such/page_404.html")
        assert status == 404, portal
        assert re.search("不存在|无法找到", decode(headers, body)), portal


def test_head_sends_headers_without_body(demo: DemoPortals) -> None:
    status, headers, body = fetch(demo.start_urls["fusong"], method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) > 1000


def test_robots_allows_all_but_admin(demo: DemoPortals) -> None:
    for base in demo.portals.values():
        status, _, body = fetch(base + "robots.txt")
        assert status == 200 and b"Disallow: /admin/" in body


def test_sites_yaml_lists_every_portal(demo: DemoPortals) -> None:
    sites = yaml.safe_load(demo.sites_yaml())
    assert [s["id"] for s in sites] == list(demo.portals)
    for site in sites:
        assert site["start_urls"] == [demo.start_urls[site["id"]]]
        assert {"name", "province", "city", "county"} <= set(site)
    assert {s["id"] for s in sites if "town" in s} == {"shihua", "mirror"}


# --- encodings --------------------------------------------------------------------------


def test_gbk_site_fails_strict_gb2312_but_reads_as_gb18030(truth: list[dict[str, Any]]) -> None:
    entry = next(e for e in truth if e["encoding"] == "gbk" and e["kind"] == "report")
    status, headers, body = fetch(entry["urls"][0])
    assert status == 200
    assert headers.get_content_charset() is None  # text/html without charset
    assert b"charset=gb2312" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    assert entry["title"] in body.decode("gb18030")


def test_a_page_declares_gb2312_but_is_utf8(truth: list[dict[str, Any]]) -> None:
    entry = next(e for e in truth if e["declared"] == "gb2312" and e["encoding"] == "utf-8")
    _, headers, body = fetch(entry["urls"][0])
    assert headers.get_content_charset() is None
    assert b"charset=gb2312" in body
    assert entry["title"] in body.decode("utf-8")


# --- CMS traps --------------------------------------------------------------------------


def test_trs_pages_are_numbered_only_inside_createPageHTML(demo: DemoPortals) -> None:
    base = demo.portals["fusong"] + "xxgk/ndbg/"
    _, headers, body = fetch(base + "index.html")
    page = decode(headers, body)
    count, current, name, ext = CREATE_PAGE.search(page).groups()  # type: ignore[union-attr]
    assert (int(count), int(current)) >= (3, 0) and "index_1.html" not in page.split("<script")[0]
    for n in range(1, int(count)):
        assert fetch(f"{base}{name}_{n}.{ext}")[0] == 200
    assert fetch(f"{base}{name}_{count}.{ext}")[0] == 404


def test_hanweb_dataproxy_pages_beyond_the_inline_records(demo: DemoPortals) -> None:
    base = demo.portals["qujiang"]
    _, headers, body = fetch(base + "col/col1229/index.html")
    page = decode(headers, body)
    total, column = JPAGE.search(page).groups()  # type: ignore[union-attr]
    inline = page.count("<record>")
    assert inline == 15 and int(total) > inline
    query = f"startrecord=16&endrecord=30&perpage=15&columnid={column}"
    _, _, got = fetch(f"{base}module/web/jpage/dataproxy.jsp?{query}")
    form = f"col=1&appid=1&webid=3&path=/&columnid={column}&unitid=5765&permissiontype=0"
    _, _, posted = fetch(
        f"{base}module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15",
        data=form.encode(),
    )
    assert got == posted
    assert got.decode().count("<record>") == int(total) - inline
    assert f"<totalrecord>{total}</totalrecord>".encode() in got


def test_old_site_swapped_parameters_give_the_same_page(truth: list[dict[str, Any]]) -> None:
    entry = next(e for e in truth if any("id=12&classid=3" in u for u in e["urls"]))
    first, swapped = (fetch(u)[2] for u in entry["urls"])
    assert "show.asp?classid=3&id=12" in entry["urls"][1]
    assert first == swapped
    assert "2010年3月15日" in first.decode("gb18030")


def test_trs_catalogue_alias_is_the_identical_page(truth: list[dict[str, Any]]) -> None:
    entry = next(e for e in truth if e["style"] == "trs" and len(e["urls"]) == 2)
    assert "/xxgk/xxgkml/" in entry["urls"][1]
    assert fetch(entry["urls"][0])[2] == fetch(entry["urls"][1])[2]


def test_mirror_page_carries_the_seed_text_verbatim(truth: list[dict[str, Any]]) -> None:
    entry = next(e for e in truth if e["report_year"] == 2016 and e["portal"] == "mirror")
    _, headers, body = fetch(entry["urls"][0])
    page = decode(headers, body)
    text = text_of(page)
    for line in SEED.read_text(encoding="utf-8").splitlines()[3:]:
        if line.strip() and not line.startswith("发布时间"):
            assert line.strip() in text, line
    assert 'style="display:none"' in page and '<noframes id="zdbdv">' in page


def test_traditional_clone_has_pinyin_glosses(truth: list[dict[str, Any]]) -> None:
    clone = next(e for e in truth if e["duplicate_of"])
    page = html.unescape(decode(*fetch(clone["urls"][0])[1:]))
    assert "報(bào)告" in page and "公(gōng)開" in page
    original = next(e for e in truth if e["id"] == clone["duplicate_of"])
    assert clone["title"] == original["title"] and clone["tampered"]


# --- the ground truth is what a crawler can reach -----------------------------------------


def discover(url: str, page: str, use_scripts: bool) -> list[str]:
    """Links a crawler finds on a page; with use_scripts it also reads the JS pagers."""
    links = [urllib.parse.urljoin(url, html.unescape(h)) for h in HREF.findall(page)]
    if use_scripts:
        for count, _, name, ext in CREATE_PAGE.findall(page):
            links += [urllib.parse.urljoin(url, f"{name}_{n}.{ext}") for n in range(1, int(count))]
        for total, column in JPAGE.findall(page):
            links.append(
                urllib.parse.urljoin(
                    url,
                    f"/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord={total}"
                    f"&perpage=15&columnid={column}",
                )
            )
    return links


def crawl(start: str, use_scripts: bool) -> set[str]:
    origin = urllib.parse.urlsplit(start).netloc
    seen, queue = {start}, [start]
    while queue:
        url = queue.pop()
        status, headers, body = fetch(url)
        if status != 200 or not re.search("html|text/xml", headers.get("Content-Type", "")):
            continue
        for link in discover(url, decode(headers, body), use_scripts):
            parts = urllib.parse.urlsplit(link)
            if parts.netloc == origin and link not in seen and not parts.path.startswith("/admin/"):
                seen.add(link)
                queue.append(link)
    return seen


def test_every_ground_truth_page_is_reachable_and_the_traps_matter(
    demo: DemoPortals, truth: list[dict[str, Any]]
) -> None:
    full = set().union(*(crawl(u, True) for u in demo.start_urls.values()))
    naive = set().union(*(crawl(u, False) for u in demo.start_urls.values()))
    for entry in truth:
        assert set(entry["urls"]) <= full, entry["id"]
    missed = [e["id"] for e in truth if not set(e["urls"]) & naive]
    assert any(m.startswith("fusong/") for m in missed)  # only via createPageHTML pages
    assert any(m.startswith("qujiang/") for m in missed)  # only via dataproxy


# --- content -----------------------------------------------------------------------------


def test_ground_truth_covers_the_genre(truth: list[dict[str, Any]]) -> None:
    reports = [e for e in truth if e["kind"] == "report"]
    towns = {e["town"] for e in reports if e["town"] and e["town"][-1] in "镇乡道"}
    years = {e["report_year"] for e in reports}
    assert len(reports) >= 40 and len(towns) >= 6
    assert min(years) == 2008 and max(years) == 2025
    assert {e["format"] for e in reports} == {"pre2019", "post2019"}
    assert any(e["town"] == e["county"] for e in reports)  # a county government's own report
    assert len([e for e in truth if e["kind"] == "decoy"]) >= 8
    for entry in reports:
        assert entry["headings"] and entry["published"] and entry["source"], entry["id"]
        assert entry["published"][:4] >= str(entry["report_year"]), entry["id"]


def test_post2019_reports_carry_the_standard_table_labels(truth: list[dict[str, Any]]) -> None:
    for entry in truth:
        if entry["kind"] != "report" or entry["format"] != "post2019" or entry["tables"] == 0:
            continue
        # labels broken by spaces, <br> or over two header rows (商业 / 企业) are on purpose
        text = re.sub(r"\s+", "", text_of(decode(*fetch(entry["urls"][0])[1:])))
        marker = "本年新制作数量" if entry["report_year"] <= 2020 else "本年制发件数"
        if entry["duplicate_of"] is None:
            assert marker in text and "结转下年度继续办理" in text, entry["id"]
            assert "法律服务" in text and "未经复议直接起诉" in text, entry["id"]


def test_generator_reproduces_the_committed_content(tmp_path: Path) -> None:
    generate.main(tmp_path)
    for committed in CONTENT_DIR.glob("*.json"):
        assert (tmp_path / committed.name).read_bytes() == committed.read_bytes(), committed.name
    made = sorted(p.relative_to(tmp_path) for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert len(made) >= 8
    for relative in made:
        assert (CONTENT_DIR / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


# --- attachments ---------------------------------------------------------------------------


def attachment_urls(entry: dict[str, Any]) -> list[str]:
    return [a["url"] for a in entry["attachments"]]


def attached(truth: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(entry, item) for entry in truth for item in entry["attachments"]]


def test_ground_truth_has_every_kind_of_attachment_report(truth: list[dict[str, Any]]) -> None:
    pairs = attached(truth)
    assert {item["kind"] for _, item in pairs} >= {"pdf", "docx", "doc"}
    assert {item["status"] for _, item in pairs} == {"ok", "needs_ocr", "error"}
    only = [e for e in truth if e["attachment_only"]]
    assert len(only) >= 6 and all(e["kind"] == "report" for e in only)
    assert any(e["urls"][0] in attachment_urls(e) for e in only)  # list links to the file
    assert any(not e["attachment_only"] for e, _ in pairs)  # text and file of one report
    assert any("downfile.jsp?classid=0&filename=" in item["url"] for _, item in pairs)
    for entry in only:
        assert entry["town"] and entry["report_year"] and entry["headings"], entry["id"]


def test_attachments_are_served_with_type_and_name(truth: list[dict[str, Any]]) -> None:
    for _, item in attached(truth):
        status, headers, body = fetch(item["url"])
        assert status == 200 and not is_html(headers), item["url"]
        assert int(headers["Content-Length"]) == len(body) > 1000
        if "downfile.jsp" in item["url"]:  # Hanweb: octet-stream, name only in GBK bytes
            assert headers["Content-Type"] == "application/octet-stream"
            raw = headers["Content-Disposition"].encode("latin-1")
            assert item["name"].encode("gbk") in raw
        named = filename_from_headers(headers)
        assert named is None or named == item["name"], item["url"]


def test_attachment_statuses_are_what_extraction_finds(truth: list[dict[str, Any]]) -> None:
    for entry, item in attached(truth):
        _, headers, body = fetch(item["url"])
        result = extract_in_process(body, item["name"], headers["Content-Type"])
        assert (result.kind, result.status) == (item["kind"], item["status"]), item["url"]
        if result.status != "ok":
            assert result.error, item["url"]
            continue
        text = unicodedata.normalize("NFKC", result.text)
        assert unicodedata.normalize("NFKC", entry["title"]) in text, item["url"]
        for heading in entry["headings"]:
            assert heading in text, (item["url"], heading)
        if entry["format"] == "post2019":
            assert len(result.tables) >= 3, item["url"]


def test_attachment_only_pages_show_only_the_link(truth: list[dict[str, Any]]) -> None:
    for entry in truth:
        if not entry["attachments"] or entry["urls"][0] in attachment_urls(entry):
            continue
        page = decode(*fetch(entry["urls"][0])[1:])
        if entry["frames"]:  # shown in a viewer frame rather than linked
            path = urllib.parse.urlsplit(entry["frames"][0]).path
            assert f'viewer.html?file={urllib.parse.quote(path, safe="")}' in page, entry["id"]
            continue
        text = text_of(page)
        assert "附件:" in text and entry["attachments"][0]["name"] in text, entry["id"]
        assert (entry["headings"][0] in text) != entry["attachment_only"], entry["id"]


def test_legacy_doc_is_a_real_word_97_file(truth: list[dict[str, Any]]) -> None:
    docs = [item for _, item in attached(truth) if item["kind"] == "doc"]
    assert docs
    for item in docs:
        body = fetch(item["url"])[2]
        assert body.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
        assert sniff_kind(body) == "doc"


def test_framed_reports_print_pages_and_exports_are_served(truth: list[dict[str, Any]]) -> None:
    framed = [e for e in truth if e["frames"] and not e["attachment_only"]]
    assert framed, "a report whose text is in an HTML frame"
    for entry in framed:
        page = decode(*fetch(entry["urls"][0])[1:])
        assert urllib.parse.urlsplit(entry["frames"][0]).path in page
        status, headers, body = fetch(entry["frames"][0])
        frame = decode(headers, body)
        assert status == 200 and "<title>" not in frame and entry["title"] not in frame
        assert entry["headings"][0] in html.unescape(text_of(frame))
    exports = 0
    for entry in truth:
        _, headers, body = fetch(entry["urls"][0])
        if not is_html(headers):
            continue
        page = html.unescape(decode(headers, body))
        for href in re.findall(r'href="([^"]*(?:_print\.html|export\.jsp\?[^"]*))"', page):
            status, headers, body = fetch(urllib.parse.urljoin(entry["urls"][0], href))
            assert status == 200 and len(body) > 1000, href
            exports += 1
    assert exports == 3  # 【打印】【下载Word】【下载PDF】 of the one report that has them
