"""What one generated document is about, and the placeholder values its text uses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tools.gen.numerals import date_in_chinese, date_in_digits

WE = {
    "镇": "我镇",
    "乡": "我乡",
    "街道": "我街道",
    "县": "我县",
    "区": "我区",
    "市": "我市",
    "局": "我局",
}
HEAD = {
    "镇": "镇长",
    "乡": "乡长",
    "街道": "街道办事处主任",
    "县": "县长",
    "区": "区长",
    "市": "市长",
    "局": "局长",
}
OFFICE = {
    "镇": "党政办公室",
    "乡": "党政办公室",
    "街道": "党政综合办公室",
    "县": "县政府办公室",
    "区": "区政府办公室",
    "市": "市政府办公室",
    "局": "办公室",
}


@dataclass
class ReportSpec:
    """One report (or report-like decoy) to generate."""

    portal: str
    column: str
    unit: str  # reporting body as a place name (抚松镇, 樟潭街道, 抚松县) or a department
    county: str
    city: str
    province: str
    year: int
    published: date
    title_style: str = "town_year"
    sign_style: str = "digits"  # digits | padded | chinese | zero | none
    format: str = ""  # "" = by year; "pre2019" for a late narrative straggler
    flags: set[str] = field(default_factory=set)
    n_req: int = 0
    kind: str = "report"
    time: str = "09:00:00"

    @property
    def suffix(self) -> str:
        for end in ("街道", "镇", "乡", "县", "区", "市", "局"):
            if self.unit.endswith(end):
                return end
        return "镇"

    @property
    def body(self) -> str:
        """The issuing body: 抚松镇人民政府, 樟潭街道办事处, 抚松县人民政府, 抚松县自然资源局."""
        if self.suffix == "街道":
            return f"{self.unit}办事处"
        if self.suffix == "局":
            return self.unit
        return f"{self.unit}人民政府"

    @property
    def is_post2019(self) -> bool:
        if self.format:
            return self.format == "post2019"
        return self.year >= 2019

    def rng(self) -> random.Random:
        return random.Random(f"{self.portal}/{self.unit}/{self.year}/{self.kind}")


def phone_for(spec: ReportSpec) -> str:
    rng = random.Random(f"phone/{spec.portal}/{spec.unit}")
    area = {"吉林省": "0439", "浙江省": "0570", "湖北省": "0710", "内蒙古自治区": "0470"}
    return f"{area.get(spec.province, '0000')}-{rng.randint(5000000, 8999999)}"


def context_for(spec: ReportSpec, rng: random.Random) -> dict[str, Any]:
    """Placeholder values shared by all templates of one report."""
    scale = 3 if spec.suffix in ("县", "区", "市") else 1
    era = 1 + max(0, spec.year - 2008) // 4
    n_site = rng.randint(12, 60) * era * scale
    return {
        "town": spec.unit,
        "body": spec.body,
        "we": WE[spec.suffix],
        "head": HEAD[spec.suffix],
        "office": OFFICE[spec.suffix],
        "county": spec.county,
        "city": spec.city,
        "year": spec.year,
        "next_year": spec.year + 1,
        "phone": phone_for(spec),
        "principle": "公开为常态、不公开为例外"
        if spec.year >= 2016
        else "以公开为原则、不公开为例外",
        "n_staff": rng.randint(1, 4),
        "n_board": rng.randint(6, 24),
        "n_train": rng.randint(1, 4),
        "n_site": n_site,
        "n_board_items": rng.randint(10, 80),
        "n_other": rng.randint(3, 30),
        "n_wechat": rng.randint(40, 700) * scale,
        "n_point": rng.randint(1, 3),
        "n_consult": rng.randint(8, 120),
        "n_interp": rng.randint(2, 12),
        "n_fin": rng.randint(2, 8),
        "n_policy": rng.randint(5, 40),
        "n_req": spec.n_req,
    }


def signed_date(spec: ReportSpec, rng: random.Random) -> date:
    """The date under the signature: late December or some days before publication."""
    if spec.is_post2019 and rng.random() < 0.4:
        return date(spec.year, 12, 31)
    return spec.published - timedelta(days=rng.randint(2, 20))


def signature_block(spec: ReportSpec, signed: date) -> dict[str, Any]:
    """Right-aligned body name and date in the style chosen for this report."""
    written = {
        "digits": date_in_digits(signed),
        "padded": date_in_digits(signed, padded=True),
        "chinese": date_in_chinese(signed),
        "zero": date_in_chinese(signed, zero="0"),
    }[spec.sign_style]
    name = f"{spec.county}{spec.body}"
    if spec.suffix in ("县", "区", "市", "局"):
        name = spec.body
    return {"t": "sign", "lines": [name, written]}
