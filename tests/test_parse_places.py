"""Place tokens in titles, breadcrumbs, sources and signatures."""

from __future__ import annotations

import pytest

from archive.parse.places import is_department, locate, scan_places


def names(text: str) -> list[tuple[str, str]]:
    return [(p.name, p.kind) for p in scan_places(text)[0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("成吉思汗镇", [("成吉思汗镇", "township")]),
        ("海城市西柳镇人民政府", [("海城市", "county"), ("西柳镇", "township")]),
        (
            "广州市越秀区人民政府北京街道办事处",
            [("广州市", "prefecture"), ("越秀区", "county"), ("北京街道", "township")],
        ),
        ("新乡市红旗区", [("新乡市", "prefecture"), ("红旗区", "county")]),
        ("新市镇", [("新市镇", "township")]),
        ("乡宁县", [("乡宁县", "county")]),
        ("赵镇", [("赵镇", "township")]),
        ("市府东路街道", [("市府东路街道", "township")]),
        ("阿拉善左旗巴彦浩特镇", [("阿拉善左旗", "county"), ("巴彦浩特镇", "township")]),
        ("鄂温克族自治旗巴彦托海镇", [("鄂温克族自治旗", "county"), ("巴彦托海镇", "township")]),
        ("东坝地区办事处", [("东坝地区", "township")]),
        ("乡镇街道", []),
        ("XX街道办", [("XX街道", "township")]),
    ],
)
def test_scan_places(text: str, expected: list[tuple[str, str]]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("org", "department"),
    [
        ("抚松县教育局", True),
        ("抚松县人民政府办公室", True),
        ("抚松县发展和改革委员会", True),
        ("抚松县人民政府", False),
        ("海城市西柳镇人民政府", False),
        ("越秀区北京街道办事处", False),
        ("当前位置", False),
    ],
)
def test_is_department(org: str, department: bool) -> None:
    assert is_department(scan_places(org)[1]) is department


def test_locate_title_first() -> None:
    assert locate("和平县合水镇", [], [], [], []) == ("合水镇", "和平县")


def test_locate_county_report_is_its_own_town() -> None:
    assert locate("抚松县", [], [], [], []) == ("抚松县", "抚松县")


def test_locate_from_breadcrumb_and_site_name() -> None:
    crumbs = ["首页", "乡(镇)信息公开目录", "赵镇", "年度报告"]
    assert locate("", crumbs, [], [], ["金堂县人民政府"]) == ("赵镇", "金堂县")


def test_locate_from_source_then_signature() -> None:
    assert locate("", [], ["建德市大同镇"], [], []) == ("大同镇", "建德市")
    assert locate("", [], [], ["我镇全年……", "卧牛河镇人民政府", "2018年2月1日"], []) == (
        "卧牛河镇",
        None,
    )


def test_locate_ignores_prefecture_city_site_names() -> None:
    assert locate("牌楼镇", [], [], [], ["海城市人民政府"]) == ("牌楼镇", None)
