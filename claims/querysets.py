"""Read rules, each written once.

"Published" is `published_q()`; views, the API, feeds and sitemaps call `.published()` rather than
filtering on review state themselves. Query shapes (`with_evidence()` and friends) are named here
so that the admin, pages and API fetch the same rows the same way, in a fixed number of queries.
"""

from __future__ import annotations

from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact

from claims.choices import ClaimStatus, ReviewAction, ReviewState, Stance, VoiceKind
from claims.rules import search_terms
from claims.rules.status import INDEPENDENT_VOICES_FOR_AGREEMENT

SEARCH_CONFIG = "english"

# A dispute is contested when this many of its published claims have support.
CONTESTED_AT = 2

# Evidence in the order readers see it: supporting first, then by source and position.
EVIDENCE_ORDER = ("stance", "excerpt__source_id", "excerpt__start", "id")


def published_q(prefix: str = "") -> Q:
    """Reviewed and published: the only content the public may see."""
    return Q(**{f"{prefix}review_state": ReviewState.PUBLISHED})


# Who reads what: the editorial desk (editors, reviewers, superusers) reads everything, drafts
# included; everyone else reads what was reviewed and published. Every list and detail of the
# API asks `visible_to(user)`, so the rule is written here once.
DESK_PERMISSION = "claims.view_claim"


def sees_unpublished(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(DESK_PERMISSION))


def voice_root(path_to_excerpt: str) -> Case:
    """The root of the voice whose assertion an excerpt's words are, in SQL: the publisher's for
    its own reporting, the speaker's for words it reports (`Excerpt.voice_of` in Python)."""
    return Case(
        When(
            **{f"{path_to_excerpt}__voice": VoiceKind.OWN},
            then=F(f"{path_to_excerpt}__source__publisher__voice_root"),
        ),
        default=F(f"{path_to_excerpt}__speaker__voice_root"),
        output_field=models.CharField(),
    )


class DisputeQuerySet(models.QuerySet):
    def published(self):
        """Reviewed, and answered by at least one published claim: a question whose only
        claims were withdrawn leaves the pages, the API and the sitemap."""
        from claims.models import Claim

        answered = Claim.objects.published().filter(dispute=OuterRef("pk"))
        return self.filter(published_q(), Exists(answered))

    def visible_to(self, user):
        return self if sees_unpublished(user) else self.published()

    def with_published_claims(self):
        """Each dispute with its published claims, speakers attached, in two queries."""
        from claims.models import Claim

        return self.prefetch_related(
            Prefetch(
                "claims",
                queryset=Claim.objects.published().select_related("speaker").order_by("pk"),
                to_attr="published_claims",
            )
        )

    def with_support_counts(self):
        """Annotate `supported_claims`: how many published claims have supporting evidence."""
        return self.annotate(
            supported_claims=Count(
                "claims",
                filter=published_q("claims__") & Q(claims__evidence__stance=Stance.SUPPORTS),
                distinct=True,
            )
        )

    def contested(self):
        """Disputes in which two or more published claims have support: told two ways."""
        return self.with_support_counts().filter(supported_claims__gte=CONTESTED_AT)

    def contested_first(self):
        """The most disputed first: most claims in contradiction, then most claims with support."""
        in_contradiction = Count(
            "claims",
            filter=published_q("claims__") & Q(claims__status=ClaimStatus.CONTRADICTION),
            distinct=True,
        )
        return (
            self.with_support_counts()
            .annotate(contradicted_claims=in_contradiction)
            .order_by("-contradicted_claims", "-supported_claims", "question", "pk")
        )


def full_text_index(table: str) -> str:
    """The name of SQLite's FTS5 index over `table` (kept by claims.ops.search_index)."""
    return f"{table}_fts"


