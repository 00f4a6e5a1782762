"""Width and whitespace normalisation shared by every parser module.

Matching is done on NFKC text (full-width ``（一）：`` becomes ``(一):``); text that is
stored keeps the page's own punctuation and only has its whitespace tidied.
"""

from __future__ import annotations

import re
import unicodedata

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")
# Characters between which a space is layout noise rather than meaning.
_TIGHT = f"{CJK}\u3000-\u303f\uff01-\uff60\u2018-\u201f\u2026\u2014"
_SPACE_RUN_RE = re.compile(
    r"[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\u00ad]")
_TIGHT_SPACE_RE = re.compile(f"(?<=[{_TIGHT}]) (?=[{_TIGHT}])")
ELLIPSIS_RE = re.compile(r"(?:\.{2,}|…+|。{3,}|·{3,})\s*$")


def squash(text: str) -> str:
    """Collapse whitespace runs to one space, drop spaces between CJK characters, strip."""
    if _ZERO_WIDTH_RE.search(text):
        text = _ZERO_WIDTH_RE.sub("", text)
    text = _SPACE_RUN_RE.sub(" ", text).strip()
    return _TIGHT_SPACE_RE.sub("", text) if " " in text else text


# Short strings (labels, cells, lines) recur across a site's pages: their matching form is
# remembered (a pure function of the string; the memo is dropped when it grows too big).
MEMO_CHARS = 80
MEMO_SIZE = 1 << 16
_FOLDED: dict[str, str] = {}


def fold(text: str) -> str:
    """The matching form: NFKC, whitespace squashed."""
    if len(text) > MEMO_CHARS:
        return squash(unicodedata.normalize("NFKC", text))
    done = _FOLDED.get(text)
    if done is None:
        if len(_FOLDED) >= MEMO_SIZE:
            _FOLDED.clear()
        done = _FOLDED[text] = squash(unicodedata.normalize("NFKC", text))
    return done


def fold_cells(text: str) -> str:
    """`fold` each tab-separated table cell, keeping the tabs that separate them."""
    return "\t".join(fold(cell) for cell in text.split("\t"))


def compact(text: str) -> str:
    """The matching form with every space removed (for labels split across lines)."""
    return _SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", text))


def count_cjk(text: str) -> int:
    return len(CJK_RE.findall(text))
