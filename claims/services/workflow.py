"""The review workflow, enforced here and nowhere else: the admin and the API both call it.

    draft ──submit──▶ in review ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │  │
      └─request changes──┘  └──reject──▶ rejected

- Editors submit; reviewers publish, request changes, reject and withdraw.
- Four eyes: the reviewer who publishes a claim must be neither its author nor its last editor.
- A claim is published with at least one quoted excerpt behind it.
- Sending back, rejecting and withdrawing need a comment, which the author and the public see.
- A dispute is published with its first published claim (it is a question, not an assertion).
- Every step records who, when and why (`ReviewEvent`), raises the claim's version and writes a
  history row. A step taken from a stale version is refused (`EditConflict`), never merged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from claims.models import Claim, Dispute, ReviewEvent, ReviewState
from claims.rules import typed_text

Action = ReviewEvent.Action
CHANGE_REASON_MAX_LENGTH = 100

# Refused steps are logged (who, what, which claim, why) for the audit trail of attempts that left
# no ReviewEvent behind; comments and credentials are never logged.
security_log = logging.getLogger("claims.security")

MESSAGE_STALE = (
    "Someone else changed this claim while you were looking at it (you had version "
    "{expected}, it is now at version {actual}). Reload it, check their change, then try again."
)
MESSAGE_WRONG_STATE = "Only claims that are {allowed} can be {done}; this one is {state}."
MESSAGE_NO_PERMISSION = "You do not have permission to {verb} claims."
MESSAGE_FOUR_EYES = (
    "You cannot publish a claim you {role}: another reviewer must check it (four-eyes rule)."
)
MESSAGE_COMMENT_REQUIRED = "Say why in a comment: the author and readers will see it."
MESSAGE_NO_EVIDENCE = "A claim needs at least one quoted excerpt before it can be published."


class WorkflowError(Exception):
    """A review step that cannot be taken; the message says why, in the user's terms."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EditConflict(WorkflowError):
    """The claim changed since the caller read it."""


class NotAllowed(WorkflowError):
    """The user may not take this step (permission or the four-eyes rule)."""


class InvalidTransition(WorkflowError):
    """The claim is not in a state this step starts from, or lacks what the step needs."""


class CommentRequired(InvalidTransition):
    """The step needs a reason, and none was given."""


class InvalidComment(WorkflowError):
    """The comment holds characters that cannot be stored (see `claims.rules.typed_text`)."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: str
    verb: str
    done: str
    comment_required: bool = False


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            Action.SUBMIT,
            frozenset({ReviewState.DRAFT}),
            ReviewState.IN_REVIEW,
            "claims.submit_claim",
            "submit",
            "submitted for review",
        ),
        Transition(
            Action.PUBLISH,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.PUBLISHED,
            "claims.review_claim",
            "publish",
            "published",
        ),
        Transition(
            Action.REQUEST_CHANGES,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.DRAFT,
            "claims.review_claim",
            "send back",
            "sent back for changes",
            comment_required=True,
        ),
        Transition(
            Action.REJECT,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.REJECTED,
            "claims.review_claim",
            "reject",
            "rejected",
            comment_required=True,
        ),
        Transition(
            Action.WITHDRAW,
            frozenset({ReviewState.PUBLISHED}),
            ReviewState.WITHDRAWN,
            "claims.review_claim",
            "withdraw",
            "withdrawn",
            comment_required=True,
        ),
    ]
}


def check_version(claim: Claim, expected_version: int | None) -> None:
    """Refuse to act on a claim that changed since the caller read it."""
    if expected_version is not None and claim.version != expected_version:
        raise EditConflict(MESSAGE_STALE.format(expected=expected_version, actual=claim.version))


def _state_label(state: str) -> str:
    return ReviewState(state).label.lower()


def check_transition(claim: Claim, action: str, by, comment: str = "") -> Transition:
    """Raise unless `by` may take `action` on `claim` as it is now; return the transition."""
    transition = TRANSITIONS[action]
    if not by.has_perm(transition.permission):
        raise NotAllowed(MESSAGE_NO_PERMISSION.format(verb=transition.verb))
    if claim.review_state not in transition.sources:
        allowed = " or ".join(sorted(_state_label(s) for s in transition.sources))
        raise InvalidTransition(
            MESSAGE_WRONG_STATE.format(
                allowed=allowed, done=transition.done, state=_state_label(claim.review_state)
            )
        )
    if transition.comment_required and not comment.strip():
        raise CommentRequired(MESSAGE_COMMENT_REQUIRED)
    # Checked here because review events are written without a form: the admin's action and
    # direct callers would otherwise reach the database with it.
    problems = typed_text.problems(comment)
    if problems:
        raise InvalidComment(" ".join(problems))
    if action == Action.PUBLISH:
        if by.pk == claim.created_by_id:
            raise NotAllowed(MESSAGE_FOUR_EYES.format(role="wrote"))
        if by.pk == claim.last_edited_by_id:
            raise NotAllowed(MESSAGE_FOUR_EYES.format(role="last edited"))
        if not claim.evidence.exists():
            raise InvalidTransition(MESSAGE_NO_EVIDENCE)
    return transition


@transaction.atomic
def claim_transition(
    *, claim: Claim, action: str, by, comment: str = "", expected_version: int | None = None
) -> Claim:
    """Take one review step on `claim`, or raise a `WorkflowError` that says why not."""
    # Lock the row so that two reviewers acting at once are serialised: the second one sees the
    # first one's result and is refused, instead of both succeeding.
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    try:
        check_version(current, expected_version)
        transition = check_transition(current, action, by, comment)
    except WorkflowError as refused:
        security_log.warning(
            "Refused %s of claim %s by %r: %s",
            action,
            current.pk,
            by.get_username(),
            type(refused).__name__,
        )
        raise

    from_state = current.review_state
    current.review_state = transition.target
    current.version += 1
    if transition.target == ReviewState.PUBLISHED:
        current.published_at = timezone.now()
        _publish_dispute_with_first_claim(current.dispute_id)
    # simple-history's reason column holds 100 characters (longer is a 500 on PostgreSQL); the
    # whole comment is kept on the ReviewEvent below.
    reason = f"{transition.done}: {comment}".strip(": ")
    current._change_reason = Truncator(reason).chars(CHANGE_REASON_MAX_LENGTH)
    current._history_user = by
    current.save()
    ReviewEvent.objects.create(
        claim=current,
        action=action,
        from_state=from_state,
        to_state=transition.target,
        actor=by,
        actor_name=by.get_username(),
        comment=comment.strip(),
    )
    return current


def _publish_dispute_with_first_claim(dispute_id: int | None) -> None:
    if dispute_id is None:
        return
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    if dispute.review_state != ReviewState.PUBLISHED:
        dispute.review_state = ReviewState.PUBLISHED
        dispute.published_at = timezone.now()
        dispute._change_reason = "published with its first published claim"
        dispute.save()
