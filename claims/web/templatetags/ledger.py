"""Template helpers for the public pages."""

from datetime import UTC

from django import template

register = template.Library()


@register.filter
def html_datetime(moment):
    """A moment as a <time datetime> attribute: UTC, to the second, with a Z.

    Django's `date:'c'` writes Python's isoformat, microseconds included, and HTML allows at
    most three fractional digits; no page needs a reader to know more than the second.
    """
    if not moment:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Pixels per independent voice in the balance chart, and the longest a bar may grow.
BAR_UNIT = 28
BAR_MAX = 140


@register.inclusion_tag("claims/_balance.svg")
def balance_chart(claim):
    """A small SVG: the independent voices for and against the claim, as the rule counts them
    (voices sharing a root count once; the claimant's own is not counted for it)."""
    reason = claim.reason
    supporting, contradicting = reason.corroborating, len(reason.contradicting)
    return {
        "claim": claim,
        "supporting": supporting,
        "contradicting": contradicting,
        "claimant_supports": reason.claimant_supports,
        "support_width": min(supporting * BAR_UNIT, BAR_MAX),
        "contradict_width": min(contradicting * BAR_UNIT, BAR_MAX),
    }
