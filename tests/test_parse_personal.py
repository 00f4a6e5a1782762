"""Personal data in report text: ID numbers, phones, applicants' names; and masking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archive.errors import DecodeError, NotAReportError
from archive.parse import parse_report
from archive.parse.personal import (
    ID,
    LANDLINE,
    MOBILE,
    NAME,
    find_personal_data,
    id_check_digit,
    mask,
    mask_value,
    valid_id_number,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO = Path(__file__).resolve().parent.parent / "demo" / "content"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    """The full ID number, check digit computed here independently of the module."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_check(first17: str) -> str:
    good = with_check(first17)[-1]
    return first17 + ("1" if good != "1" else "2")


VALID_IDS = [with_check(s) for s in (
    "11010519491231002",  # Beijing, 1949
    "44030419850615123",  # Shenzhen, 1985
    "15062719920229421",  # Inner Mongolia, a leap day
    "62010220011120007",  # Gansu, 2001
)]
assert any(i.endswith("X") for i in VALID_IDS + [with_check("11010519491231003")])


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.raw) for f in find_personal_data(text)]


def test_check_digit_matches_the_standard_example() -> None:
    # GB 11643-1999's worked example: 11010519491231002 -> X
    assert id_check_digit("11010519491231002") == "X"
    assert valid_id_number("11010519491231002X")


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers_are_found(number: str) -> None:
    text = f"申请人身份证号码:{number},要求公开征地补偿资料。"
    assert kinds(text) == [(ID, number)]


@pytest.mark.parametrize("number", [
    wrong_check("11010519491231002"),  # bad check digit
    wrong_check("44030419850615123"),
    with_check("99010519491231002"),  # no such province
    with_check("11010519491331002"),  # month 13
    with_check("11010518001231002"),  # born 1800
    with_check("11010520190230002"),  # 30 February
    "116223010139324488",  # an organisation code in a 索引号
    "000014349000000000",
    "201900000000000001",
])
def test_numbers_that_are_not_ids_are_not_found(number: str) -> None:
    assert kinds(f"索引号:{number}/2020-00001 文号:{number}") == []


def test_an_id_inside_a_longer_run_is_not_found() -> None:
    assert kinds(f"编号{VALID_IDS[0]}7") == []
    assert kinds(f"编号A{VALID_IDS[0]}") == []


def test_credit_codes_and_index_numbers_are_not_found() -> None:
    text = ("索引号:1133102400268125XW/2024-104757 索引号:115330250152645191/20260116-00001 "
            "索引号:01425812-5/2020-00001 QZ05905-0200-2012-00001 文号:〔2021〕30号")
    assert kinds(text) == []


@pytest.mark.parametrize(("text", "raw"), [
    ("申请人联系电话13812345678。", "13812345678"),
    ("手机:199-8765-4321,", "199-8765-4321"),
    ("电话 15004701234", "15004701234"),
])
def test_mobiles_are_found(text: str, raw: str) -> None:
    assert kinds(text) == [(MOBILE, raw)]


