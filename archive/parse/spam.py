"""Signs of SEO hijacking: gambling/porn lexicon, hidden link blocks, junk tag runs,
pinyin glosses and Traditional-character clones.

Lexicon patterns only fire in brand context (`UedBet体育`, `体育官网`, `娱乐场`): a genuine
report may say 文化体育站, 县政府官网, 福利彩票, 棋牌室 or 娱乐场所. Structural signs are
reported as markers in `spam_terms`: hidden-links, junk-tags, pinyin-gloss,
traditional-clone, self-domain.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from lxml.etree import _Element as Element

from archive.parse.normalize import CJK_RE, fold

_T, _YL, _GW, _W = "[体體]育", "[娱娛][乐樂]", "官[网網]", "[网網]"
_DL = "下[载載]"
SPAM_CORES = (
    # a Latin brand glued to a gambling word: UedBet体育, uedbet官网, bet365娱乐
    (
        rf"(?<![A-Za-z0-9./])[A-Za-z][A-Za-z0-9]{{1,19}}\s?"
        rf"(?:{_T}|{_YL}|{_GW}|彩票|棋牌|博彩|[赌賭][场場]|投注|真人|[电電]竞)"
    ),
    rf"{_YL}(?:[场場](?!所)|城|平台|{_GW}|注册|[开開]户|{_W}址|app|APP)",
    rf"{_T}(?:{_GW}|平台|投注|下注|注册|[开開]户|{_DL}|app|APP|{_W}址|{_W}页版|{_YL})",
    rf"彩票(?:平台|{_GW}|{_W}站|{_W}址|注册|[开開]户|{_DL}|app|APP)",
    rf"棋牌(?:游[戏戲]|平台|{_GW}|{_DL}|app|APP|{_W}站)",
    rf"菠菜(?:[导導]航|{_W}|平台|{_GW}|app|APP)",
    (
        rf"澳[门門](?:特[区區])?[\u4e00-\u9fff]{{0,4}}?"
        rf"(?:[赌賭][场場博]|博彩|{_YL}[场場城]?|新?葡京|金沙|永利|威尼斯人|[银銀]河|六合彩)"
    ),
    rf"新?葡京|威尼斯人|博彩|[赌賭][场場]|[赌賭]博{_W}|百家[乐樂]|六合彩|[时時]{{2}}彩|老虎[机機]",
    rf"真人[视視][讯訊]|[电電]子游[艺藝]|[买買]球(?:平台|{_GW}|{_W}站|{_W}址|app|APP)",
    r"(?:[欧歐]洲杯|世界杯|足球|篮球)[\u4e00-\u9fff]{0,4}?(?:竞猜|[买買]球|投注)",
    rf"竞猜(?:平台|app|APP|{_GW}|{_W}站)",
    r"[视視][频頻](?:app|APP)",
    r"一区二区|国产精品|精品国产|无码|人妻|偷拍(?:[视視][频頻]|自拍|在[线線])",
    rf"成人(?:[视視][频頻]|[电電]影|{_W}站|影院)|(?:av|AV)(?:在[线線]|[视視][频頻]|{_W}站)",
)
SPAM_RE = re.compile(
    "(?:" + "|".join(SPAM_CORES) + rf")(?:{_GW}|{_YL}[场場城]?|平台|{_W}址|app|APP)*"
)
TITLE_SEPARATORS = "_,，@:：|｜\\-—·~ "
_SEP = re.escape(TITLE_SEPARATORS)
STRIP_RE = re.compile(rf"[{_SEP}]*(?:{SPAM_RE.pattern})+[{_SEP}]*")
GLOSS_RE = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6})[)）]")
TONE_RE = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
JUNK_TAG_RE = re.compile(r"<([a-z]+)\s+id\s*=\s*[\"']?([a-z0-9]{4,8})[\"']?\s*>", re.IGNORECASE)
JUNK_GAP_RE = re.compile(r"^(?:\s|</[a-z]+>)*$", re.IGNORECASE)
DOMAIN_MENTION_RE = re.compile(
    r"(?:网站|网址|门户)[^。\n]{0,8}?(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})", re.IGNORECASE
)
GOV_HOST_RE = re.compile(r"(?:^|\.)(?:gov\.cn|政务|gov)$")
MIN_GLOSSES = 5
MIN_JUNK_RUN = 3
MIN_HIDDEN_EXTERNAL_LINKS = 3
TRADITIONAL_RATIO = 0.15
MIN_CJK_FOR_RATIO = 50


def spam_terms_in(text: str) -> list[str]:
    """Distinct lexicon terms found in the text, in order of first appearance; terms that
    touch (新葡京 + 博彩官网) are reported as one."""
    spans: list[list[int]] = []
    for match in SPAM_RE.finditer(text):
        if spans and spans[-1][1] == match.start():
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    return list(dict.fromkeys(text[start:end].strip() for start, end in spans))


def strip_spam(text: str, replacement: str = "") -> str:
    """The text with spam terms and the separators glued to them removed. Place scanning
    passes a `replacement` such as "|" so that 广州市<spam>区 does not become 广州市区."""
    if not SPAM_RE.search(text):
        return text
    cleaned = STRIP_RE.sub(replacement, text)
    return cleaned.strip(TITLE_SEPARATORS)


def count_glosses(text: str) -> int:
    return len(GLOSS_RE.findall(text))


def has_glosses(text: str) -> bool:
    glosses = GLOSS_RE.findall(text)
    toned = sum(1 for g in glosses if TONE_RE.search(g))
    return len(glosses) >= MIN_GLOSSES or toned >= 3


def strip_glosses(text: str) -> str:
    return GLOSS_RE.sub("", text)


@functools.cache
def traditional_chars() -> frozenset[str]:
    """Characters OpenCC maps to a different Simplified character."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for row in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = row.partition("\t")
        if len(trad) == 1 and simp and trad not in simp.split():
            chars.add(trad)
    return frozenset(chars)


