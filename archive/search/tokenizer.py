"""The token streams of the search index, in pure Python.

A column's text becomes a list of *elements*, after folding (see `folding`): each Han
character, each run of word characters (lower-cased, one element) and each run of
separators (one `GAP`). The index holds two streams of tokens, one after the other:

* the **unigram stream**: every element as a token. A one-character query (政) is one
  token lookup; mixed phrases such as 2019年 are phrases of units.
* the **bigram stream**: for every element, the element joined with the first character
  of the next one (`END` when a word run or the end of the text follows). 政府信息 gives
  政府 府信 信息 息<END>. A query of two or more characters becomes a phrase of bigrams,
  so a rare word made of common characters (人民政府, 出台) is a lookup of rare tokens
  instead of an intersection of the huge position lists of single characters.

`BOUNDARY` separates the streams so no phrase spans them. Both streams give exact
substring semantics on the normalised text (elements in sequence, gaps where the query
has gaps, word runs matched whole). `segment` (`document_stream`) builds the
space-separated text that is written to the index, where SQLite's built-in `ascii`
tokenizer splits it into those tokens (so any SQLite can read and search the file);
`query_tokens` turns one query phrase into the tokens of the stream that answers it and
`match_phrase` into the FTS5 phrase to MATCH. `aux_tokens` yields the index's tokens with
byte offsets into the original text (used by the legacy `nianbao_zh` tokenizer).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass

from archive.search.folding import (
    BOUNDARY,
    END,
    FOLD_TABLE,
    GAP,
    WORD_SPLIT_RE,
    is_han,
    normalize,
)

MAX_WORD = 64  # longer word runs (base64 junk, long URLs) are cut to this many characters

HAN, WORD, SEP = "han", "word", "gap"


@dataclass(frozen=True)
class Element:
    kind: str  # HAN, WORD or SEP
    text: str  # folded: one Han character, a word run, or GAP
    start: int  # character offsets into the original text
    end: int


def document_stream(text: str, bigrams: bool = True) -> str:
    """The token streams of a text as one space-separated string (for the ascii tokenizer).

    With `bigrams=False` only the unigram stream is built (the `unigram` option).
    """
    parts = WORD_SPLIT_RE.split(normalize(text))
    chunks = parts[0::2]  # Han characters and GAPs
    words = [word[:MAX_WORD] for word in parts[1::2]]
    unigrams = parts[:]
    unigrams[0::2] = map(" ".join, chunks)
    unigrams[1::2] = words
    if not bigrams:
        return " ".join(unigrams)
    pairs = []
    for i, chunk in enumerate(chunks):
        if chunk:
            pairs.append(" ".join(map(operator.add, chunk, chunk[1:] + END)))
        if i < len(words):
            following = chunks[i + 1]
            pairs.append(words[i] + (following[0] if following else END))
    return " ".join(unigrams) + f" {BOUNDARY} " + " ".join(pairs)


def segment(text: str | None) -> str | None:
    """What the index stores for a column: both token streams, space-separated (None stays).

    The FTS5 table uses the built-in `ascii` tokenizer, which splits on ASCII spaces and
    punctuation and keeps every non-ASCII character: exactly these tokens come out."""
    return None if text is None else document_stream(text)


def match_phrase(term: str) -> str:
    """The FTS5 phrase that finds `term` exactly in a `segment`ed column ('""' if none).

    扶贫 -> "扶贫"; 政府信息公开 -> "政府 府信 信息 息公 公开"; 政 -> "政". Tokens never hold
    a double quote or ASCII punctuation, so the phrase needs no escaping."""
    return '"' + " ".join(query_tokens(term)) + '"'


def elements(text: str) -> list[Element]:
    """The elements of a text with their character spans in the original text."""
    out: list[Element] = []
    for i, char in enumerate(text):
        for folded in FOLD_TABLE[ord(char)]:
            kind = HAN if is_han(folded) else WORD if folded != GAP else SEP
            last = out[-1] if out else None
            if kind != HAN and last is not None and last.kind == kind:
                out[-1] = Element(kind, last.text + folded if kind == WORD else GAP,
                                  last.start, i + 1)
            else:
                out.append(Element(kind, folded, i, i + 1))
    return [
        Element(e.kind, e.text[:MAX_WORD], e.start, e.end) if e.kind == WORD else e
        for e in out
    ]


def bigram_token(element: Element, following: Element | None) -> str:
    if following is None or following.kind == WORD:
        return element.text + END
    return element.text + following.text


def aux_tokens(text: str, bigrams: bool = True) -> Iterator[tuple[str, int, int]]:
    """Every token of `document_stream(text, bigrams)`, in order, with UTF-8 byte offsets."""
    items = elements(text)
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + len(char.encode("utf-8")))
    for item in items:
        yield item.text, offsets[item.start], offsets[item.end]
    if not bigrams:
        return
    yield BOUNDARY, offsets[-1], offsets[-1]
    for i, item in enumerate(items):
        following = items[i + 1] if i + 1 < len(items) else None
        end = following.end if following is not None and following.kind == HAN else item.end
        yield bigram_token(item, following), offsets[item.start], offsets[end]


def strip_gaps(items: list[Element]) -> list[Element]:
    start, stop = 0, len(items)
    while start < stop and items[start].kind == SEP:
        start += 1
    while stop > start and items[stop - 1].kind == SEP:
        stop -= 1
    return items[start:stop]


def uses_bigrams(items: list[Element]) -> bool:
    """Can the bigram stream answer this phrase exactly?

    The token of the last element depends on what follows it in the document, so it is
    left out; that is exact only when the token before it already names it, i.e. when the
    last element is a Han character (Han+Han, gap+Han and word+Han tokens all carry it).
    """
    return len(items) >= 2 and items[-1].kind == HAN


def query_tokens(phrase: str, bigrams: bool = True) -> list[str]:
    """The tokens FTS5 should look for, in order, for one phrase of a query."""
    items = strip_gaps(elements(phrase))
    if bigrams and uses_bigrams(items):
        return [bigram_token(items[i], items[i + 1]) for i in range(len(items) - 1)]
    return [item.text for item in items]