class FullTextSearchable(models.QuerySet):
    """`matching(terms)`: rows whose `search_fields` contain every term, best matches first.

    PostgreSQL searches with `websearch_to_tsquery` over the `english` configuration, ranked by
    `ts_rank`; SQLite with its FTS5 index (porter-stemmed), ranked the same way: by how often
    the terms occur for the text's length, nothing that depends on other rows. The terms come
    from `claims.rules.search_terms.parse`.
    """

    search_fields: tuple[str, ...] = ("text",)

    def matching(self, terms):
        from django.db import connection

        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector(*self.search_fields, config=SEARCH_CONFIG)
            wanted = SearchQuery(
                search_terms.websearch_query(terms), search_type="websearch", config=SEARCH_CONFIG
            )
            return (
                self.annotate(document=vector, rank=SearchRank(vector, wanted))
                .filter(document=wanted)  # the @@ match; ts_rank alone is never quite zero
                .order_by("-rank", "pk")
            )
        table = self.model._meta.db_table
        index = full_text_index(table)
        query = search_terms.fts5_query(terms)
        # Ranked by how often the terms occur for the text's length, as ts_rank does, not by
        # bm25(): bm25 weighs terms by the statistics of every row indexed, drafts included, so
        # editing a draft would reorder (and leak into) what the public sees. highlight() marks
        # each matched term with \x01; their number is the row's matches.
        marked = " + ".join(
            f"length(highlight({index}, {column}, char(1), '')) "
            f"- length(replace(highlight({index}, {column}, char(1), ''), char(1), ''))"
            for column in range(len(self.search_fields))
        )
        length = " + ".join(f"length({table}.{field})" for field in self.search_fields)
        rank = RawSQL(
            f"(SELECT ({marked}) * 1000.0 / ({length} + 100) FROM {index} "
            f"WHERE {index} MATCH %s AND rowid = {table}.id)",
            (query,),
        )
        found = RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", (query,))
        return self.filter(pk__in=found).annotate(rank=rank).order_by("-rank", "pk")


