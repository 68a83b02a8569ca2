"""The desk's front page for one person: the claims sent back to them with the reviewer's
comment, the claims waiting for their review, and what others changed since they last looked.

Each list is one query however long it is (the review list adds its count), and holds at most
`LIMIT` rows, the latest first (the review queue, the oldest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, OuterRef, Subquery

from claims.models import ChangeRequest, Claim

LIMIT = 20
# Who writes claims (and so has a list of those sent back) and who reviews them (and so has a
# review list): the permissions the workflow's steps need.
SUBMIT_PERMISSION = "claims.submit_claim"
REVIEW_PERMISSION = "claims.review_claim"
# How a claim's history row reads when the change gave no reason of its own.
HISTORY_KINDS = {"+": "written", "~": "edited", "-": "deleted"}


@dataclass(frozen=True)
class ClaimChange:
    """What others did to one claim since the person last looked: how many changes, and the
    latest (who, when, what: a review step's or a correction's reason, or "edited")."""

    claim_id: int
    text: str
    changes: int
    at: datetime
    by: str
    what: str
    deleted: bool


@dataclass(frozen=True)
class Inbox:
    since: datetime | None  # when they last looked; None the first time
    can_submit: bool
    sent_back: list[Claim]
    can_review: bool
    to_review: list[Claim]
    to_review_total: int
    changed: list[ClaimChange]
    change_requests: list[ChangeRequest]


def inbox_for(user, *, since: datetime | None) -> Inbox:
    can_review = user.has_perm(REVIEW_PERMISSION)
    to_review = (
        Claim.objects.awaiting_review_by(user).with_last_review_step().select_related("created_by")
    )
    return Inbox(
        since=since,
        can_submit=user.has_perm(SUBMIT_PERMISSION),
        sent_back=list(Claim.objects.sent_back_to(user).order_by("-last_step_at", "-pk")[:LIMIT]),
        can_review=can_review,
        to_review=list(to_review.order_by("last_step_at", "pk")[:LIMIT]) if can_review else [],
        to_review_total=to_review.count() if can_review else 0,
        changed=claims_changed_since(since, by_others_than=user) if since else [],
        change_requests=(
            list(
                ChangeRequest.objects.moved_since(since, by_others_than=user)
                .select_related("proposed_by", "decided_by")
                .order_by("-pk")[:LIMIT]
            )
            if since
            else []
        ),
    )


def claims_changed_since(since: datetime, *, by_others_than) -> list[ClaimChange]:
    """The claims others changed after `since`, the latest change first, read from the claims'
    history: edits, evidence, review steps, corrections and recomputed statuses alike."""
    history = Claim.history.model.objects.filter(history_date__gt=since).exclude(
        history_user=by_others_than
    )
    latest = history.filter(id=OuterRef("id")).order_by("-history_date", "-history_id")
    rows = (
        history.values("id")
        .annotate(
            changes=Count("history_id"),
            at=Max("history_date"),
            text=Subquery(latest.values("text")[:1]),
            by=Subquery(latest.values("history_user__username")[:1]),
            reason=Subquery(latest.values("history_change_reason")[:1]),
            kind=Subquery(latest.values("history_type")[:1]),
        )
        .order_by("-at", "-id")[:LIMIT]
    )
    return [
        ClaimChange(
            claim_id=row["id"],
            text=row["text"],
            changes=row["changes"],
            at=row["at"],
            by=row["by"] or "someone whose account was removed",
            what=row["reason"] or HISTORY_KINDS.get(row["kind"], "changed"),
            deleted=row["kind"] == "-",
        )
        for row in rows
    ]
