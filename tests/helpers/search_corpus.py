"""A searchable corpus for the search tests: synthetic reports plus hand-made edge cases,
stored with the archive's schema (sections as offsets into the report text) and indexed
as the archive is, and the oracle they are checked against (a plain Python scan of the
folded text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from archive.db.schema import ensure_schema, section_spans
from archive.search.folding import GAP, is_word_char, normalize
from archive.search.fts import enable_search
from tools.synthetic import generate_reports

# (id, title, sections) — edge cases the synthetic vocabulary does not produce.
HANDMADE: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("h-script", "人民政府出台办法", [("一、概述", "<script>alert('x')</script>扶贫攻坚<b>重点</b>")]),
    ("h-trad", "石門鎮政府信息公開工作年度報告",
     [("一、總體情況", "本鎮依申請公開辦理情況良好，扶貧工作穩步推進。")]),
    ("h-fullwidth", "２０１９年度报告", [("一、概述", "编号１２３４５，ＡＰＰ下载量大。")]),
    ("h-latin", "WeChat与APP", [("一、概述", "关注WeChat公众号或访问www.example.gov.cn，编号123456。")]),
    ("h-split", "信息测试", [("一、概述", "人民政府，信息公开。民政局长。")]),
    ("h-abc", "abcd测试", [("一、概述", "代号abcd与xabc不同，abc单独出现在末尾：abc")]),
    ("h-expand", "㈠编号①", [("㈠一般情况", "①主动公开46条；⑵其他事项")]),
    ("h-title", "垃圾分类专项报告", [("一、概述", "本文不含那个词。")]),
    ("h-sections", "分节测试", [("一、概述", "开头。"), ("二、情况", "中间。"),
                                ("三、问题", "这里提到提升公信力。")]),
    ("h-gaps", "间隔测试", [("一、概述", "扶贫，\n  低保工作；；信息 公开")]),
    ("h-extb", "𠀀字测试", [("一、概述", "生僻字𠀀出现一次，政府信息公开工作。")]),
]


def occurs(term: str, text: str) -> bool:
    """The oracle: `term` occurs in `text` after folding; word runs must match whole."""
    needle = normalize(term).strip(GAP)
    haystack = normalize(text)
    if not needle:
        return False
    start = 0
    while (i := haystack.find(needle, start)) != -1:
        j = i + len(needle)
        left = not (is_word_char(needle[0]) and i > 0 and is_word_char(haystack[i - 1]))
        right = not (is_word_char(needle[-1]) and j < len(haystack)
                     and is_word_char(haystack[j]))
        if left and right:
            return True
        start = i + 1
    return False


def expected(corpus: dict[str, tuple[str, str]], terms: list[str]) -> set[str]:
    return {rid for rid, (title, text) in corpus.items()
            if all(occurs(t, title) or occurs(t, text) for t in terms)}


def report_row(rid: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "title": title, "title_raw": title, "text": text,
            "url": f"http://127.0.0.1:9/{rid}.html", "capture_id": 7, "tampered": 0, **extra}


def build_corpus(path: Path) -> dict[str, tuple[str, str]]:
    db = sqlite_utils.Database(path)
    ensure_schema(db)
    enable_search(db)  # empty tables: the triggers queue every insert below
    corpus = {}
    for r in generate_reports(220, seed=7, min_length=300, max_length=1500):
        db["reports"].insert(report_row(r.id, r.title, r.text, town=r.town, county=r.county,
                                        province=r.province, report_year=r.report_year,
                                        published=r.published, format=r.format))
        db["section_spans"].insert_all(section_spans(r.id, r.text, r.sections))
        corpus[r.id] = (r.title, r.text)
    for rid, title, sections in HANDMADE:
        text = "\n".join(f"{h}\n{t}" for h, t in sections)
        db["reports"].insert(report_row(rid, title, text, town="测试镇", county="测试县",
                                        province="测试省", report_year=2020, format="post2019"))
        db["section_spans"].insert_all(section_spans(rid, text, [(1, h, t) for h, t in sections]))
        corpus[rid] = (title, text)
    db.conn.commit()
    enable_search(db)  # indexes what the triggers queued
    db.close()
    return corpus
