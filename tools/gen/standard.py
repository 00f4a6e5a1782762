"""Body blocks of a post-2019 report in the national six-part format."""

from __future__ import annotations

import random
from typing import Any

from tools.gen import pools_post as P
from tools.gen import tables
from tools.gen.narrative import fill, heading, para
from tools.gen.numerals import small_number
from tools.gen.spec import ReportSpec, context_for, signature_block, signed_date

Block = dict[str, Any]
PART_KEYS = ["overall", "active", "request", "review", "problems", "other"]


def build_standard(spec: ReportSpec) -> tuple[list[Block], str | None, int]:
    """(blocks, signed ISO date or None, number of statistical tables as HTML tables)."""
    rng = spec.rng()
    ctx = context_for(spec, rng)
    ctx["request_sentence"] = request_sentence(spec, rng, ctx)
    version = 60 if spec.year <= 2020 else 30
    blocks: list[Block] = []
    if "no_intro" not in spec.flags:
        blocks.append(para(fill(rng.choice(P.INTRO), ctx)))
    headings = {
        key: f"{small_number(i)}、{rng.choice(P.HEADINGS[key])}"
        for i, key in enumerate(PART_KEYS, 1)
    }
    blocks.append(heading(1, headings["overall"]))
    blocks += overall_blocks(spec, rng, ctx)
    blocks.append(heading(1, headings["active"]))
    lead = fill(rng.choice(P.ACTIVE_LEAD), ctx)
    if lead:
        blocks.append(para(lead))
    table_blocks = statistical_tables(spec, rng, version, ctx)
    blocks.append(table_blocks[0])
    blocks.append(heading(1, headings["request"]))
    blocks.append(table_blocks[1])
    blocks.append(heading(1, headings["review"]))
    blocks.append(table_blocks[2])
    blocks.append(heading(1, headings["problems"]))
    blocks.append(para(fill(rng.choice(P.PROBLEMS), ctx)))
    blocks.append(heading(1, headings["other"]))
    others = P.OTHER_60 if version == 60 else P.OTHER_30
    blocks += [para(fill(t, ctx)) for t in (others[:1] if version == 60 else others)]
    signed = None
    if spec.sign_style != "none":
        day = signed_date(spec, rng)
        blocks.append(signature_block(spec, day))
        signed = day.isoformat()
    n_tables = 0 if "img_tables" in spec.flags else 3
    return blocks, signed, n_tables


def request_sentence(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> str:
    pool = P.REQUEST_ZERO if spec.n_req == 0 else P.REQUEST_SOME
    return fill(rng.choice(pool), ctx)


def overall_blocks(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
    blocks = [para(fill(rng.choice(P.OVERALL), ctx))]
    inline = "inline_heads" in spec.flags
    for i, (head, templates) in enumerate(P.POINTS, 1):
        mark = f"（{small_number(i)}）"
        text = fill(rng.choice(templates), ctx)
        if inline:
            blocks.append(para(f"{mark}{head}。{text}"))
        else:
            blocks += [heading(2, f"{mark}{head}"), para(text)]
    return blocks


def active_counts(spec: ReportSpec, rng: random.Random) -> dict[str, int]:
    county_level = spec.suffix in ("县", "区", "市", "局")
    permit = rng.randint(20, 300) if county_level else rng.choice([0, 0, 3, 12, 25])
    return {
        "norm_new": rng.randint(3, 12) if county_level else rng.choice([0, 0, 1, 2]),
        "norm_total": rng.randint(20, 60) if county_level else rng.choice([0, 2, 5]),
        "permit": permit,
        "permit_items": rng.randint(1, 9) if permit else 0,
        "penalty": rng.choice([0, 0, 2, 5]),
        "penalty_items": rng.choice([0, 1, 2]),
        "service": rng.choice([0, 16, 48]),
        "service_items": rng.choice([3, 6]),
        "purchase": rng.choice([0, 0, 2]),
        "purchase_sum": 0,
    }


def statistical_tables(
    spec: ReportSpec, rng: random.Random, version: int, ctx: dict[str, Any]
) -> list[Block]:
    """The three tables, or three images standing in for them (a common failure)."""
    if "img_tables" in spec.flags:
        names = ["主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议、行政诉讼情况"]
        return [
            {"t": "img", "src": f"/images/nb_table{i}.png", "alt": name}
            for i, name in enumerate(names, 1)
        ]
    blanks = "blank_zeros" in spec.flags
    shape = frozenset(spec.flags)
    counts = active_counts(spec, rng)
    if counts["purchase"]:
        counts["purchase_sum"] = rng.randint(5, 80)
    if "yuan" in shape:
        add_yuan(counts)
    return [
        tables.active_table(version, counts, shape),
        tables.request_table(version, spec.n_req, rng, blanks, shape),
        tables.review_table(blanks, shape),
    ]


def add_yuan(counts: dict[str, int]) -> None:
    """Amounts an editor typed in 元: a purchase (60号) and a fee (30号) with odd yuan."""
    if not counts["purchase"]:
        counts["purchase"], counts["purchase_sum"] = 2, 15
    counts["purchase_yuan"] = counts["purchase_sum"] * 10_000 + 2_790
    counts["fee_yuan"] = 3_500
