"""Body blocks of a 2008-2018 style narrative report."""

from __future__ import annotations

import random
from typing import Any

from tools.gen import pools_pre as P
from tools.gen.numerals import small_number
from tools.gen.spec import ReportSpec, context_for, signature_block, signed_date

Block = dict[str, Any]

# Section orders seen in the wild: the 2008 content list, with or without 概述,
# with the 咨询 section of 2008-2014 or the 回应解读 section of 2016 on.
ORDERS = {
    "canonical": ["overview", "active", "request", "fees", "review", "problems", "other"],
    "consult": ["overview", "active", "request", "consult", "fees", "review", "problems"],
    "response": [
        "overview",
        "active",
        "response",
        "request",
        "fees",
        "review",
        "problems",
        "other",
    ],
    "short": ["active", "request", "fees", "review", "problems"],
}


def para(text: str) -> Block:
    return {"t": "p", "x": text}


def heading(level: int, text: str) -> Block:
    return {"t": "h", "l": level, "x": text}


def fill(template: str, ctx: dict[str, Any]) -> str:
    return template.format(**ctx)


def order_for(spec: ReportSpec) -> list[str]:
    for name in ("consult", "response", "short"):
        if name in spec.flags:
            return ORDERS[name]
    return ORDERS["canonical"]


def build_narrative(spec: ReportSpec) -> tuple[list[Block], str | None]:
    """(blocks, signed ISO date or None) for a pre-2019 narrative report."""
    rng = spec.rng()
    ctx = context_for(spec, rng)
    blocks: list[Block] = [para(fill(rng.choice(P.INTRO), ctx))]
    for number, key in enumerate(order_for(spec), 1):
        title = rng.choice(P.HEADINGS[key])
        blocks.append(heading(1, f"{small_number(number)}、{title}"))
        blocks += SECTION_BUILDERS[key](spec, rng, ctx)
    signed = None
    if spec.sign_style != "none":
        day = signed_date(spec, rng)
        blocks.append(signature_block(spec, day))
        signed = day.isoformat()
    return blocks, signed


def overview_blocks(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
    blocks = [para(fill(rng.choice(P.OVERVIEW), ctx))]
    points = rng.sample(P.OVERVIEW_POINTS, rng.randint(2, 4))
    inline = "inline_heads" in spec.flags
    for i, (head, text) in enumerate(points, 1):
        mark = f"（{small_number(i)}）"
        if inline:
            blocks.append(para(f"{mark}{head}。{fill(text, ctx)}"))
        else:
            blocks += [heading(2, f"{mark}{head}"), para(fill(text, ctx))]
    return blocks


def split_total(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split total into parts positive-ish shares that add up exactly."""
    weights = [rng.randint(1, 5) for _ in range(parts)]
    shares = [total * w // sum(weights) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def active_blocks(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
    ctx["n_total"] = ctx["n_site"] + ctx["n_board_items"] + ctx["n_other"]
    sub = "active_subheads" in spec.flags
    blocks = [heading(2, "（一）公开内容")] if sub else []
    total = para(fill(rng.choice(P.ACTIVE_TOTAL), ctx))
    total["truth"] = {"narrative": {"active_published": ctx["n_total"]}}
    blocks.append(total)
    if "items" in spec.flags:
        counts = split_total(rng, ctx["n_total"], len(P.ACTIVE_ITEMS))
        for i, (item, n) in enumerate(zip(P.ACTIVE_ITEMS, counts), 1):
            blocks.append(para(f"{i}．{item.format(n=n)}"))
    if sub:
        blocks.append(heading(2, "（二）公开形式"))
    blocks.append(para(fill(rng.choice(P.ACTIVE_FORM), ctx)))
    if spec.year >= 2015:
        blocks.append(para(fill(P.ACTIVE_WECHAT[0], ctx)))
    return blocks


def request_blocks(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
    if spec.n_req == 0:
        block = para(fill(rng.choice(P.REQUEST_ZERO), ctx))
    else:
        n_no = 1 if spec.n_req > 1 else 0
        extra = {"n_ok": spec.n_req - n_no, "n_no": n_no, "topic": rng.choice(P.REQUEST_TOPICS)}
        block = para(fill(P.REQUEST_SOME[0], {**ctx, **extra}))
    block["truth"] = {"narrative": {"requests_received": spec.n_req}}
    return [block]


def simple(pool: list[str]) -> Any:
    def build(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
        return [para(fill(rng.choice(pool), ctx))]

    return build


def problem_blocks(spec: ReportSpec, rng: random.Random, ctx: dict[str, Any]) -> list[Block]:
    blocks = [para(fill(rng.choice(P.PROBLEMS), ctx)), para(fill(rng.choice(P.IMPROVE_LEAD), ctx))]
    items = rng.sample(P.IMPROVE_ITEMS, 3)
    if rng.random() < 0.5:
        return blocks + [para(f"{i}．{item}") for i, item in enumerate(items, 1)]
    marks = ["一是", "二是", "三是"]
    return blocks + [para(f"{mark}{item}") for mark, item in zip(marks, items)]


SECTION_BUILDERS = {
    "overview": overview_blocks,
    "active": active_blocks,
    "request": request_blocks,
    "fees": simple(P.FEES),
    "review": simple(P.REVIEW),
    "consult": simple(P.CONSULT),
    "response": simple(P.RESPONSE),
    "problems": problem_blocks,
    "other": simple(P.OTHER),
}
