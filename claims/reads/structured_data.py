"""schema.org ClaimReview for a claim, as Google's Fact Check tools and aggregators read it.

Our statuses are not truth ratings: they say how the sources stand. The rating scale maps them
onto schema.org's numbers (3 best, 1 worst) and `alternateName` states the status in words.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from claims.choices import ClaimStatus
from claims.models import Claim, Speaker

# schema.org numbers for our statuses; the words come from the status rule's own module.
RATING_VALUES = {ClaimStatus.AGREEMENT: 3, ClaimStatus.UNVERIFIED: 2, ClaimStatus.CONTRADICTION: 1}

# Characters that could end a <script> block or start markup, escaped inside JSON strings.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def organisation(base_url: str) -> dict:
    return {"@type": "Organization", "name": settings.LEDGER_NAME, "url": base_url}


def _speaker(speaker: Speaker | None) -> dict | None:
    if speaker is None:
        return None
    kind = "Person" if speaker.kind == Speaker.Kind.PERSON else "Organization"
    return {"@type": kind, "name": speaker.name}


def _voice(excerpt) -> dict:
    """Whose claim these words make: the speaker of reported words, else the publisher."""
    if excerpt.is_reported:
        return _speaker(excerpt.speaker)
    return {"@type": "Organization", "name": excerpt.source.publisher.name}


def _appearances(claim: Claim, absolute) -> list[tuple[dict, dict]]:
    """Where the claim is made: one CreativeWork per supporting document (several quotes from
    one document are one appearance), with the voice that makes it there.

    A document with no original address online (the campaign's pages were collected, not
    linked) gets no `url`: pointing at the ledger's own copy would present the ledger as where
    the claim appeared. The copy is named for what it is, `archivedAt`.
    """
    found: dict[tuple, tuple[dict, dict]] = {}
    for evidence in claim.evidence.all():
        if evidence.stance != "supports":
            continue
        excerpt = evidence.excerpt
        source = excerpt.source
        key = (source.url,) if source.url else ("source", source.pk, excerpt.item_id)
        if key in found:
            continue
        appearance = {
            "@type": "CreativeWork",
            "headline": excerpt.item.heading if excerpt.item_id else source.title,
            "publisher": {"@type": "Organization", "name": source.publisher.name},
        }
        if source.url:
            appearance["url"] = source.url
        else:
            appearance["archivedAt"] = absolute(excerpt.get_absolute_url())
        if excerpt.dated:
            appearance["datePublished"] = excerpt.dated.isoformat()
        found[key] = (appearance, _voice(excerpt))
    return list(found.values())


def claim_review(claim: Claim, *, url: str, base_url: str, absolute) -> dict:
    """The ClaimReview object for a published claim (with its evidence prefetched); `absolute`
    turns a path into a URL. The rating's explanation is the status rule's own reason.

    The claim's author is its claimant when it has one; otherwise whoever makes it where it
    first appears in the ledger's sources (the earliest dated appearance, else the first).
    """
    reason = claim.reason
    appearances = _appearances(claim, absolute)
    item_reviewed = {"@type": "Claim", "appearance": [a for a, _ in appearances]}
    dated = [(a, voice) for a, voice in appearances if "datePublished" in a]
    first = min(dated, key=lambda pair: pair[0]["datePublished"]) if dated else None
    author = _speaker(claim.speaker)
    if author is None and appearances:
        author = (first or appearances[0])[1]
    if author:
        item_reviewed["author"] = author
    if first:
        item_reviewed["firstAppearance"] = first[0]
        item_reviewed["datePublished"] = first[0]["datePublished"]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "datePublished": (claim.published_at or claim.updated_at).date().isoformat(),
        "author": organisation(base_url),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUES[ClaimStatus(claim.status)],
            "bestRating": 3,
            "worstRating": 1,
            "alternateName": f"{reason.label}: {reason.meaning}",
            "ratingExplanation": reason.summary(),
        },
        "itemReviewed": item_reviewed,
    }


def data_feed(reviews: list[dict], *, url: str, base_url: str, modified) -> dict:
    """ClaimReviews as a schema.org DataFeed, the form fact-check aggregators take in bulk.
    The elements share the feed's context, so they carry none of their own."""
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.LEDGER_NAME}: ClaimReview feed",
        "url": url,
        "publisher": organisation(base_url),
        "dataFeedElement": [
            {key: value for key, value in review.items() if key != "@context"} for review in reviews
        ],
    }
    if modified is not None:
        feed["dateModified"] = modified.isoformat()
    return feed


def as_script(data: dict) -> SafeString:
    """A JSON-LD <script> block that no user-written text can break out of."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308
