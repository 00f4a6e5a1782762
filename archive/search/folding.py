"""Character folding shared by the index, the query side and the test oracle.

Every character of archived text is folded on its own, so offsets into the original text
survive: NFKC (full-width digits and letters become ASCII, compatibility ideographs become
unified ones), then Traditional -> Simplified (OpenCC's character table, first candidate),
then lower case. After folding a character is one of three kinds:

* a Han character (`is_han`): searched character by character, as a substring;
* a word character (`str.isalnum`, not Han): runs of them are one token, like a word;
* anything else (punctuation, spaces, symbols): a separator, folded to `GAP`. A run of
  separators is one gap: its kind and length do not matter to a search.

The table is filled lazily, one code point at a time, so importing costs nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

GAP = "\ue000"  # one separator run
BOUNDARY = "\ue001"  # between the two token streams of a column (never in a query)
END = "\ue002"  # "followed by a word or by the end of the text" in the bigram stream

HAN_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
HAN_RE = re.compile(f"[{HAN_RANGES}]")
# A run of word characters that are not Han: one token.
WORD_SPLIT_RE = re.compile(rf"([^\W_{HAN_RANGES}]+)")
GAP_RUN_RE = re.compile(f"{GAP}{{2,}}")

T2S_FILE = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"


@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    """Traditional -> Simplified for single characters, from OpenCC's own dictionary."""
    table: dict[str, str] = {}
    for line in T2S_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[parts[0]] = parts[1]
    return table


def is_han(char: str) -> bool:
    return HAN_RE.fullmatch(char) is not None


def fold_char(char: str) -> str:
    """The folded form of one character; usually one character, sometimes more (㈠ -> (一))."""
    t2s = t2s_table()
    out = []
    for part in unicodedata.normalize("NFKC", char):
        part = t2s.get(part, part).lower()
        for c in part:
            out.append(c if is_han(c) or c.isalnum() else GAP)
    return "".join(out)


class FoldTable(dict):
    """A `str.translate` table that computes each code point's folding on first use."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


FOLD_TABLE = FoldTable()


def fold(text: str) -> str:
    """Fold every character (see module doc). Length changes only for rare expansions."""
    return text.translate(FOLD_TABLE)


def normalize(text: str) -> str:
    """Folded text with every separator run collapsed to one GAP: what the index sees."""
    return GAP_RUN_RE.sub(GAP, fold(text))


def is_word_char(char: str) -> bool:
    """A character of a word run (after folding): alphanumeric but not Han."""
    return char.isalnum() and not is_han(char)
