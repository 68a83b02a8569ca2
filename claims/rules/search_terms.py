"""What a search query asks for, and where a text answers it: pure functions, no database.

A query is read as words and "quoted phrases". Typographic variants are folded the way quote
anchoring folds them, so `Putin's` and `Putin’s` are the same words; a word is a run of letters
and digits, so an apostrophe joins the two halves of `Putin's` into a phrase of two words, as
both databases' full-text engines see it. Words are compared by their English stem (Snowball,
the stemmer PostgreSQL's `english` configuration uses): `died` finds `dies`.

`passage()` picks the part of a text that shows the match, cut at word boundaries, with the
matched words marked: what a results page shows under each hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from claims.rules.anchoring import fold_variants

# Each word is a condition; SQLite refuses a query with too many ("Expression tree is too large").
MAX_SEARCH_WORDS = 32
PASSAGE_LENGTH = 240

_WORD = re.compile(r"\w+")
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return _stemmer.stemWord(word.casefold())


@dataclass(frozen=True)
class Term:
    """A word, or words that must appear one after another (a phrase, or `Putin's`)."""

    words: tuple[str, ...]

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem(word) for word in self.words)


def parse(query: str) -> list[Term]:
    """The terms of a query, at most `MAX_SEARCH_WORDS` words in all."""
    terms: list[Term] = []
    budget = MAX_SEARCH_WORDS
    for phrase, bare in _PHRASE_OR_WORD.findall(fold_variants(query)):
        words = tuple(word.casefold() for word in _WORD.findall(phrase or bare))[:budget]
        if words:
            terms.append(Term(words))
            budget -= len(words)
        if budget <= 0:
            break
    return terms


def fts5_query(terms: list[Term]) -> str:
    """SQLite FTS5 syntax: every term a quoted string (so no word is read as an operator), all
    required. Words are letters and digits only, so nothing needs escaping inside the quotes."""
    return " ".join(f'"{" ".join(term.words)}"' for term in terms)


def websearch_query(terms: list[Term]) -> str:
    """PostgreSQL `websearch_to_tsquery` syntax for the same terms: phrases quoted."""
    return " ".join(
        f'"{" ".join(term.words)}"' if len(term.words) > 1 else term.words[0] for term in terms
    )


def _matches(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Where each term occurs in `text`: spans of its words, compared by stem, in order."""
    words = [(match.start(), match.end(), stem(match.group())) for match in _WORD.finditer(text)]
    stems = [word_stem for _, _, word_stem in words]
    spans = []
    for term in terms:
        wanted = list(term.stems)
        size = len(wanted)
        for index in range(len(words) - size + 1):
            if stems[index : index + size] == wanted:
                spans.append((words[index][0], words[index + size - 1][1]))
    return sorted(set(spans))


def passage(text: str, terms: list[Term], length: int = PASSAGE_LENGTH) -> list[tuple[str, bool]]:
    """The part of `text` around its first match, about `length` characters cut at word
    boundaries, as (piece, is_match) pairs; an ellipsis marks where text was left out. With no
    match (a stemmer's corner case), the beginning of the text."""
    spans = _matches(text, terms)
    start = 0
    if len(text) > length and spans:
        first_start, first_end = spans[0]
        start = max(0, first_start - (length - (first_end - first_start)) // 3)
    end = min(len(text), start + length)
    if start > 0:
        start = _word_boundary_after(text, start)
    if end < len(text):
        end = _word_boundary_before(text, end)
    pieces: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        if span_start > cursor:
            pieces.append((text[cursor:span_start], False))
        pieces.append((text[span_start:span_end], True))
        cursor = span_end
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


def _word_boundary_after(text: str, index: int) -> int:
    """The start of the first whole word at or after `index`."""
    while index < len(text) and not text[index - 1].isspace():
        index += 1
    return index


def _word_boundary_before(text: str, index: int) -> int:
    """The end of the last whole word before `index` (at least one character in)."""
    cut = index
    while cut > 1 and not text[cut].isspace():
        cut -= 1
    return cut if cut > 1 else index
