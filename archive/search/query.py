"""What a person types into the search box, turned into a safe FTS5 MATCH expression.

Rules, the same as Datasette's table search: whitespace separates terms and every term
must occur (AND); text in double quotes ("..." or “...”) is one phrase, spaces included.
Nothing else is syntax: `*`, `^`, `-`, `:`, `NEAR(`, `AND`/`OR` are searched as text
(punctuation is a gap, words are words). Each term reaches FTS5 as a quoted string, so no
input can produce an FTS5 syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.errors import SearchQueryError
from archive.search.tokenizer import match_phrase, query_tokens

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PHRASE_RE = re.compile(r'["“”„「」『』]([^"“”„「」『』]*)(?:["“”„「」『』]|$)|(\S+)')


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what was typed, trimmed
    terms: tuple[str, ...]  # each must occur; a term may contain spaces (a quoted phrase)

    @property
    def match(self) -> str:
        """FTS5 MATCH expression: each term as a phrase of index tokens, implicitly ANDed."""
        return " ".join(match_phrase(term) for term in self.terms)

    @property
    def any_match(self) -> str:
        """Any of the terms."""
        return " OR ".join(match_phrase(term) for term in self.terms)


def split_terms(text: str) -> list[str]:
    """Quoted phrases and whitespace-separated words, in order; quotes may be unbalanced."""
    terms = []
    for match in PHRASE_RE.finditer(text):
        phrase, word = match.groups()
        term = (phrase if phrase is not None else word).strip()
        if term:
            terms.append(term)
    return terms


def parse_query(text: str | None) -> ParsedQuery:
    """Parse a search box; raises SearchQueryError with a message a person can act on."""
    text = (text or "").strip()
    if not text:
        raise SearchQueryError(text, "Type a word or phrase to search for, e.g. 扶贫 or 依申请公开.")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            text[:50] + "…", f"The query is {len(text)} characters long; "
            f"the limit is {MAX_QUERY_CHARS}. Search for a shorter, characteristic phrase.")
    terms = [term for term in split_terms(text) if query_tokens(term)]
    if not terms:
        raise SearchQueryError(text, "The query has no characters to search for "
                               "(only punctuation or symbols).")
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(text, f"At most {MAX_TERMS} separate words can be combined.")
    return ParsedQuery(text, tuple(dict.fromkeys(terms)))
