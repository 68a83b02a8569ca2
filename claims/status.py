"""The status rule, written once.

A claim's status follows from its evidence alone:

- **contradiction**: at least one supporting and at least one contradicting excerpt;
- **agreement**: supported by excerpts from at least two independent publishers (pages of one
  outlet or campaign count once), and contradicted by none;
- **unverified**: anything else.

`compute_status` is the rule. `ClaimQuerySet.with_computed_status()` is its SQL twin for reading
many claims at once; a table-driven test holds the two together. `computed_statuses` applies
the rule to claims' stored evidence: the evidence services save its answer with the claim (one
history row per change), and `refresh_statuses` stores it for many claims at once (the loader).
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


def computed_statuses(claim_ids: Iterable[int]) -> dict[int, ClaimStatus]:
    """The status each of these claims' evidence gives it now, in one query."""
    from claims.models import Evidence  # the models import this module's choices

    supporting: dict[int, set[Hashable]] = defaultdict(set)
    contradicting: dict[int, int] = defaultdict(int)
    claim_ids = set(claim_ids)
    for claim_id, stance, publisher_key in (
        Evidence.objects.filter(claim_id__in=claim_ids)
        .with_independence_key()
        .values_list("claim_id", "stance", "independence_key")
    ):
        if stance == Stance.SUPPORTS:
            supporting[claim_id].add(publisher_key)
        else:
            contradicting[claim_id] += 1
    return {
        claim_id: compute_status(
            supporting_publishers=supporting[claim_id],
            contradicting_excerpts=contradicting[claim_id],
        )
        for claim_id in claim_ids
    }


def refresh_statuses(claim_ids: Iterable[int], *, reason: str = "status recomputed") -> int:
    """Recompute and store the status of these claims; return how many changed.

    A fixed number of queries whatever the number of claims, so the loader can call it once.
    Each change is written with a history row of its own, like every other write.
    """
    from simple_history.utils import bulk_update_with_history

    from claims.models import Claim

    statuses = computed_statuses(claim_ids)
    changed = []
    for claim in Claim.objects.filter(pk__in=statuses):
        if claim.status != statuses[claim.pk]:
            claim.status = statuses[claim.pk]
            changed.append(claim)
    bulk_update_with_history(changed, Claim, ["status"], default_change_reason=reason)
    return len(changed)