def traditional_ratio(text: str) -> float:
    cjk = CJK_RE.findall(text)
    if len(cjk) < MIN_CJK_FOR_RATIO:
        return 0.0
    trad = traditional_chars()
    return sum(map(trad.__contains__, cjk)) / len(cjk)


def is_traditional(text: str) -> bool:
    return traditional_ratio(text) >= TRADITIONAL_RATIO


@functools.cache
def _converter():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def junk_tag_runs(markup: str) -> int:
    """Runs of >= 3 consecutive id-only tags sharing one random id (site-farm templates)."""
    runs, length, last_id, last_end = 0, 0, None, -1
    for match in JUNK_TAG_RE.finditer(markup):
        tag_id = match.group(2).lower()
        contiguous = last_end >= 0 and JUNK_GAP_RE.match(markup[last_end : match.start()])
        length = length + 1 if contiguous and tag_id == last_id else 1
        if length == MIN_JUNK_RUN:
            runs += 1
        last_id, last_end = tag_id, match.end()
    return runs


def hidden_spam(elements: Iterable[Element], page_url: str) -> tuple[list[str], list[Element]]:
    """Lexicon terms (or the hidden-links marker) in invisible blocks, and the offending blocks."""
    terms: list[str] = []
    offending = []
    page_host = urlsplit(page_url).hostname or ""
    for el in elements:
        found = spam_terms_in(" | ".join(fold(piece) for piece in el.itertext()))
        external = [h for h in el.xpath(".//a/@href") if is_foreign_link(h, page_host)]
        if found or len(external) >= MIN_HIDDEN_EXTERNAL_LINKS:
            terms.extend(found or ["hidden-links"])
            offending.append(el)
    return list(dict.fromkeys(terms)), offending


def is_foreign_link(href: str, page_host: str) -> bool:
    host = (urlsplit(href.strip()).hostname or "").lower()
    return bool(host) and host != page_host and not GOV_HOST_RE.search(host)


def self_domain_mentions(text: str, page_url: str) -> list[str]:
    """The page's own non-government host named as a government portal (domain rewrite)."""
    page_host = (urlsplit(page_url).hostname or "").lower()
    if not page_host or GOV_HOST_RE.search(page_host) or page_host.replace(".", "").isdigit():
        return []
    bare = page_host.removeprefix("www.")
    for match in DOMAIN_MENTION_RE.finditer(text):
        if match.group(1).lower().removeprefix("www.") == bare:
            return ["self-domain"]
    return []
