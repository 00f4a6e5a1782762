"""The hijacked mirror: the real seed page, a keyword-substituted copy and a
Traditional-character clone with pinyin glosses.
"""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import opencc

from demo.content import CONTENT_DIR
from tools.gen.build import Doc, base_doc, headings_of

SEED_FILE = CONTENT_DIR / "seed_3722e6619a3f0616.txt"
SPAM_BRAND = "UedBet体育"
COUNTY_SPAM = "uedbet体育_uedbet官网@:"
HEADING_LINE = re.compile(r"^[一二三四五六七八九十]+、")
SUBHEAD_LINE = re.compile(r"^\([一二三四五六七八九十]+\)\S{1,8}$")
META_LINE = re.compile(r"发布时间:(\S+) 来源:(\S+)")
FULLWIDTH = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）", ";": "；"})

# Pinyin glosses a spam farm inserts after some Traditional characters.
GLOSSES = {
    "報": "bào",
    "公": "gōng",
    "開": "kāi",
    "當": "dāng",
    "華": "huá",
    "國": "guó",
    "民": "mín",
    "中": "zhōng",
    "政": "zhèng",
    "府": "fǔ",
    "鎮": "zhèn",
    "息": "xī",
    "作": "zuò",
    "度": "dù",
    "況": "kuàng",
}


def to_fullwidth(text: str) -> str:
    """Undo the width normalisation of the stored seed: NFKC of the result is the input."""
    return text.translate(FULLWIDTH)


def seed_doc() -> Doc:
    """The seed page rebuilt as blocks; its text is kept verbatim (up to width)."""
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    site, crumb, title_raw, meta = lines[0].strip(), lines[2], lines[3].strip(), lines[4]
    published, source = META_LINE.search(meta).groups()  # type: ignore[union-attr]
    blocks: list[dict[str, Any]] = []
    for line in lines[5:]:
        text = line.strip()
        if not text:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if HEADING_LINE.match(text):
            blocks.append({"t": "h", "l": 1, "x": to_fullwidth(text), "indent": indent})
        elif SUBHEAD_LINE.match(text):
            blocks.append({"t": "h", "l": 2, "x": to_fullwidth(text), "indent": indent})
        else:
            blocks.append({"t": "p", "x": to_fullwidth(text), "indent": indent})
    doc = base_doc(
        "mirror",
        "nb",
        "mirror/nb/成吉思汗镇/2016",
        "report",
        title_raw.replace(SPAM_BRAND, ""),
        published,
    )
    doc.update(
        title_raw=title_raw,
        town="成吉思汗镇",
        report_year=2016,
        source=source,
        format="pre2019",
        tampered=True,
        headings=headings_of(blocks),
        blocks=blocks,
        time="16:32:05",
        meta={
            "site_name": site,
            "crumb": crumb,
            "spam": [SPAM_BRAND],
            "tamper": "brand-substitution",
            # what the brand stands for on the genuine page (issue #15)
            "substituted": {"token": SPAM_BRAND, "phrase": "政务公开"},
        },
    )
    return doc


def substitute_county(doc: Doc) -> Doc:
    """Replace the county name everywhere with a gambling brand (title and body)."""
    county = doc["county"]
    out = copy.deepcopy(doc)
    out["blocks"] = [replace_in_block(b, county, COUNTY_SPAM) for b in doc["blocks"]]
    out["title_raw"] = doc["title"].replace(county, COUNTY_SPAM)
    out["title"] = doc["title"].replace(county, "")
    out["tampered"] = True
    out["meta"] = {**doc["meta"], "spam": [COUNTY_SPAM], "tamper": "county-substitution",
                   "substituted": {"token": COUNTY_SPAM, "phrase": county}}
    return out


def apply_technique(doc: Doc) -> Doc:
    """A mirror page hijacked by one technique (`technique=…` flag): the page stays the
    genuine report; demo/render/techniques.py adds the injection when serving it."""
    technique = next((f.split("=", 1)[1] for f in doc["flags"] if f.startswith("technique=")),
                     None)
    if technique is None:
        return doc
    out = copy.deepcopy(doc)
    out["tampered"] = True
    out["meta"] = {**doc["meta"], "spam": [], "tamper": technique, "technique": technique}
    return out


def replace_in_block(block: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    out = dict(block)
    if "x" in out:
        out["x"] = out["x"].replace(old, new)
    if "lines" in out:
        out["lines"] = [line.replace(old, new) for line in out["lines"]]
    return out


def gloss(text: str, rng: random.Random, rate: float) -> str:
    """Add `字(pīn)` glosses after a share of the glossable characters."""
    out = []
    for ch in text:
        out.append(ch)
        if ch in GLOSSES and rng.random() < rate:
            out.append(f"({GLOSSES[ch]})")
    return "".join(out)


def traditional_clone(original: Doc) -> Doc:
    """A mirror copy: Simplified -> Traditional (opencc s2t) plus pinyin glosses."""
    convert = opencc.OpenCC("s2t").convert
    rng = random.Random(f"clone/{original['id']}")
    clone = copy.deepcopy(original)
    clone.update(
        id=f"mirror/nb/clone/{original['id']}",
        portal="mirror",
        column="nb",
        kind="report",
        tampered=True,
        duplicate_of=original["id"],
    )
    clone["blocks"] = [convert_block(b, convert, rng) for b in original["blocks"]]
    raw = convert(original["title"]).replace("公開", "公(gōng)開").replace("報告", "報(bào)告")
    clone["title_raw"] = raw
    clone["meta"] = {
        **original["meta"],
        "spam": [],
        "tamper": "traditional-pinyin-clone",
        "crumb": gloss(convert("当前位置：首页 > 政府信息公开 > 年报"), rng, 1.0),
    }
    return clone


def convert_block(block: dict[str, Any], convert: Any, rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(block)
    if "x" in out:
        out["x"] = gloss(convert(out["x"]), rng, 0.35)
    if "lines" in out:
        out["lines"] = [convert(line) for line in out["lines"]]
    if out["t"] == "table":
        out["rows"] = [[convert_cell(c, convert) for c in row] for row in out["rows"]]
    return out


def convert_cell(cell: Any, convert: Any) -> Any:
    if isinstance(cell, str):
        return convert(cell)
    return {**cell, "x": convert(cell["x"])}
