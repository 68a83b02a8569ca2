"""Search over published claims, quotes and sources.

PostgreSQL gets real full-text search (stemmed, ranked, `websearch` syntax); SQLite, which has no
such thing built in for Django, gets a case-insensitive match on every word of the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet

from claims.models import Claim, Excerpt, Source
from claims.rules import typed_text

# Results shown per kind; search is for finding, not for paging through the ledger.
LIMIT = 25
SEARCH_CONFIG = "english"


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
    query = " ".join(typed_text.without_direction_controls(query).split())[:200]
    results = SearchResults(query=query)
    if not query:
        return results
    claims = Claim.objects.published().select_related("dispute", "speaker")
    excerpts = Excerpt.objects.published().select_related("source__publisher", "item", "speaker")
    sources = Source.objects.published().select_related("publisher")
    results.claims = list(matching(claims, query, ["text"])[:LIMIT])
    results.excerpts = list(matching(excerpts, query, ["text"])[:LIMIT])
    results.sources = list(matching(sources, query, ["title", "text"]).defer("text")[:LIMIT])
    return results


MAX_SEARCH_WORDS = 32


def matching(queryset: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """`queryset` narrowed to rows whose `fields` match `query`, best matches first.

    Only the first `MAX_SEARCH_WORDS` words count: each is a condition, and SQLite refuses a
    query with too many ("Expression tree is too large").
    """
    query = " ".join(query.split()[:MAX_SEARCH_WORDS])
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config=SEARCH_CONFIG)
        wanted = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            queryset.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(document=wanted)  # the @@ match; ts_rank alone is never quite zero
            .order_by("-rank", "pk")
        )
    every_word = Q()
    for word in query.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        every_word &= any_field
    return queryset.filter(every_word).order_by("pk")
