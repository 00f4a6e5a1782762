"""Highlighted passages for result pages, escaped before they are marked.

Archived text is untrusted (hijacked mirrors inject markup), so every piece of it goes
through `html.escape` and only our own `<mark>` tags are added. Matching follows the
index's rules (see `tokenizer`): text is folded character by character, separators match
any run of separators, word runs match whole.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from archive.search.folding import FOLD_TABLE, GAP, HAN_RANGES, fold
from archive.search.tokenizer import HAN, SEP, elements, strip_gaps

NOT_AFTER_WORD = rf"(?<![^\W_{HAN_RANGES}])"
NOT_BEFORE_WORD = rf"(?![^\W_{HAN_RANGES}])"
CONTEXT_BEFORE = 40
WINDOW = 180


@dataclass(frozen=True)
class FoldedText:
    """Folded text plus, when folding changed the length, each folded char's source index."""

    folded: str
    origin: list[int] | None

    def source(self, index: int) -> int:
        if self.origin is None:
            return index
        return self.origin[index] if index < len(self.origin) else self.origin[-1] + 1


def fold_with_origin(text: str) -> FoldedText:
    folded = fold(text)
    if len(folded) == len(text):
        return FoldedText(folded, None)
    origin: list[int] = []
    for i, char in enumerate(text):
        origin.extend([i] * len(FOLD_TABLE[ord(char)]))
    return FoldedText(folded, origin)


def term_pattern(term: str) -> str | None:
    """A regex over folded text that finds `term` the way the index does."""
    items = strip_gaps(elements(term))
    if not items:
        return None
    parts = []
    for i, item in enumerate(items):
        if item.kind == SEP:
            parts.append(f"{GAP}+")
        elif item.kind == HAN:
            parts.append(re.escape(item.text))
        else:
            before = NOT_AFTER_WORD if i == 0 else ""
            after = NOT_BEFORE_WORD if i == len(items) - 1 else ""
            parts.append(before + re.escape(item.text) + after)
    return "".join(parts)


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    patterns = [p for p in (term_pattern(t) for t in terms) if p]
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def match_spans(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Spans in the original text of every match, in order, not overlapping."""
    if pattern is None or not text:
        return []
    folded = fold_with_origin(text)
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded.folded):
        if match.end() == match.start():
            continue
        start, end = folded.source(match.start()), folded.source(match.end() - 1) + 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


HTML_MARKS = ("<mark>", "</mark>")
TEXT_MARKS = ("【", "】")  # for terminals (nianbao search)


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None,
         marks: tuple[str, str] = HTML_MARKS) -> str:
    """text[start:end] with the spans inside it marked; escaped unless marks are TEXT_MARKS."""
    escape = html.escape if marks == HTML_MARKS else str
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append(f"{marks[0]}{escape(text[s:e])}{marks[1]}")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, pattern: re.Pattern[str] | None,
              marks: tuple[str, str] = HTML_MARKS) -> str:
    """The whole text, escaped, with every match marked (for titles)."""
    return mark(text, match_spans(text, pattern), marks=marks)


def snippet(text: str, pattern: re.Pattern[str] | None, window: int = WINDOW,
            marks: tuple[str, str] = HTML_MARKS) -> str:
    """An escaped passage around the first match with the matches marked."""
    spans = match_spans(text, pattern)
    first = spans[0][0] if spans else 0
    start = max(0, first - CONTEXT_BEFORE)
    newline = text.rfind("\n", start, first)
    if newline != -1:
        start = newline + 1
    end = min(len(text), start + window)
    body = mark(text, spans, start, end, marks).replace("\n", " ")
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
