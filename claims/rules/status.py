"""The status rule, written once, over counts alone (no database here).

A claim's status follows from its evidence alone:

- **contradiction**: at least one supporting and at least one contradicting excerpt;
- **agreement**: supported by excerpts from at least two independent publishers (pages of one
  outlet or campaign count once), and contradicted by none;
- **unverified**: anything else.

`compute_status` is the rule. `ClaimQuerySet.with_computed_status()` is its SQL twin for reading
many claims at once; a table-driven test holds the two together. `claims.services.statuses`
applies the rule to stored evidence and saves its answer whenever an input to it changes.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable

AGREEMENT = "agreement"
CONTRADICTION = "contradiction"
UNVERIFIED = "unverified"

SUPPORTS = "supports"
CONTRADICTS = "contradicts"

# Supported by this many independent publishers, and contradicted by none, a claim is agreed.
INDEPENDENT_PUBLISHERS_FOR_AGREEMENT = 2


def compute_status(
    *, supporting_publishers: Collection[Hashable], contradicting_excerpts: int
) -> str:
    """The status of a claim whose support comes from these independent publishers."""
    if supporting_publishers and contradicting_excerpts:
        return CONTRADICTION
    if len(set(supporting_publishers)) >= INDEPENDENT_PUBLISHERS_FOR_AGREEMENT:
        return AGREEMENT
    return UNVERIFIED
