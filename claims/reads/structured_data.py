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


def claim_review(claim: Claim, *, url: str, base_url: str, absolute) -> dict:
    """The ClaimReview object for a published claim (with its evidence prefetched); `absolute`
    turns a path into a URL. The rating's explanation is the status rule's own reason."""
    reason = claim.reason
    appearances = []
    for evidence in claim.evidence.all():
        if evidence.stance != "supports":
            continue
        source = evidence.excerpt.source
        appearance = {
            "@type": "CreativeWork",
            "url": source.url or absolute(evidence.excerpt.get_absolute_url()),
            "headline": source.title,
            "publisher": {"@type": "Organization", "name": source.publisher.name},
        }
        if evidence.excerpt.dated:
            appearance["datePublished"] = evidence.excerpt.dated.isoformat()
        appearances.append(appearance)
    dated = [a for a in appearances if "datePublished" in a]
    item_reviewed = {"@type": "Claim", "appearance": appearances}
    author = _speaker(claim.speaker)
    if author:
        item_reviewed["author"] = author
    if dated:
        first = min(dated, key=lambda a: a["datePublished"])
        item_reviewed["firstAppearance"] = first
        item_reviewed["datePublished"] = first["datePublished"]
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


def as_script(data: dict) -> SafeString:
    """A JSON-LD <script> block that no user-written text can break out of."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308
