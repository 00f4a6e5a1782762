"""Reporting body -> official division, from the bundled civil-affairs division list."""

from __future__ import annotations

import pytest

from archive.figures.places import clean_name, data_version, resolve_place


@pytest.mark.parametrize(
    ("query", "code", "match"),
    [
        ({"town": "成吉思汗镇"}, "150783108", "exact"),
        ({"town": "西柳镇人民政府", "county": "海城市"}, "210381112", "exact"),
        ({"town": "西集镇", "county": "通州区"}, "110112110", "exact"),
        ({"town": "西集镇", "province": "北京"}, "110112110", "exact"),
        ({"town": "西集镇", "city": "北京市"}, "110112110", "exact"),  # 直辖市: no prefecture level
        ({"town": "北京街道办事处", "county": "越秀区"}, "440104003", "exact"),
        ({"town": "北京街道", "city": "广州"}, "440104003", "exact"),
        ({"town": "上湾镇", "county": "康乐县"}, "622922207", "renamed"),  # 乡 in the list
        ({"town": "不存在镇", "county": "扎兰屯市"}, "150783", "county"),  # explicit fallback
        ({"town": "扎兰屯市"}, "150783", "exact"),  # a county government's own report
        ({"town": "朝阳区", "city": "长春市"}, "220104", "exact"),
        ({"town": None, "county": "扎兰屯"}, "150783", "county"),
    ],
)
def test_resolves(query: dict[str, str], code: str, match: str) -> None:
    division = resolve_place(**query)
    assert division is not None
    assert (division.code, division.match) == (code, match)


@pytest.mark.parametrize(
    "query",
    [
        {"town": "西集镇"},  # three 西集镇 in China: no guess
        {"town": "城关镇"},
        {"town": "朝阳区"},  # Beijing and Changchun
        {"town": "不存在镇"},
        {"town": "成吉思汗镇", "county": "海城市"},  # contradicts the named county
        {"town": ""},
    ],
)
def test_ambiguous_or_unknown_is_none(query: dict[str, str]) -> None:
    assert resolve_place(**query) is None


def test_record_fields() -> None:
    division = resolve_place("成吉思汗镇")
    assert division is not None
    assert (
        division.province,
        division.city,
        division.county,
        division.township,
        division.level,
    ) == ("内蒙古自治区", "呼伦贝尔市", "扎兰屯市", "成吉思汗镇", "township")


def test_county_fallback_has_no_township() -> None:
    division = resolve_place("不存在镇", county="扎兰屯市")
    assert division is not None and division.township is None and division.level == "county"


def test_clean_name() -> None:
    assert clean_name(" 宝山路街道办 ") == "宝山路街道"
    assert clean_name("上湾乡人民政府") == "上湾乡"


def test_data_is_bundled_and_dated() -> None:
    assert data_version() >= "2025-12-31"
