"""Hijack evidence by kind (archive/parse/hijack.py) and substitution inference
(archive/parse/substitution.py), on hand-made pages and on every saved fixture page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.errors import DecodeError
from archive.parse import decode_html, parse_report
from archive.parse.hijack import (
    CLONE,
    HIDDEN_LINKS,
    JS_REDIRECT,
    JS_WRITE,
    JUNK_MARKUP,
    LEXICON,
    META_SPAM,
    SITE_META,
    cloaking_evidence,
    evidence_in,
    genuine_host,
)
from archive.parse.substitution import infer_substitutions, restore

FIXTURES = Path(__file__).parent / "fixtures"
URL = "http://www.xxzf.gov.cn/xxgk/ndbg/2021/t20220120_1.html"
PROSE = ("根据《中华人民共和国政府信息公开条例》规定，现公布本镇2021年政府信息公开工作年度报告。"
         "本年度我镇主动公开政府信息126条，收到依申请公开3件，均按期答复。")
CASINO = "".join(f'<a href="http://www.bet{i}88.com/">澳门新葡京娱乐场{i}</a>' for i in range(4))


def page(body: str = "", head: str = "", title: str = "某镇2021年政府信息公开工作年度报告") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><div class='content'><p>{PROSE}</p></div>{body}</body></html>")


def kinds(markup: str, url: str = URL) -> set[str]:
    return {e.kind for e in evidence_in(markup, url)}


@pytest.mark.parametrize("block", [
    f'<div style="display:none">{CASINO}</div>',
    f'<div style="visibility: hidden">{CASINO}</div>',
    f'<div style="position:absolute;left:-5000px;top:-5000px">{CASINO}</div>',
    f'<div style="width:0;height:0;overflow:hidden">{CASINO}</div>',
    f'<p style="font-size:0">{CASINO}</p>',
    f'<style>.yc{{display:none}}</style><div class="yc">{CASINO}</div>',
    f'<style>#f1, .other {{position:absolute; text-indent:-9999px}}</style><span id="f1">{CASINO}</span>',
])
def test_hidden_link_farms_in_every_disguise(block: str) -> None:
    found = evidence_in(page(block), URL)
    assert HIDDEN_LINKS in {e.kind for e in found}
    snippet = next(e.snippet for e in found if e.kind == HIDDEN_LINKS)
    assert "新葡京" in snippet and "bet088.com" in snippet


def test_a_hidden_menu_of_the_portal_is_not_a_link_farm() -> None:
    menu = ('<ul style="display:none"><li><a href="/xxgk/">信息公开</a></li>'
            '<li><a href="http://www.nmg.gov.cn/">自治区政府</a></li>'
            '<li><a href="http://www.gov.cn/">中国政府网</a></li></ul>')
    assert kinds(page(menu)) == set()


def test_spam_only_in_the_title_or_meta() -> None:
    assert kinds(page(title="UedBet体育_某镇2021年政府信息公开工作年度报告")) == {META_SPAM}
    meta = '<meta name="keywords" content="澳门博彩官网,体育投注平台">'
    assert kinds(page(head=meta)) == {META_SPAM}
    meta = '<meta name="description" content="本镇2021年政府信息公开工作年度报告">'
    assert kinds(page(head=meta)) == set()


def test_spam_in_title_and_body_is_the_lexicon_not_meta_spam() -> None:
    markup = page("<p>UedBet体育领导小组</p>", title="UedBet体育某镇年度报告")
    assert kinds(markup) == {LEXICON}


REFERRER_JS = """<script>var r = document.referrer;
if (r.indexOf("baidu.com") > -1 || r.indexOf("sogou") > -1) {
  window.location.href = "http://www.ued7788.com/"; }</script>"""
UA_WRITE_JS = """<script>if (/Baiduspider|360Spider/i.test(navigator.userAgent)) {
document.write('<a href="http://www.xpj0851.com/">澳门新葡京</a>'); }</script>"""
PLAIN_REDIRECT = '<script>top.location.replace("https://www.bc2208.com/");</script>'


def test_script_redirects_and_injections() -> None:
    assert kinds(page(head=REFERRER_JS)) == {JS_REDIRECT}
    assert kinds(page(UA_WRITE_JS)) == {JS_WRITE}
    assert kinds(page(PLAIN_REDIRECT)) == {JS_REDIRECT}


@pytest.mark.parametrize("script", [
    # statistics and the portal's own redirects are not hijacks
    ('<script>var _hmt = _hmt || []; (function() { var hm = document.createElement("script");'
     ' hm.src = "https://hm.baidu.com/hm.js?abc"; })();</script>'),
    '<script>if (navigator.userAgent.match(/Mobile/i)) { window.location.href = "/m/index.html"; }</script>',
    '<script>window.location.href = "http://www.xxzf.gov.cn/new/";</script>',
    "<script>document.write('<span>' + new Date().getFullYear() + '</span>');</script>",
    '<script>if (document.referrer.indexOf("baidu") > -1) { console.log("from search"); }</script>',
])
def test_ordinary_scripts_are_not_evidence(script: str) -> None:
    assert kinds(page(script)) == set()


def test_site_meta_naming_a_brand_or_another_domain() -> None:
    assert kinds(page(head='<meta name="SiteName" content="UedBet体育">')) == {SITE_META}
    assert kinds(page(head='<meta name="SiteDomain" content="www.whentby.com">')) == {SITE_META}
    genuine = '<meta name="SiteName" content="某县人民政府"><meta name="SiteDomain" content="www.xxzf.gov.cn">'
    assert kinds(page(head=genuine)) == set()
    # a copy on a junk host naming the government host: that host is the genuine copy
    copy = page(head='<meta name="SiteDomain" content="www.haicheng.gov.cn">')
    assert genuine_host(copy, "http://www.whentby.com/html/HCS/1.html") == "www.haicheng.gov.cn"
    assert genuine_host(copy, "http://www.haicheng.gov.cn/html/HCS/1.html") is None


def test_cloaking_is_a_different_main_text() -> None:
    spider = "澳门新葡京娱乐场 体育投注平台 百家乐 " * 5
    assert cloaking_evidence(PROSE, PROSE.replace("126", "127")) is None
    found = cloaking_evidence(PROSE, spider)
    assert found is not None and "新葡京" in found.snippet


def fixture_pages() -> list[tuple[Path, dict[str, object]]]:
    pages = []
    for html in sorted(FIXTURES.rglob("*.html")):
        expected = html.with_suffix(".json")
        if expected.exists():
            data = json.loads(expected.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "url" in data:
                pages.append((html, data))
    return pages


def test_precision_on_every_fixture_page_including_heldout() -> None:
    """Evidence on a fixture page iff the reviewed output says it is tampered."""
    pages = fixture_pages()
    assert len(pages) >= 40 and any("heldout" in str(p) for p, _ in pages)
    flagged, tampered = set(), set()
    for html, data in pages:
        try:
            markup, _ = decode_html(html.read_bytes(), {}, str(data["url"]))
        except DecodeError:  # a binary decoy saved as .html is not a page
            assert "decoy" in html.parts
            continue
        if evidence_in(markup, str(data["url"])):
            flagged.add(html.name)
        expected = data.get("expected") or {}
        if isinstance(expected, dict) and expected.get("tampered"):
            tampered.add(html.name)
    assert tampered and flagged == tampered


def test_fixture_hijacks_have_the_right_kind() -> None:
    def kinds_of(name: str) -> set[str]:
        html = next(FIXTURES.rglob(name))
        url = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))["url"]
        return kinds(decode_html(html.read_bytes(), {}, url)[0], url)

    assert {HIDDEN_LINKS, JUNK_MARKUP} <= kinds_of("bayangaole_2020_hidden_links.html")
    assert CLONE in kinds_of("zhangtan_2018_traditional_pinyin_clone.html")
    assert META_SPAM in kinds_of("chengjisihan_2016.html")


def test_the_seed_page_substitution_is_inferred_as_zhengwu_gongkai() -> None:
    html = FIXTURES / "seed" / "chengjisihan_2016.html"
    url = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))["url"]
    report = parse_report(url, html.read_bytes(), {})
    [sub] = infer_substitutions(report.text, report.title_raw, places=[report.town or ""])
    assert (sub.token, sub.phrase) == ("UedBet体育", "政务公开")
    assert sub.confidence >= 0.7 and sub.explained >= 3
    restored = restore(report.text, [sub])
    assert "政务公开领导小组" in restored and "UedBet" not in restored


def test_the_seed_text_file_with_its_site_name() -> None:
    seed = next((Path(__file__).parent.parent / "demo" / "content").glob("seed_*.txt"))
    lines = seed.read_text(encoding="utf-8").splitlines()
    subs = infer_substitutions("\n".join(lines), lines[3], lines[0])
    assert [(s.token, s.phrase) for s in subs] == [("UedBet体育", "政务公开")]


def test_no_substitution_in_clean_text_or_a_header_injection() -> None:
    assert infer_substitutions(PROSE, "某镇2021年政府信息公开工作年度报告") == []
    # a brand glued once on top of the title replaces nothing
    assert infer_substitutions(PROSE, "UedBet体育_某镇2021年政府信息公开工作年度报告") == []
