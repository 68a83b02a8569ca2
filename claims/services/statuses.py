"""Statuses are never stale: every write that changes an input of the status rule calls here.

The inputs are a claim's evidence (which excerpts, which stance), each excerpt's voice, speaker
and source, each source's publisher, the claim's speaker (the claimant), and the roots of every
speaker and publisher (`claims.services.voices`). `claim_statuses_refresh`
recomputes the claims a change touches, in the caller's transaction, and stores each new status
as a new version of the claim with a history row that says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims.choices import Stance
from claims.models import Claim, Evidence
from claims.rules.status import compute_status
from claims.services.common import Actor

# simple-history's reason column holds 100 characters.
CHANGE_REASON_MAX_LENGTH = 100


def computed_statuses(claim_ids: Iterable[int]) -> dict[int, str]:
    """The status each of these claims' evidence gives it now, in two queries."""
    voices: dict[str, dict[int, set[Hashable]]] = {
        Stance.SUPPORTS: defaultdict(set),
        Stance.CONTRADICTS: defaultdict(set),
    }
    claimants = dict(
        Claim.objects.filter(pk__in=set(claim_ids)).values_list("pk", "speaker__voice_root")
    )
    for claim_id, stance, root in (
        Evidence.objects.filter(claim_id__in=claimants)
        .with_voice_root()
        .values_list("claim_id", "stance", "voice_root")
    ):
        voices[stance][claim_id].add(root)
    return {
        claim_id: compute_status(
            supporting=voices[Stance.SUPPORTS][claim_id],
            contradicting=voices[Stance.CONTRADICTS][claim_id],
            claimant=claimant,
        )
        for claim_id, claimant in claimants.items()
    }


def claim_statuses_refresh(*, claim_ids: Iterable[int], by: Actor, reason: str) -> int:
    """Recompute and store the status of these claims; return how many changed.

    A changed status is a change readers see, so the claim becomes a new version (a stale edit
    from before it is refused) and its `updated_at` moves, so API syncs pick it up. A fixed
    number of queries whatever the number of claims.
    """
    claim_ids = sorted(set(claim_ids))
    # Lock first, then read the evidence: a concurrent evidence change on one of these claims
    # (which holds the claim's lock) is then either wholly before this or wholly after.
    locked = list(Claim.objects.select_for_update().filter(pk__in=claim_ids).order_by("pk"))
    statuses = computed_statuses(claim_ids)
    now = timezone.now()
    changed = []
    for claim in locked:
        if claim.status != statuses[claim.pk]:
            claim.status = statuses[claim.pk]
            claim.version += 1
            claim.updated_at = now
            changed.append(claim)
    bulk_update_with_history(
        changed,
        Claim,
        ["status", "version", "updated_at"],
        default_user=by,
        default_change_reason=reason[:CHANGE_REASON_MAX_LENGTH],
    )
    return len(changed)
