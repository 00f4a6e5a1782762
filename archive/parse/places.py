"""Administrative place names in titles, breadcrumbs, sources and signatures.

`scan_places("海城市西柳镇人民政府")` splits a string into place tokens by their unit
suffix (省 市 县 区 旗 镇 乡 街道 苏木 ...) and returns what is left over; leftovers
such as 教育局 or 办公室 mark a department rather than a government.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Longest suffix first; "city" (市) is resolved later to a prefecture or a county-level city.
# fmt: off
SUFFIX_KINDS = (
    ("特别行政区", "province"), ("自治区", "province"), ("自治州", "prefecture"),
    ("自治县", "county"), ("自治旗", "county"), ("民族乡", "township"), ("街道", "township"),
    ("苏木", "township"), ("地区", "prefecture"), ("林区", "county"), ("特区", "county"),
    ("省", "province"), ("市", "city"), ("州", "prefecture"), ("盟", "prefecture"),
    ("县", "county"), ("区", "county"), ("旗", "county"), ("镇", "township"), ("乡", "township"),
)
# fmt: on
SUFFIX_CHARS = frozenset("省市州盟县区旗镇乡")
NOT_PLACE_ENDINGS = ("社区", "小区", "景区", "辖区", "片区", "校区", "营区", "山区", "牧区", "城乡")
# fmt: off
STOP_NAMES = frozenset(
    [
        "乡镇", "镇街", "街镇", "各乡镇", "县区", "市县", "省市", "城乡", "市区", "本镇", "我镇",
        "全镇", "该镇", "各镇", "本乡", "我乡", "全乡", "本县", "我县", "全县", "本区", "我区",
        "全区", "本市", "我市", "全市", "乡镇街道", "各街道", "各乡", "各县", "各区", "本街道",
        "全街道", "县市区", "各县区", "县市", "县级市", "省区", "全省", "本省", "我省", "地市",
        "两镇", "三镇", "两乡", "街道",
    ]
)
# fmt: on
IGNORABLE = frozenset({"关于", "中国", "中华人民共和国", "公开", "的", "年度", "工作", "本级"})
SEPARATOR_RE = re.compile(
    r"人民政府|办事处|政府|委员会|管委会|关于|[\d\s()（）\[\]【】<>《》\"“”'‘’,，、.。:：;；|_/\-—·>»]+"
)
DEPARTMENT_RE = re.compile(r"委员会|管委会")
DEPARTMENT_END_RE = re.compile(
    r"(?:局|委|委员会|管委会|办|办公室|中心|所|站|院|队|厅|署|会|社|馆|处|部|庭|公司|集团|学校|医院|"
    r"银行|场|社区|村|室|科|团|党校|组)$"
)
GOV_PLACE_RE = re.compile(r"街道办(?:事处)?")
CRUMB_SKIP_RE = re.compile(
    r"公开|信息|年报|报告|目录|首页|专栏|政务|正文|详情|文章|位置|\d{4}|动态|新闻|通知|公告|栏目|"
    r"部门|机构|规划|财政|列表|导航|服务|互动|概况|领导"
)
INTRO_RE = re.compile(
    r"(?:公布|发布|编制|本报告是|本报告由|现将)([^,，。、《》“”\d\s]{2,24}?)"
    r"(?:\d{4}|[二一][〇○零0一二三四五六七八九]{3})年"
)
SIGNATURE_LINES = 6
SIGNATURE_MAX_CHARS = 30


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # province, prefecture, city, county, township


def scan_places(text: str) -> tuple[list[Place], list[str]]:
    """Place tokens in order, and the leftover fragments that are not places or government words."""
    text = GOV_PLACE_RE.sub("街道 ", text)
    places: list[Place] = []
    rest: list[str] = []
    start = 0
    for sep in SEPARATOR_RE.finditer(text):
        scan_chunk(text[start : sep.start()], places, rest, sep.group(0))
        start = sep.end()
    scan_chunk(text[start:], places, rest, "")
    rest += DEPARTMENT_RE.findall(text)
    return resolve_cities(places), [r for r in rest if len(r) >= 2 and r not in IGNORABLE]


def scan_chunk(chunk: str, places: list[Place], rest: list[str], after: str) -> None:
    """Split one separator-free chunk; `after` is the separator that follows it (办事处...)."""
    start = j = 0
    while j < len(chunk):
        suffix, kind = suffix_at(chunk, j)
        end = j + len(suffix)
        name = chunk[start:end]
        if suffix and len(name) > len(suffix) and chunk[end : end + 1] not in SUFFIX_CHARS:
            if name.endswith(NOT_PLACE_ENDINGS):
                rest.append(name)
            elif name not in STOP_NAMES:
                places.append(Place(name, kind_of(name, kind, chunk[end:] or after)))
            start = j = end
            continue
        j += 1
    if start < len(chunk):
        rest.append(chunk[start:])


def suffix_at(text: str, index: int) -> tuple[str, str]:
    for suffix, kind in SUFFIX_KINDS:
        if text.startswith(suffix, index):
            return suffix, kind
    return "", ""


def kind_of(name: str, kind: str, following: str) -> str:
    if kind == "prefecture" and name.endswith("地区") and following.startswith("办"):
        return "township"
    return kind


def resolve_cities(places: list[Place]) -> list[Place]:
    """A 市 followed by a county-level unit is a prefecture; otherwise a county-level city."""
    resolved = []
    for i, place in enumerate(places):
        if place.kind == "city":
            following = places[i + 1].kind if i + 1 < len(places) else ""
            place = Place(place.name, "prefecture" if following == "county" else "county")
        resolved.append(place)
    return resolved


def last_of(places: Iterable[Place], kind: str) -> str | None:
    names = [p.name for p in places if p.kind == kind]
    return names[-1] if names else None


def is_department(rest: Iterable[str]) -> bool:
    """Leftovers of `scan_places` that name a department (教育局, 办公室) rather than a government."""
    return any(DEPARTMENT_END_RE.search(fragment) for fragment in rest)


def crumb_places(crumbs: Sequence[str]) -> list[Place]:
    found: list[Place] = []
    for crumb in crumbs:
        if CRUMB_SKIP_RE.search(crumb):
            continue
        places, rest = scan_places(crumb)
        if places and not rest:
            found.extend(places)
    return found


def source_places(values: Iterable[str]) -> list[Place]:
    found: list[Place] = []
    for value in values:
        found.extend(scan_places(value)[0])
    return found


def body_places(lines: Sequence[str]) -> list[Place]:
    """Places named in the opening sentence or in the signature block."""
    found: list[Place] = []
    intro = INTRO_RE.search(" ".join(lines[:3]))
    if intro:
        found.extend(scan_places(intro.group(1))[0])
    for line in lines[-SIGNATURE_LINES:]:
        if len(line) <= SIGNATURE_MAX_CHARS and "。" not in line:
            found.extend(scan_places(line)[0])
    return found


def locate(
    title_org: str,
    crumbs: Sequence[str],
    sources: Sequence[str],
    body_lines: Sequence[str],
    site_names: Sequence[str],
) -> tuple[str | None, str | None]:
    """(town, county): the reporting body and its county, title first, then page context."""
    in_title = scan_places(title_org)[0]
    context = [crumb_places(crumbs), source_places(sources), body_places(body_lines)]
    town = last_of(in_title, "township") or last_of(in_title, "county")
    county = last_of(in_title, "county")
    for places in context:
        town = town or last_of(places, "township")
    for places in context:
        town = town or last_of(places, "county")
    sites = [p for p in source_places(site_names) if not p.name.endswith("市")]
    for places in [*context, sites]:
        county = county or last_of(places, "county")
    return town, county
