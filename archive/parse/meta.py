"""Label/value fields of meta lines (``发布时间:… 来源:…``) and metadata tables (索引号, 发布机构…).

Input text is in matching form (`normalize.fold`): colons are ASCII. A field is a
known label followed by a colon (or directly by a year, for date labels); its value
runs to the next known label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Longest first so that 发布时间 wins over 时间 and 信息来源 over 来源.
# fmt: off
LABELS = sorted(
    [
        "索引号", "主题分类", "组配分类", "体裁分类", "信息分类", "服务对象分类", "分类",
        "发布机构", "发布单位", "发文机关", "发文机构", "发文单位", "成文日期", "发文日期",
        "公文生成日期", "生成日期", "印发日期", "签发日期", "实施日期", "施行日期", "废止日期",
        "有效期", "公开日期", "发布日期", "发布时间", "上网日期", "更新时间", "更新日期",
        "录入时间", "上传时间", "信息时间", "时间", "日期", "标题", "名称", "文号", "发文字号",
        "文件编号", "主题词", "关键词", "关键字", "内容概述", "摘要", "时效", "有效性",
        "是否有效", "公开方式", "公开范围", "公开时限", "公开目录", "公开形式", "浏览量",
        "浏览次数", "点击数", "点击量", "点击", "访问量", "阅读数", "阅读次数", "来源",
        "信息来源", "文章来源", "稿件来源", "作者", "录入", "编辑", "责任编辑", "字体", "字号",
        "分享到", "分享至", "分享", "打印", "所属机构", "所属主题", "统一编号",
    ],
    key=len,
    reverse=True,
)
# fmt: on
LABEL_SET = frozenset(LABELS)
# A label is closed by a colon, by the bracket it is written in (`[来源]…`, `【发布时间】…`),
# or (date labels) directly by a year.
LABEL_RE = re.compile(
    r"(?:(?<=[\[【])(?P<boxed>" + "|".join(LABELS) + r")\s*[\]】]\s*:?)"
    r"|(?P<label>" + "|".join(LABELS) + r")\s*(?::|(?=\s*\d{4}\s*[-/.年]))"
)
# fmt: off
PUBLISHED_LABELS = (
    "公开日期", "发布日期", "发布时间", "上网日期", "信息时间", "时间", "日期", "更新时间",
    "更新日期", "录入时间", "上传时间",
)
SOURCE_LABELS = (
    "来源", "信息来源", "文章来源", "稿件来源", "发布机构", "发布单位", "发文机关", "发文机构",
    "录入",
)
# fmt: on
TITLE_LABELS = ("标题", "名称")
INDEX_LABELS = ("索引号",)
VALUE_JUNK_RE = re.compile(r"^[\s|｜/【】\[\](]+|[\s|｜/【】\[\](]+$")
MAX_META_LINE = 160

Fields = dict[str, str]


def fields_from_line(text: str) -> list[tuple[str, str]]:
    """All `label: value` pairs in one line of matching-form text."""
    matches = list(LABEL_RE.finditer(text))
    pairs = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = VALUE_JUNK_RE.sub("", text[match.end() : end]).strip()
        pairs.append((match.group("label") or match.group("boxed"), value))
    return pairs


def fields_from_row(text: str) -> list[tuple[str, str]]:
    """Pairs from a tab-separated table row: a label cell is followed by its value cell."""
    cells = [cell.strip() for cell in text.split("\t")]
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(cells):
        label = cells[i].rstrip(":").strip()
        if label in LABEL_SET:
            value = cells[i + 1] if i + 1 < len(cells) else ""
            if value.rstrip(":").strip() in LABEL_SET:
                value = ""
            pairs.append((label, value))
            i += 2 if value else 1
            continue
        pairs.extend(fields_from_line(cells[i]))
        i += 1
    return pairs


def collect_fields(pairs: Iterable[tuple[str, str]]) -> Fields:
    """First non-empty value per label; a label seen only empty maps to ""."""
    fields: Fields = {}
    for label, value in pairs:
        if value and not fields.get(label):
            fields[label] = value
        else:
            fields.setdefault(label, "")
    return fields


def first_field(fields: Fields, labels: Iterable[str]) -> str | None:
    for label in labels:
        value = fields.get(label)
        if value:
            return value
    return None


def is_meta_line(text: str) -> bool:
    """A short line made of meta fields (date, source, hits, font-size controls)."""
    if len(text) > MAX_META_LINE:
        return False
    matches = list(LABEL_RE.finditer(text))
    return len(matches) >= 2 or (len(matches) == 1 and matches[0].start() <= 2)
