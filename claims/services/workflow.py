"""The review workflow, enforced here and nowhere else: the admin and the API both call it.

    draft ──submit──▶ in review ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │  │
      └─request changes──┘  └──reject──▶ rejected

- Editors submit; reviewers publish, request changes, reject and withdraw.
- Four eyes: the reviewer who publishes a claim must not have contributed to it: not its author,
  nor anyone who wrote a version of its text or links or of its evidence (from the history).
- A claim is published with at least one quoted excerpt behind it.
- Sending back, rejecting and withdrawing need a comment, which the author and the public see.
- A dispute is published with its first published claim (it is a question, not an assertion).
- Every step records who, when and why (`ReviewEvent`), raises the claim's version and writes a
  history row. A step taken from a stale version is refused (`EditConflict`), never merged.
- Once committed, a step emails whom it concerns (`claims.services.notifications`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from claims.choices import ReviewAction, ReviewState
from claims.models import Claim, Dispute, Evidence, ReviewEvent
from claims.rules import typed_text
from claims.services.common import (
    MESSAGE_STALE,  # noqa: F401 (one of the refusals callers name)
    Actor,
    EditConflict,  # noqa: F401
    ExpectedVersion,
    NotAllowed,
    WorkflowError,
    check_version,
    save_with_history,
)
from claims.services.notifications import review_step_notify

Action = ReviewAction
# The columns of a claim that are its content: whoever wrote a version of them contributed.
CONTENT_COLUMNS = ("text", "slug", "dispute_id", "speaker_id")

# Refused steps are logged (who, what, which claim, why) for the audit trail of attempts that left
# no ReviewEvent behind; comments and credentials are never logged.
security_log = logging.getLogger("claims.security")

MESSAGE_WRONG_STATE = "Only claims that are {allowed} can be {done}; this one is {state}."
MESSAGE_NO_PERMISSION = "You do not have permission to {verb} claims."
MESSAGE_FOUR_EYES = (
    "You cannot publish a claim you {role}: another reviewer must check it (four-eyes rule)."
)
MESSAGE_COMMENT_REQUIRED = "Say why in a comment: the author and readers will see it."
MESSAGE_NO_EVIDENCE = "A claim needs at least one quoted excerpt before it can be published."


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
    label: str = ""  # the step, as a button names it


@dataclass(frozen=True)
class StepChoice:
    """A step the claim's state and the user's role allow, and why the user may not take it
    now (the four-eyes rule, no evidence yet), or "" when they may."""

    transition: Transition
    refusal: str = ""


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
            label="Submit for review",
        ),
        Transition(
            Action.PUBLISH,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.PUBLISHED,
            "claims.review_claim",
            "publish",
            "published",
            label="Publish",
        ),
        Transition(
            Action.REQUEST_CHANGES,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.DRAFT,
            "claims.review_claim",
            "send back",
            "sent back for changes",
            comment_required=True,
            label="Request changes",
        ),
        Transition(
            Action.REJECT,
            frozenset({ReviewState.IN_REVIEW}),
            ReviewState.REJECTED,
            "claims.review_claim",
            "reject",
            "rejected",
            comment_required=True,
            label="Reject",
        ),
        Transition(
            Action.WITHDRAW,
            frozenset({ReviewState.PUBLISHED}),
            ReviewState.WITHDRAWN,
            "claims.review_claim",
            "withdraw",
            "withdrawn",
            comment_required=True,
            label="Withdraw",
        ),
    ]
}


def _state_label(state: str) -> str:
    return ReviewState(state).label.lower()


def check_transition(claim: Claim, action: str, by, comment: str = "") -> Transition:
    """Raise unless `by` may take `action` on `claim` as it is now; return the transition."""
    transition = TRANSITIONS[action]
    _check_role_and_state(claim, transition, by)
    _check_comment(transition, comment)
    _check_claim_ready(claim, transition, by)
    return transition


def steps_for(claim: Claim, by) -> list[StepChoice]:
    """The steps the claim's state and `by`'s role allow, each with why `by` may not take it
    now ("" if they may): what the desk offers them, by the same checks as the step itself."""
    choices = []
    for transition in TRANSITIONS.values():
        try:
            _check_role_and_state(claim, transition, by)
        except WorkflowError:
            continue
        try:
            _check_claim_ready(claim, transition, by)
        except WorkflowError as refused:
            choices.append(StepChoice(transition, refused.message))
        else:
            choices.append(StepChoice(transition))
    return choices


def _check_role_and_state(claim: Claim, transition: Transition, by) -> None:
    if not by.has_perm(transition.permission):
        raise NotAllowed(MESSAGE_NO_PERMISSION.format(verb=transition.verb))
    if claim.review_state not in transition.sources:
        allowed = " or ".join(sorted(_state_label(s) for s in transition.sources))
        raise InvalidTransition(
            MESSAGE_WRONG_STATE.format(
                allowed=allowed, done=transition.done, state=_state_label(claim.review_state)
            )
        )


def _check_comment(transition: Transition, comment: str) -> None:
    if transition.comment_required and not comment.strip():
        raise CommentRequired(MESSAGE_COMMENT_REQUIRED)
    # Checked here because review events are written without a form: the admin's action and
    # direct callers would otherwise reach the database with it.
    problems = typed_text.problems(comment)
    if problems:
        raise InvalidComment(" ".join(problems))


def _check_claim_ready(claim: Claim, transition: Transition, by) -> None:
    """What the claim itself must satisfy for `by` to take the step: four eyes, evidence."""
    if transition.action == Action.PUBLISH:
        role = contribution_of(by, claim)
        if role:
            raise NotAllowed(MESSAGE_FOUR_EYES.format(role=role))
        if not claim.evidence.exists():
            raise InvalidTransition(MESSAGE_NO_EVIDENCE)


def contribution_of(user, claim: Claim) -> str:
    """How `user` contributed to the claim, in words, or "" if they did not.

    Read from the history: the author, the last editor, anyone who wrote a version of the claim's
    text or links, and anyone who added, changed or removed its evidence. Review steps and
    statuses recomputed by someone else's change are not contributions.
    """
    if user.pk == claim.created_by_id:
        return "wrote"
    if user.pk == claim.last_edited_by_id:
        return "last edited"
    previous = None
    for row in claim.history.order_by("history_date", "history_id").values(
        "history_type", "history_user_id", *CONTENT_COLUMNS
    ):
        content = tuple(row[column] for column in CONTENT_COLUMNS)
        if row["history_user_id"] == user.pk and content != previous:
            return "wrote a version of"
        previous = content
    if Evidence.history.filter(claim_id=claim.pk, history_user_id=user.pk).exists():
        return "chose evidence for"
    return ""


@transaction.atomic
def claim_transition(
    *, claim: Claim, action: str, by: Actor, expected_version: ExpectedVersion, comment: str = ""
) -> Claim:
    """Take one review step on `claim`, or raise a `WorkflowError` that says why not."""
    # Lock the row so that two reviewers acting at once are serialised: the second one sees the
    # first one's result and is refused, instead of both succeeding.
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    try:
        check_version(current, expected_version, by=by)
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
        _publish_dispute_with_first_claim(current.dispute_id, by=by)
    # simple-history's reason column holds 100 characters (longer is a 500 on PostgreSQL); the
    # whole comment is kept on the ReviewEvent below.
    reason = f"{transition.done}: {comment}".strip(": ")
    save_with_history(current, by=by, reason=reason)
    event = ReviewEvent.objects.create(
        claim=current,
        action=action,
        from_state=from_state,
        to_state=transition.target,
        actor=by,
        actor_name=by.get_username(),
        comment=comment.strip(),
    )
    review_step_notify(event=event)
    return current


def _publish_dispute_with_first_claim(dispute_id: int | None, *, by: Actor) -> None:
    if dispute_id is None:
        return
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    if dispute.review_state != ReviewState.PUBLISHED:
        dispute.review_state = ReviewState.PUBLISHED
        dispute.published_at = timezone.now()
        save_with_history(dispute, by=by, reason="published with its first published claim")
