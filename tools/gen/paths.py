"""URL paths in the shape each CMS family uses, assigned deterministically."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from tools.gen.plan import flag_value

Doc = dict[str, Any]
TRS_EPOCH = date(2009, 1, 1)
HANWEB_ANCHOR = date(2017, 2, 10)  # art_1229_3448 was published that day
TRS_COLUMN_ROOT = {"xwdt": "/xwdt", "tzgg": "/tzgg"}


def by_date(docs: list[Doc]) -> list[Doc]:
    return sorted(docs, key=lambda d: (d["published"], d["time"], d["id"]))


def url_date(doc: Doc) -> date:
    """The date stamped in the URL: normally the publication date, not after a migration."""
    value = flag_value(set(doc["flags"]), "url_date")
    return date.fromisoformat(value or doc["published"])


def assign_trs(docs: list[Doc]) -> None:
    """/xxgk/ndbg/{col}/{YYYYMM}/t{YYYYMMDD}_{id}.html, plus a 政府信息公开目录 alias."""
    used: set[int] = set()
    for doc in by_date(docs):
        day = url_date(doc)
        forced = flag_value(set(doc["flags"]), "trs_id")
        serial = int(forced) if forced else 300000 + (day - TRS_EPOCH).days * 73
        while serial in used:
            serial += 1
        used.add(serial)
        name = f"{day:%Y%m}/t{day:%Y%m%d}_{serial}.html"
        root = TRS_COLUMN_ROOT.get(doc["column"], f"/xxgk/ndbg/{doc['column']}")
        doc["paths"] = [f"{root}/{name}"]
        if doc["kind"] != "news" and doc["published"] >= "2020-01-01":
            doc["paths"].append(f"/xxgk/xxgkml/ndbg/{doc['column']}/{name}")


def assign_hanweb(docs: list[Doc]) -> None:
    """/art/{Y}/{M}/{D}/art_{colid}_{id}.html; ids are a site-wide counter."""
    used: set[int] = set()
    for doc in by_date(docs):
        day = date.fromisoformat(doc["published"])
        forced = flag_value(set(doc["flags"]), "hanweb_id")
        serial = int(forced) if forced else 3448 + (day - HANWEB_ANCHOR).days
        while serial in used:
            serial += 1
        used.add(serial)
        doc["paths"] = [f"/art/{day.year}/{day.month}/{day.day}/art_{doc['column']}_{serial}.html"]
        doc["meta"]["serial"] = serial


def assign_oldasp(docs: list[Doc]) -> None:
    """show.asp?id=N&classid=C; reports are also linked as show.asp?classid=C&id=N."""
    forced = {int(v) for d in docs if (v := flag_value(set(d["flags"]), "old_id"))}
    next_id = 3
    for doc in by_date(docs):
        value = flag_value(set(doc["flags"]), "old_id")
        if value:
            serial = int(value)
        else:
            while next_id in forced:
                next_id += 1
            serial, next_id = next_id, next_id + 1
        cls = doc["column"]
        doc["paths"] = [f"/show.asp?id={serial}&classid={cls}"]
        if doc["kind"] == "report":
            doc["paths"].append(f"/show.asp?classid={cls}&id={serial}")
        doc["meta"]["serial"] = serial


def jyh_path(doc: Doc) -> str:
    """/zlt/{YYYY-MM}/{DD}/article_{17-digit timestamp}.html (Inner Mongolia 集约化)."""
    day = date.fromisoformat(doc["published"])
    millis = random.Random(f"ms/{doc['id']}").randint(100, 999)
    stamp = f"{day:%Y%m%d}{doc['time'].replace(':', '')}{millis}"
    return f"/zlt/{day:%Y-%m}/{day:%d}/article_{stamp}.html"


def assign_jyh(docs: list[Doc]) -> None:
    for doc in docs:
        if not doc["paths"]:
            doc["paths"] = [jyh_path(doc)]


ASSIGNERS = {
    "trs": assign_trs,
    "hanweb": assign_hanweb,
    "oldasp": assign_oldasp,
    "jyh": assign_jyh,
    "mirror": assign_jyh,
}
