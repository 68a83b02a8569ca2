"""The status rule, written once.

A claim's status follows from its evidence alone:

- **contradiction**: at least one supporting and at least one contradicting excerpt;
- **agreement**: supported by excerpts from at least two independent publishers (pages of one
  outlet or campaign count once), and contradicted by none;
- **unverified**: anything else.

`compute_status` is the rule. `ClaimQuerySet.with_computed_status()` is its SQL twin for reading
many claims at once; a table-driven test holds the two together. `refresh_statuses` is the one
place the stored status is written, and every service that changes evidence calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable

from django.db import models

# Supported by this many independent publishers, and contradicted by none, a claim is agreed.
INDEPENDENT_PUBLISHERS_FOR_AGREEMENT = 2


class ClaimStatus(models.TextChoices):
    AGREEMENT = "agreement", "Agreement"
    CONTRADICTION = "contradiction", "Contradiction"
    UNVERIFIED = "unverified", "Unverified"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"


def compute_status(
    *, supporting_publishers: Collection[Hashable], contradicting_excerpts: int
) -> ClaimStatus:
    """The status of a claim whose support comes from these independent publishers."""
    if supporting_publishers and contradicting_excerpts:
        return ClaimStatus.CONTRADICTION
    if len(set(supporting_publishers)) >= INDEPENDENT_PUBLISHERS_FOR_AGREEMENT:
        return ClaimStatus.AGREEMENT
    return ClaimStatus.UNVERIFIED


def refresh_statuses(claim_ids: Iterable[int]) -> int:
    """Recompute and store the status of these claims; return how many changed.

    Two queries whatever the number of claims, so the loader and bulk actions can call it once.
    """
    from claims.models import Claim, Evidence  # the models import this module's choices

    claim_ids = set(claim_ids)
    if not claim_ids:
        return 0
    supporting: dict[int, set[int]] = defaultdict(set)
    contradicting: dict[int, int] = defaultdict(int)
    for claim_id, stance, publisher_key in (
        Evidence.objects.filter(claim_id__in=claim_ids)
        .with_independence_key()
        .values_list("claim_id", "stance", "independence_key")
    ):
        if stance == Stance.SUPPORTS:
            supporting[claim_id].add(publisher_key)
        else:
            contradicting[claim_id] += 1

    changed = []
    for claim in Claim.objects.filter(pk__in=claim_ids).only("pk", "status"):
        status = compute_status(
            supporting_publishers=supporting[claim.pk],
            contradicting_excerpts=contradicting[claim.pk],
        )
        if claim.status != status:
            claim.status = status
            changed.append(claim)
    # Status is derived data, so it is written without a history row of its own: the evidence
    # change that caused it has one.
    Claim.objects.bulk_update(changed, ["status"])
    return len(changed)
