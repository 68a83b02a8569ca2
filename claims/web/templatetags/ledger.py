"""Template helpers for the public pages."""

from django import template

register = template.Library()

# Pixels per independent publisher in the balance chart, and the longest a bar may grow.
BAR_UNIT = 28
BAR_MAX = 140


@register.inclusion_tag("claims/_balance.svg")
def balance_chart(claim):
    """A small SVG: independent publishers supporting vs contradicting the claim."""
    balance = claim.balance()
    return {
        "claim": claim,
        "balance": balance,
        "support_width": min(balance.supporting * BAR_UNIT, BAR_MAX),
        "contradict_width": min(balance.contradicting * BAR_UNIT, BAR_MAX),
    }
