"""Search over published claims, quotes and sources, ranked, with the match shown in context.

The query is read by `claims.rules.search_terms` (words and "quoted phrases", typographic
variants folded as quote anchoring folds them). Both databases search with a full-text engine:
PostgreSQL's (`websearch_to_tsquery` over the `english` configuration, ranked by `ts_rank`) and
SQLite's FTS5 (a porter-stemmed index kept by `claims.ops.search_index`, ranked by `bm25`).
Each hit carries `passage`: the part of its text around the match, the matched words marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from claims.models import Claim, Excerpt, Source
from claims.ops.search_index import fts_table_of
from claims.rules import search_terms, typed_text

# Results shown per kind; search is for finding, not for paging through the ledger.
LIMIT = 25
SEARCH_CONFIG = "english"
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
    results.claims = _with_passages(matching(claims, terms, ["text"])[:LIMIT], terms, "text")
    results.excerpts = _with_passages(matching(excerpts, terms, ["text"])[:LIMIT], terms, "text")
    results.sources = _with_passages(
        matching(sources, terms, ["title", "text"])[:LIMIT], terms, "text"
    )
    return results


def _with_passages(rows, terms, field_name: str) -> list:
    rows = list(rows)
    for row in rows:
        row.passage = search_terms.passage(getattr(row, field_name), terms)
    return rows


def matching(queryset: QuerySet, terms: list[search_terms.Term], fields: list[str]) -> QuerySet:
    """`queryset` narrowed to rows whose `fields` contain every term, best matches first."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config=SEARCH_CONFIG)
        wanted = SearchQuery(
            search_terms.websearch_query(terms), search_type="websearch", config=SEARCH_CONFIG
        )
        return (
            queryset.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(document=wanted)  # the @@ match; ts_rank alone is never quite zero
            .order_by("-rank", "pk")
        )
    table = queryset.model._meta.db_table
    index = fts_table_of(table)
    query = search_terms.fts5_query(terms)
    # bm25() is lower for better matches; the row's own index entry is found by its rowid.
    rank = RawSQL(
        f"(SELECT bm25({index}) FROM {index} WHERE {index} MATCH %s AND rowid = {table}.id)",
        (query,),
    )
    found = RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", (query,))
    return queryset.filter(pk__in=found).annotate(rank=rank).order_by("rank", "pk")
