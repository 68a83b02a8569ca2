"""Checks that the ledger still says what its sources say.

`find_problems()` re-reads every source and excerpt: each source's text must hash to its stored
SHA-256, each excerpt must be the source's exact text at its offsets (and inside its item), each
speaker's and publisher's stored root voice must follow from the affiliations, and each claim's
stored status must be what the status rule computes today, and on SQLite the full-text index
must agree with the texts it indexes. `verify_ledger` prints
what this finds; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import F

from claims.models import Claim, Excerpt, Publisher, Source, Speaker, sha256_of
from claims.ops.search_index import search_index_problems
from claims.rules.anchoring import span_is_exact
from claims.rules.independence import AffiliationLoop, publisher_key, speaker_key
from claims.services.voices import expected_roots

# Sources are read one at a time (their texts can be large); excerpts in batches per source.
_SOURCE_BATCH = 100


def find_problems() -> Iterator[str]:
    """Each problem found, as a sentence that names the record and what is wrong."""
    yield from _source_problems()
    yield from _voice_problems()
    yield from _status_problems()
    yield from search_index_problems(connection)


def _source_problems() -> Iterator[str]:
    sources = Source.objects.only("pk", "slug", "text", "sha256").order_by("pk")
    for source in sources.iterator(chunk_size=_SOURCE_BATCH):
        actual = sha256_of(source.text)
        if actual != source.sha256:
            yield (
                f"source {source.pk} ({source.slug}): text hashes to {actual}, "
                f"but the stored SHA-256 is {source.sha256}"
            )
        excerpts = (
            Excerpt.objects.filter(source_id=source.pk)
            .select_related("item")
            .only("pk", "start", "end", "text", "item__start", "item__end")
        )
        for excerpt in excerpts:
            if not span_is_exact(source.text, excerpt.start, excerpt.end, excerpt.text):
                found = source.text[excerpt.start : excerpt.end]
                yield (
                    f"excerpt {excerpt.pk} (source {source.slug}, characters "
                    f"{excerpt.start}–{excerpt.end}): stored “{_clip(excerpt.text)}”, "
                    f"but the source says “{_clip(found)}” there"
                )
            item = excerpt.item
            if item and not (item.start <= excerpt.start and excerpt.end <= item.end):
                yield (
                    f"excerpt {excerpt.pk} (source {source.slug}): lies outside its item "
                    f"({item.start}–{item.end})"
                )


def _voice_problems() -> Iterator[str]:
    """Every speaker's and publisher's stored root must be what its affiliations give today."""
    try:
        expected = expected_roots()
    except AffiliationLoop as loop:
        yield f"affiliations go round in a circle: {loop}"
        return
    for model, key_of in ((Speaker, speaker_key), (Publisher, publisher_key)):
        for pk, slug, root in model.objects.values_list("pk", "slug", "voice_root"):
            should = expected[key_of(pk)][0]
            if root != should:
                kind = model._meta.verbose_name
                yield f"{kind} {pk} ({slug}): stored voice root is {root!r}, but it is {should!r}"


def _status_problems() -> Iterator[str]:
    drifted = (
        Claim.objects.with_computed_status()
        .exclude(status=F("computed_status"))
        .values_list("pk", "slug", "status", "computed_status")
    )
    for pk, slug, stored, computed in drifted:
        yield f"claim {pk} ({slug}): stored status is {stored}, but its evidence says {computed}"


def _clip(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
