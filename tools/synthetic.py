"""Synthetic annual reports for search tests and benchmarks (`make bench-search`).

Reports are assembled from the genre's own vocabulary: the standard section headings of
the 2008 and 2019 formats, the statistical table labels, and sentences a township report
is made of, with topics of uneven frequency (扶贫 in about 40% of reports, 垃圾分类 in a
few). Some reports are served in Traditional characters, some carry full-width digits and
Latin (URLs, WeChat, APP). The generator is seeded, so a corpus is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

PROVINCES = {
    "吉林省": ["抚松县", "靖宇县", "长白县"],
    "浙江省": ["衢江区", "开化县", "龙游县"],
    "广东省": ["开平市", "和平县", "越秀区"],
    "四川省": ["绵竹市", "仁寿县", "宣汉县"],
    "内蒙古自治区": ["伊金霍洛旗", "扎赉特旗", "五原县"],
}
TOWN_STEMS = ["成吉思汗", "抚松", "泉阳", "新屯子", "西集", "大城子", "北宫", "安定", "桥中", "双兴", "上湾", "巴彦高勒", "马冈", "合水", "民意", "洲泉", "湖南", "齐天", "仲山", "背荫河"]
TOWN_KINDS = ["镇", "乡", "街道", "苏木"]

HEADINGS_PRE2019 = [
    "一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息和不予公开政府信息情况",
    "四、政府信息公开的收费及减免情况", "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "六、政府信息公开工作存在的主要问题及改进情况", "七、其他需要报告的事项",
]
HEADINGS_POST2019 = [
    "一、总体情况", "(一)主动公开", "(二)依申请公开", "(三)政府信息管理", "(四)平台建设",
    "(五)监督保障", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
]
TABLE_LABELS = [
    "信息内容 本年制发件数 本年废止件数 现行有效件数 规章 {n} {n} {n} 行政规范性文件 {n} {n} {n}",
    "本年处理决定数量 行政许可 {n} 行政处罚 {n} 行政强制 {n} 本年收费金额(单位:万元) {n}",
    "申请人情况 自然人 法人或其他组织 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计",
    "一、本年新收政府信息公开申请数量 {n} 二、上年结转政府信息公开申请数量 {n}",
    "(一)予以公开 {n} (二)部分公开 {n} (三)不予公开 1.属于国家秘密 {n} 2.其他法律行政法规禁止公开 {n}",
    "(四)无法提供 1.本机关不掌握相关政府信息 {n} 2.没有现成信息需要另行制作 {n} (五)不予处理 {n}",
    "行政复议 结果维持 结果纠正 其他结果 尚未审结 总计 {n} {n} {n} {n} {n}",
]
SENTENCES = [
    "{year}年，{town}在{county}委、{county}政府的正确领导下，认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。",
    "全年主动公开政府信息{n}条，其中通过政府网站公开{n}条，通过政务微信公众号发布{n}条。",
    "本年度共收到政府信息公开申请{n}件，均已按期答复，无行政复议和行政诉讼案件。",
    "进一步健全政府信息公开工作机制，明确专人负责，做到信息发布及时、准确、规范。",
    "围绕{topic}等重点领域，及时公开相关政策文件和工作动态，主动回应群众关切。",
    "扎实做好{topic}信息公开，公开资金使用、项目实施等情况{n}条。",
    "通过便民服务中心、村务公开栏、电子显示屏等渠道，方便群众查阅。",
    "加强政府信息公开审查，严格落实“先审查、后公开”和“一事一审”制度。",
    "组织开展政府信息公开业务培训{n}次，参训人员{n}人次。",
    "政府信息公开工作仍存在公开内容不够全面、更新不够及时等问题。",
    "下一步，我{kind}将继续加强政府信息公开平台建设，提升公开质量和实效。",
    "本年度未收取政府信息公开信息处理费，未发生因政府信息公开引起的行政复议、行政诉讼。",
    "及时更新政府信息公开指南和政府信息公开目录，规范依申请公开办理流程。",
    "做好人大代表建议和政协委员提案办理结果公开工作，共办理建议提案{n}件。",
    "加强政务新媒体管理，全年通过微博、抖音等平台发布信息{n}条。",
    "严格执行保密审查制度，确保公开信息不涉及国家秘密、商业秘密和个人隐私。",
    "将政府信息公开工作纳入年度目标考核，强化监督检查和责任追究。",
    "本报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
    "本报告电子版可在{county}人民政府门户网站(www.{site}.gov.cn)下载。",
    "如对本报告有疑问，请与{town}党政办公室联系，联系电话：0{phone}。",
]
TOPICS = [  # (word, share of reports that mention it)
    ("扶贫", 0.40), ("低保", 0.35), ("乡村振兴", 0.30), ("疫情防控", 0.25),
    ("人居环境整治", 0.15), ("河长制", 0.10), ("医疗保障", 0.10), ("退役军人服务", 0.05),
    ("垃圾分类", 0.02), ("双减", 0.01), ("APP", 0.05), ("WeChat", 0.02),
    ("政府公信力", 0.005),  # 公信: a rare word made of two of the commonest characters
]


@dataclass
class SyntheticReport:
    id: str
    title: str
    town: str
    county: str
    province: str
    report_year: int
    published: str
    format: str
    text: str
    sections: list[tuple[int, str, str]] = field(default_factory=list)  # level, heading, text


def make_town(rng: random.Random) -> tuple[str, str, str]:
    province = rng.choice(sorted(PROVINCES))
    county = rng.choice(PROVINCES[province])
    return province, county, rng.choice(TOWN_STEMS) + rng.choice(TOWN_KINDS)


def fill(template: str, rng: random.Random, ctx: dict[str, str], topics: list[str]) -> str:
    return template.format(
        n=rng.choice([rng.randint(0, 9), rng.randint(10, 999), rng.randint(1000, 99999)]),
        topic=rng.choice(topics) if topics else "重大建设项目", phone=rng.randint(10**9, 10**10),
        **ctx,
    )


def section_text(rng: random.Random, ctx: dict[str, str], topics: list[str], size: int,
                 tables: bool) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        template = rng.choice(TABLE_LABELS) if tables and rng.random() < 0.2 else rng.choice(SENTENCES)
        sentence = fill(template, rng, ctx, topics)
        parts.append(sentence)
        length += len(sentence)
        if rng.random() < 0.15:
            parts.append("\n")
    return "".join(parts).strip()


def make_report(index: int, rng: random.Random, length: int) -> SyntheticReport:
    province, county, town = make_town(rng)
    year = rng.randint(2008, 2024)
    fmt = "post2019" if year >= 2019 else "pre2019"
    topics = [word for word, share in TOPICS if rng.random() < share]
    kind = next((k for k in TOWN_KINDS if town.endswith(k)), "镇")
    ctx = {"year": str(year), "town": town, "county": county, "kind": kind,
           "site": "".join(rng.choices("abcdefghjkmnpqrstwxyz", k=5))}
    headings = HEADINGS_POST2019 if fmt == "post2019" else HEADINGS_PRE2019
    per_section = max(80, length // len(headings))
    sections = [
        (2 if heading.startswith("(") else 1, heading,
         section_text(rng, ctx, topics, per_section, fmt == "post2019"))
        for heading in headings
    ]
    title = f"{town}{year}年政府信息公开工作年度报告"
    text = "\n".join(f"{heading}\n{body}" for _, heading, body in sections)
    return SyntheticReport(
        id=f"r{index:07d}", title=title, town=town, county=county, province=province,
        report_year=year, published=f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}",
        format=fmt, text=text, sections=sections,
    )


def generate_reports(count: int, *, seed: int = 1, min_length: int = 3000,
                     max_length: int = 15000, variants: bool = True) -> Iterator[SyntheticReport]:
    """`count` reports; lengths log-uniform-ish between the bounds (median near 6,500)."""
    rng = random.Random(seed)
    for index in range(count):
        length = int(min(max_length, max(min_length, rng.lognormvariate(8.78, 0.45))))
        report = make_report(index, rng, length)
        if variants:
            apply_variant(report, rng)
        yield report


# Mirrors and old portals: Traditional characters, full-width digits and letters.
TRADITIONAL = str.maketrans({"开": "開", "报": "報", "贫": "貧", "规": "規", "务": "務",
                             "门": "門", "户": "戶", "发": "發", "数": "數", "条": "條", "织": "織",
                             "网": "網", "统": "統", "计": "計", "问": "問", "题": "題", "领": "領"})
FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)},
                            **{c: chr(ord(c) - 0x41 + 0xFF21) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}})


def apply_variant(report: SyntheticReport, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.08:
        table = TRADITIONAL
    elif roll < 0.14:
        table = FULL_WIDTH
    else:
        return
    report.text = report.text.translate(table)
    report.sections = [(lvl, h.translate(table), t.translate(table)) for lvl, h, t in report.sections]