@pytest.mark.parametrize("text", [
    "流水号2381234567890123",  # inside a longer run
    "编号12812345678",  # 12x is not a mobile prefix
    "金额138123456789元",  # 12 digits
    "索引号2020-13812345678",  # the tail of a serial
    "1381234567",  # 10 digits
])
def test_digit_runs_that_are_not_mobiles(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(("text", "raw"), [
    ("联系电话:0471-6612345。", "0471-6612345"),
    ("电话(010)62345678", "(010)62345678"),
    ("联系电话:04716612345", "04716612345"),
    ("传真:021-58881234", "021-58881234"),
])
def test_landlines_are_found(text: str, raw: str) -> None:
    assert kinds(text) == [(LANDLINE, raw)]


@pytest.mark.parametrize("text", [
    "共计04716612345元",  # a digit run without a telephone word
    "2021-01234567",  # a year and a serial
    "文号0471-0612345",  # a local number never starts with 0
])
def test_digit_runs_that_are_not_landlines(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(("text", "raw"), [
    ("2021年3月,申请人张三丰向我镇申请公开土地征收信息,", "张三丰"),
    ("申请人:李明,申请内容:低保名单", "李明"),
    ("申请人王建国于2021年5月提出申请", "王建国"),
    ("本机关收到欧阳晓峰的政府信息公开申请后", "欧阳晓峰"),
    ("受理刘芳女士提出的信息公开申请1件", "刘芳"),
])
def test_applicants_names_are_found(text: str, raw: str) -> None:
    assert kinds(text) == [(NAME, raw)]


@pytest.mark.parametrize("text", [
    "申请人张某某向我镇申请公开土地征收信息",  # already masked
    "申请人张某于2021年5月提出申请",
    "申请人王**申请公开",
    "申请人李××,申请内容",
    "依申请公开:收到张某某的政府信息公开申请1件",
    "保障申请人的合法权益",
    "与申请人沟通,答复申请时依法有据",
    "申请人无正当理由逾期不补正",
    "申请人逾期未按收费通知要求缴纳费用",
    "申请人情况 自然人 法人或其他组织",
    "听取申请人陈述,",
    "对申请人申请的事项",
    "联系人:王喆(党政办)",  # a contact, not an applicant
    "以高度负责的态度",
])
def test_words_and_masked_names_are_not_names(text: str) -> None:
    assert kinds(text) == []


def test_mask_keeps_the_ends() -> None:
    number = VALID_IDS[0]
    assert mask_value(ID, number) == number[:3] + "*" * 11 + number[-4:]
    assert mask_value(MOBILE, "13812345678") == "138****5678"
    assert mask_value(MOBILE, "138-1234-5678") == "138-****-5678"
    assert mask_value(NAME, "张三丰") == "张**"
    assert mask_value(NAME, "欧阳晓峰") == "欧阳**"
    assert mask_value(LANDLINE, "0471-6612345") == "0471-***2345"
    assert mask_value(LANDLINE, "04716612345") == "0471***2345"


def test_mask_hides_personal_kinds_and_leaves_office_phones() -> None:
    number = VALID_IDS[1]
    text = (f"申请人张三丰(身份证{number},手机13812345678)申请公开信息。"
            "咨询电话:0471-6612345。")
    assert mask(text) == (f"申请人张**(身份证{number[:3]}***********{number[-4:]},"
                          "手机138****5678)申请公开信息。咨询电话:0471-6612345。")
    assert "0471-***2345" in mask(text, frozenset({LANDLINE}))


def fixture_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(FIXTURES.rglob("*.html")):
        meta = path.with_suffix(".json")
        case = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
        url = case.get("url") if isinstance(case, dict) else None
        try:
            report = parse_report(url or "http://www.example.gov.cn/a.html", path.read_bytes())
        except (NotAReportError, DecodeError):
            continue
        texts.append((str(path.relative_to(FIXTURES)), report.text))
    return texts


FIXTURE_TEXTS = fixture_texts()


def test_the_fixture_pages_are_read() -> None:
    assert len(FIXTURE_TEXTS) >= 40


@pytest.mark.parametrize(("name", "text"), FIXTURE_TEXTS, ids=[n for n, _ in FIXTURE_TEXTS])
def test_no_personal_data_on_the_fixture_pages(name: str, text: str) -> None:
    """Reviewed: none of the saved real pages prints an ID, mobile, landline or name."""
    assert find_personal_data(text) == [], name


def test_the_demo_contents_personal_data_is_what_the_demo_planted() -> None:
    """Every ID, mobile and name found in the demo's pages is one the generator planted
    (tools/gen/personal.py, `meta.personal` of the page); landlines are office numbers."""
    planted = 0
    for path in sorted(DEMO.glob("*.json")):
        for doc in json.loads(path.read_text(encoding="utf-8"))["docs"]:
            text = "\n".join(str(b.get("x", "")) + "\n".join(b.get("lines", []))
                             for b in doc.get("blocks", []))
            personal = doc["meta"].get("personal") or {"masked": [], "kept": []}
            found = find_personal_data(text)
            assert {f.raw for f in found if f.kind != LANDLINE} == set(personal["masked"]), doc["id"]
            for finding in found:
                if finding.kind == LANDLINE:
                    assert re.search("电话|電話", text[finding.start - 8:finding.start]), finding
            planted += len(personal["masked"])
    assert planted >= 6