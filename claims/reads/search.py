"""Search over published claims, quotes and sources, ranked, with the match shown in context.

The query is read by `claims.rules.search_terms` (words and "quoted phrases", typographic
variants folded as quote anchoring folds them). Both databases search with a full-text engine
(`matching()` on the querysets): PostgreSQL's, and SQLite's FTS5 index kept by
`claims.ops.search_index`.
Each hit carries `passage`: the part of its text around the match, the matched words marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claims.models import Claim, Excerpt, Source
from claims.rules import search_terms, typed_text

# Results shown per kind; search is for finding, not for paging through the ledger.
LIMIT = 25
MAX_QUERY_LENGTH = 200


@dataclass
class SearchResults:
    query: str
    claims: list = field(default_factory=list)
    excerpts: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.claims) + len(self.excerpts) + len(self.sources)


def search(query: str) -> SearchResults:
    # Direction controls are invisible and match nothing a reader means; shown back in the
    # page's title and heading, they would reorder them (see claims.rules.typed_text).
    query = " ".join(typed_text.without_direction_controls(query).split())[:MAX_QUERY_LENGTH]
    results = SearchResults(query=query)
    terms = search_terms.parse(query)
    if not terms:
        return results
    claims = Claim.objects.published().select_related("dispute", "speaker")
    excerpts = Excerpt.objects.published().select_related("source__publisher", "item", "speaker")
    sources = Source.objects.published().select_related("publisher")
    results.claims = _with_passages(claims.matching(terms)[:LIMIT], terms)
    results.excerpts = _with_passages(excerpts.matching(terms)[:LIMIT], terms)
    results.sources = _with_passages(sources.matching(terms)[:LIMIT], terms)
    return results


def _with_passages(rows, terms) -> list:
    rows = list(rows)
    for row in rows:
        row.passage = search_terms.passage(row.text, terms)
    return rows
