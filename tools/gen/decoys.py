"""Pages that share the report columns but are not annual reports, and plain news.

Each builder returns (title, blocks). Text written for this project.
"""

from __future__ import annotations

import random
from typing import Any

from tools.gen.narrative import heading, para
from tools.gen.numerals import small_number

Block = dict[str, Any]


def guide(unit: str, body: str, county: str) -> tuple[str, list[Block]]:
    title = f"{unit}政府信息公开指南"
    parts = [
        ("公开主体", f"{body}负责本机关政府信息公开工作，日常工作由党政办公室承担。"),
        (
            "主动公开",
            (
                f"主动公开的信息通过{county}人民政府门户网站、政务公开栏、便民服务中心查阅点等"
                "方式公开，一般在信息形成或变更之日起20个工作日内公开。"
            ),
        ),
        (
            "依申请公开",
            (
                "公民、法人或者其他组织可以通过当面、信函等方式提出申请。申请应当包括申请人的"
                "姓名或者名称、联系方式，所需信息的名称、文号或者便于查询的其他特征性描述。"
            ),
        ),
        (
            "收费标准",
            (
                "依申请提供政府信息，不收取费用。申请数量、频次明显超过合理范围的，按照有关规定"
                "收取信息处理费。"
            ),
        ),
        (
            "监督和救济",
            (
                f"申请人认为{body}在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议"
                "或者提起行政诉讼。"
            ),
        ),
    ]
    blocks = [
        para(
            "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，"
            "编制本指南。本指南每年更新。"
        )
    ]
    for i, (head, text) in enumerate(parts, 1):
        blocks += [heading(1, f"{small_number(i)}、{head}"), para(text)]
    return title, blocks


def catalogue(unit: str) -> tuple[str, list[Block]]:
    title = f"{unit}政府信息公开目录"
    rows: list[list[Any]] = [["序号", "类别", "内容", "公开方式", "更新时限"]]
    items = [
        ("机构职能", "领导分工、内设机构、工作职责"),
        ("规划计划", "年度工作计划、发展规划"),
        ("财政资金", "部门预算、决算、“三公”经费"),
        ("民生保障", "低保、救助、养老服务"),
        ("年度报告", "政府信息公开工作年度报告"),
    ]
    for i, (kind, content) in enumerate(items, 1):
        rows.append([str(i), kind, content, "网站、公开栏", "信息形成后20个工作日内"])
    return title, [para(f"{unit}政府信息公开目录如下："), {"t": "table", "rows": rows}]


def work_points(place: str, year: int) -> tuple[str, list[Block]]:
    title = f"{place}{year}年政务公开工作要点"
    points = [
        "围绕重大决策部署加强政策发布解读",
        "聚焦市场主体关切推进公开",
        "深化基层政务公开标准化",
        "加强政府网站和政务新媒体管理",
        "做好政府信息公开工作年度报告编制发布",
    ]
    blocks = [para(f"为深入推进{year}年政务公开工作，结合本地实际，制定本要点。")]
    for i, point in enumerate(points, 1):
        blocks += [
            heading(1, f"{small_number(i)}、{point}"),
            para("各单位要明确责任分工，细化工作措施，按时完成各项任务。"),
        ]
    return title, blocks


def compile_notice(county: str, year: int) -> tuple[str, list[Block]]:
    title = f"关于做好{year}年度政府信息公开工作年度报告编制工作的通知"
    blocks = [
        para("各乡镇人民政府，县政府各部门："),
        para(
            f"根据《中华人民共和国政府信息公开条例》和上级有关要求，现就做好{year}年度政府信息公开"
            "工作年度报告编制发布工作通知如下："
        ),
        para(
            f"一、各单位要严格按照统一格式编制本单位{year}年度政府信息公开工作年度报告，做到数据"
            "准确、内容完整。"
        ),
        para(
            f"二、年度报告须于{year + 1}年1月31日前在{county}人民政府门户网站本单位信息公开专栏发布，"
            "并将电子版报送县政务公开办公室。"
        ),
        para("三、各单位要认真核对统计数据，确保表格之间勾稽关系正确。"),
        {"t": "sign", "lines": [f"{county}人民政府办公室", f"{year}年12月10日"]},
    ]
    return title, blocks


def work_report(place: str, year: int, rng: random.Random) -> tuple[str, list[Block]]:
    title = f"{place}{year}年政府工作报告"
    blocks = [
        para(
            f"——在{place}第{small_number(rng.randint(16, 19))}届人民代表大会第"
            f"{small_number(rng.randint(2, 5))}次会议上"
        ),
        para("各位代表："),
        para("现在，我代表人民政府向大会报告工作，请予审议。"),
        heading(1, f"一、{year - 1}年工作回顾"),
        para(
            f"过去的一年，全{place[-1]}上下团结一心，经济社会保持平稳健康发展，民生福祉持续改善。"
        ),
        heading(1, f"二、{year}年工作安排"),
        para("今年工作的总体要求是：稳中求进，统筹发展和安全，扎实推进乡村振兴，办好民生实事。"),
    ]
    return title, blocks


def interpretation(report_title: str) -> tuple[str, list[Block]]:
    title = f"《{report_title}》解读"
    blocks = [
        para(f"近日，《{report_title}》正式发布。为便于公众理解，现将报告主要内容解读如下。"),
        heading(1, "一、报告的主要内容"),
        para(
            "报告共分为总体情况、主动公开、依申请公开、行政复议诉讼、存在问题及改进措施、"
            "其他需要报告的事项六个部分。"
        ),
        heading(1, "二、主要数据"),
        para("全年依申请公开数量与上年持平，未发生行政复议和行政诉讼。"),
        para("点击查看原文"),
    ]
    return title, blocks


def report_rule(unit: str) -> tuple[str, list[Block]]:
    title = f"{unit}政府信息公开工作年度报告制度"
    blocks = [
        para("第一条 为规范政府信息公开工作年度报告的编制和发布，制定本制度。"),
        para("第二条 年度报告由党政办公室负责编制，经主要领导审定后发布。"),
        para("第三条 年度报告应当在规定时限内通过政府网站向社会公开。"),
    ]
    return title, blocks


NEWS_TITLES = [
    "{place}召开{year}年安全生产工作会议",
    "{place}开展森林防火宣传进村入户活动",
    "{place}组织收看全省营商环境大会",
    "{place}举办农村实用技术培训班",
    "{place}部署冬季清雪保畅工作",
    "{place}开展人居环境整治“回头看”",
    "{place}召开防汛工作部署会",
    "{place}开展“我为群众办实事”走访活动",
]
NEWS_TEXT = [
    "会议传达学习了上级有关会议精神，对近期重点工作进行了安排部署。",
    "活动中，工作人员向群众发放宣传资料，现场解答群众咨询的问题。",
    "与会人员表示，将认真抓好各项任务落实，确保取得实效。",
    "下一步，将持续跟踪问效，推动各项措施落地见效。",
]


def news(place: str, year: int, index: int) -> tuple[str, list[Block]]:
    rng = random.Random(f"news/{place}/{year}/{index}")
    title = NEWS_TITLES[index % len(NEWS_TITLES)].format(place=place, year=year)
    return title, [para(text) for text in rng.sample(NEWS_TEXT, 3)]