class ClaimQuerySet(FullTextSearchable):
    def published(self):
        return self.filter(published_q())

    def with_evidence(self):
        """Claims with everything a reader sees: speaker, dispute, quotes and their sources."""
        from claims.models import Evidence

        return self.select_related("speaker", "dispute").prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related(
                    "excerpt__source__publisher",
                    "excerpt__item",
                    "excerpt__speaker",
                    "excerpt__via",
                ).order_by(*EVIDENCE_ORDER),
            )
        )

    def with_computed_status(self):
        """Annotate `computed_status`: the status rule of `claims.rules.status`, in SQL.

        The stored `status` must always equal it; `verify_ledger` checks, and tests hold this
        twin to `compute_status`. Voices are counted by root; the claimant's root is left out of
        the count towards agreement.
        """
        root = voice_root("evidence__excerpt")
        # No claimant: the comparison is with NULL, never true, so every root counts.
        claimant = F("speaker__voice_root")
        supporting = Q(evidence__stance=Stance.SUPPORTS)
        return self.annotate(
            supporting_voices=Count(root, filter=supporting, distinct=True),
            corroborating_voices=Count(
                Case(When(Exact(root, claimant), then=Value(None)), default=root),
                filter=supporting,
                distinct=True,
            ),
            contradicting_voices=Count(
                root, filter=Q(evidence__stance=Stance.CONTRADICTS), distinct=True
            ),
        ).annotate(
            computed_status=Case(
                When(
                    supporting_voices__gt=0,
                    contradicting_voices__gt=0,
                    then=Value(ClaimStatus.CONTRADICTION),
                ),
                When(
                    corroborating_voices__gte=INDEPENDENT_VOICES_FOR_AGREEMENT,
                    contradicting_voices=0,
                    then=Value(ClaimStatus.AGREEMENT),
                ),
                default=Value(ClaimStatus.UNVERIFIED),
                output_field=models.CharField(),
            )
        )

    def verified(self):
        """Published claims in agreement: the ledger's verified facts."""
        return self.published().filter(status=ClaimStatus.AGREEMENT)

    def supported_by(self, publisher):
        """Claims that `publisher` (or an outlet that is part of it) supports in its own voice:
        reporting someone else's words is not supporting them."""
        return self.filter(
            Q(evidence__excerpt__source__publisher=publisher)
            | Q(evidence__excerpt__source__publisher__part_of=publisher),
            evidence__stance=Stance.SUPPORTS,
            evidence__excerpt__voice=VoiceKind.OWN,
        ).distinct()

    def with_evidence_matching(self, *, source=None, publisher=None, stance=None):
        """Claims with at least one piece of evidence meeting all the given conditions at once."""
        from claims.models import Evidence

        evidence = Evidence.objects.filter(claim=OuterRef("pk"))
        if source is not None:
            evidence = evidence.filter(excerpt__source=source)
        if publisher is not None:
            evidence = evidence.filter(
                Q(excerpt__source__publisher=publisher)
                | Q(excerpt__source__publisher__part_of=publisher)
            )
        if stance is not None:
            evidence = evidence.filter(stance=stance)
        return self.filter(Exists(evidence))

    def published_or_withdrawn(self):
        """What an API client mirroring the ledger may see: withdrawn claims say so."""
        return self.filter(review_state__in=[ReviewState.PUBLISHED, ReviewState.WITHDRAWN])

    def visible_to(self, user):
        """The desk sees every claim; everyone else what was published, and the tombstones of
        what was withdrawn (a withdrawn claim answers 410 with its reason; syncs report it)."""
        return self if sees_unpublished(user) else self.published_or_withdrawn()

    def edited_by(self, user):
        """Claims `user` wrote or last edited: those whose review steps concern them
        (`Claim.editor_ids` is the same rule, for one claim)."""
        return self.filter(Q(created_by=user) | Q(last_edited_by=user))

    def with_last_review_step(self):
        """Each claim with its latest review step, in the same query: `last_step_action`,
        `last_step_at`, `last_step_by` (the actor's name) and `last_step_comment`."""
        from claims.models import ReviewEvent

        latest = ReviewEvent.objects.filter(claim=OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(
            last_step_action=Subquery(latest.values("action")[:1]),
            last_step_at=Subquery(latest.values("at")[:1]),
            last_step_by=Subquery(latest.values("actor_name")[:1]),
            last_step_comment=Subquery(latest.values("comment")[:1]),
        )

    def sent_back_to(self, user):
        """Drafts `user` wrote or last edited whose latest review step sent them back."""
        return (
            self.filter(review_state=ReviewState.DRAFT)
            .edited_by(user)
            .with_last_review_step()
            .filter(last_step_action=ReviewAction.REQUEST_CHANGES)
        )

    def awaiting_review_by(self, user):
        """Claims in review that `user` neither wrote nor last edited. The four-eyes rule looks
        further (into the history, `claims.services.workflow`); the claim's page says if it
        bars them."""
        return self.filter(review_state=ReviewState.IN_REVIEW).exclude(
            pk__in=self.model.objects.edited_by(user).values("pk")
        )


class EvidenceQuerySet(models.QuerySet):
    def published(self):
        """Evidence for published claims: what the public pages show."""
        return self.filter(published_q("claim__"))

    def with_voice_root(self):
        return self.annotate(voice_root=voice_root("excerpt"))


class SourceQuerySet(FullTextSearchable):
    search_fields = ("title", "text")

    def published(self):
        """Sources that at least one published claim quotes."""
        from claims.models import Excerpt

        return self.filter(Exists(Excerpt.objects.published().filter(source=OuterRef("pk"))))

    def visible_to(self, user):
        return self if sees_unpublished(user) else self.published()


class ExcerptQuerySet(FullTextSearchable):
    def published(self):
        """Excerpts that back at least one published claim."""
        from claims.models import Evidence

        return self.filter(Exists(Evidence.objects.published().filter(excerpt=OuterRef("pk"))))

    def visible_to(self, user):
        return self if sees_unpublished(user) else self.published()


class SpeakerQuerySet(models.QuerySet):
    def published(self):
        """Speakers who assert a published claim or whose words a published quote reports."""
        from claims.models import Claim, Excerpt

        claims = Claim.objects.published().filter(speaker=OuterRef("pk"))
        quotes = Excerpt.objects.published().filter(speaker=OuterRef("pk"))
        # Also those readers meet as the organisation of a published voice, or as the
        # intermediary of a published quote: every name the pages and the API show links.
        members = Excerpt.objects.published().filter(speaker__affiliation=OuterRef("pk"))
        claimants = Claim.objects.published().filter(speaker__affiliation=OuterRef("pk"))
        relayed = Excerpt.objects.published().filter(via=OuterRef("pk"))
        speaking_for = Excerpt.objects.published().filter(
            Q(source__publisher__organisation=OuterRef("pk"))
            | Q(source__publisher__part_of__organisation=OuterRef("pk"))
        )
        return self.filter(
            Q(Exists(claims))
            | Q(Exists(quotes))
            | Q(Exists(members))
            | Q(Exists(claimants))
            | Q(Exists(relayed))
            | Q(Exists(speaking_for))
        )

    def visible_to(self, user):
        return self if sees_unpublished(user) else self.published()


class ChangeRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state="pending")

    def visible_to(self, user):
        """Change requests are the desk's work in progress: the public sees none."""
        return self if sees_unpublished(user) else self.none()

    def moved_since(self, since, *, by_others_than):
        """Proposed, approved or rejected after `since` by someone other than that user."""
        proposed = Q(proposed_at__gt=since) & ~Q(proposed_by=by_others_than)
        decided = Q(decided_at__gt=since) & ~Q(decided_by=by_others_than)
        return self.filter(proposed | decided)
