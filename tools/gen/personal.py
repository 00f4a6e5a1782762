"""Personal data printed by mistake in two demo reports (issue #15).

A resident ID number with a valid GB 11643 check digit and a mobile number (must be
masked wherever the archive serves text), next to an 18-digit archive number of the same
shape whose check digit is wrong and an office landline (both must stay as printed). The
check digit is computed here, independently of archive/parse/personal.py.
"""

from __future__ import annotations

from typing import Any

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2
CODES = "10X98765432"


def with_check_digit(first17: str) -> str:
    return first17 + CODES[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def with_wrong_digit(first17: str) -> str:
    right = with_check_digit(first17)[-1]
    return first17 + ("7" if right != "7" else "3")


VALID_ID = with_check_digit("22062119780415031")  # 抚松县, born 1978-04-15
SECOND_ID = with_check_digit("22062119910203162")
ARCHIVE_NO = with_wrong_digit("22062120220315001")  # same shape, not a person's number
MOBILE = "13943961287"
SECOND_MOBILE = "15844907731"
LANDLINE = "0439-6212345"

# report id -> (paragraph inserted before the signature, values masked, values kept)
LEAKS: dict[str, tuple[str, list[str], list[str]]] = {
    "fusong/sjhz/松江河镇/2022": (
        (f"附：本年度申请人刘建军（身份证号码{VALID_ID}，联系手机{MOBILE}）申请公开的征地补偿"
        f"材料已补正答复，相关材料已归档（档案编号{ARCHIVE_NO}）。"),
        [VALID_ID, MOBILE, "刘建军"], [ARCHIVE_NO]),
    "fusong/qyz/泉阳镇/2022": (
        (f"附：依申请公开咨询电话{LANDLINE}；来信人赵秀英（身份证{SECOND_ID}，"
        f"电话{SECOND_MOBILE}）反映的问题已转相关部门办理。"),
        [SECOND_ID, SECOND_MOBILE, "赵秀英"], [LANDLINE]),
}


def add_leak(doc: dict[str, Any]) -> None:
    """Insert the paragraph into a report listed in LEAKS and note it in its meta."""
    leak = LEAKS.get(doc["id"])
    if leak is None:
        return
    text, masked, kept = leak
    doc["blocks"].insert(-1, {"t": "p", "x": text})
    doc["meta"]["personal"] = {"masked": masked, "kept": kept}
