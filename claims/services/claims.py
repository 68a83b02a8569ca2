"""Writes to claims, their evidence and the disputes they answer.

Editors change drafts only; a published claim changes through an approved change request
(`approval`), a withdrawal, or not at all. Every change to a claim or its evidence makes a new
version of the claim, refuses a stale one, and stores the status its evidence now gives it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.choices import ReviewState, Stance
from claims.models import ChangeRequest, Claim, Dispute, Evidence, Excerpt, Speaker
from claims.services.common import (
    Actor,
    ExpectedVersion,
    NeedsReview,
    WorkflowError,
    changed_fields,
    check_version,
    delete_with_history,
    insert_with_free_slug,
    refuse_unknown_fields,
    save_with_history,
    unique_slug,
)
from claims.services.publicity import apply_edit, approves, refuse_unreviewed_public_change
from claims.services.statuses import claim_statuses_refresh, computed_statuses


class NotEditable(WorkflowError):
    """The claim is past the draft stage; its content is frozen."""


class PublishedNotEditable(NotEditable, NeedsReview):
    """The claim is published: a correction goes through a change request another reviewer
    approves."""


MESSAGE_NOT_EDITABLE = "This claim is {state}, so it cannot be edited: only drafts can. {advice}"
_EDIT_ADVICE = {
    ReviewState.IN_REVIEW: "A reviewer can send it back for changes.",
    ReviewState.PUBLISHED: (
        "Propose a correction for another reviewer to approve, or withdraw it and write a "
        "corrected claim, so readers see the change."
    ),
    ReviewState.WITHDRAWN: "Write a new claim instead.",
    ReviewState.REJECTED: "Write a new claim instead.",
}
MESSAGE_NOT_DELETABLE = (
    "Only drafts can be deleted; a claim that has been submitted leaves the ledger by being "
    "rejected or withdrawn, with its reason on the record."
)
# The fields an editor writes; status, review state, version and timestamps follow from actions.
CLAIM_CONTENT_FIELDS = ("text", "slug", "dispute", "speaker")
DISPUTE_FIELDS = ("question", "slug", "summary")


def check_editable(claim: Claim, *, approval: ChangeRequest | None = None) -> None:
    """Editors change drafts; an approved change request may also correct a published claim."""
    if claim.review_state == ReviewState.DRAFT:
        return
    if claim.review_state == ReviewState.PUBLISHED and approves(approval, claim):
        return
    state = ReviewState(claim.review_state)
    message = MESSAGE_NOT_EDITABLE.format(
        state=state.label.lower(), advice=_EDIT_ADVICE.get(state, "")
    )
    # A published claim can still be corrected, through review; anything else cannot change.
    raise (PublishedNotEditable if state == ReviewState.PUBLISHED else NotEditable)(message)


def _locked(claim: Claim, expected_version: ExpectedVersion, approval, by: Actor) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version, by=by)
    check_editable(current, approval=approval)
    return current


# -- claims -------------------------------------------------------------------------------------


@transaction.atomic
def claim_create(
    *,
    text: str,
    by: Actor,
    dispute: Dispute | None = None,
    speaker: Speaker | None = None,
    slug: str = "",
) -> Claim:
    """Write a new claim, always as a draft: it reaches readers only through review."""
    claim = Claim(
        text=text,
        dispute=dispute,
        speaker=speaker,
        slug=slug or unique_slug(Claim, text),
        review_state=ReviewState.DRAFT,
        created_by=by,
        last_edited_by=by,
    )
    insert_with_free_slug(claim, by=by, slug_from=None if slug else text, exclude=[])
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    by: Actor,
    expected_version: ExpectedVersion,
    approval: ChangeRequest | None = None,
    **changes,
) -> Claim:
    """Change a draft claim's wording or links, refusing a save from a stale version."""
    refuse_unknown_fields(changes, CLAIM_CONTENT_FIELDS)
    current = _locked(claim, expected_version, approval, by)
    changed = changed_fields(current, changes)
    if not changed:
        return current
    for name, value in changed.items():
        setattr(current, name, value)
    current.version += 1
    current.last_edited_by = by
    current.full_clean()
    save_with_history(
        current,
        by=by,
        reason=f"correction approved: {approval.reason}" if approval else "",
    )
    if "speaker" in changed:
        # The claimant is an input of the status rule: their own voice never corroborates.
        claim_statuses_refresh(
            claim_ids=[current.pk], by=by, reason=f"claimant is now {current.speaker or 'no one'}"
        )
        current.refresh_from_db()
    return current


@transaction.atomic
def claim_delete(*, claim: Claim, by: Actor, expected_version: ExpectedVersion) -> None:
    """Delete a draft (with its evidence). Anything once submitted is kept on the record."""
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version, by=by)
    if current.review_state != ReviewState.DRAFT:
        raise NotEditable(MESSAGE_NOT_DELETABLE)
    for evidence in current.evidence.all():
        delete_with_history(evidence, by=by, reason="its claim was deleted")
    delete_with_history(current, by=by)


# -- evidence -----------------------------------------------------------------------------------


def _record_evidence_change(claim: Claim, by, reason: str) -> None:
    """Evidence changed: the (locked) claim becomes a new version, with the status its evidence
    now gives it, saved with a history row that says what changed."""
    claim.status = computed_statuses([claim.pk])[claim.pk]
    claim.version += 1
    claim.last_edited_by = by
    save_with_history(claim, by=by, reason=reason)


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    excerpt: Excerpt,
    stance: str,
    by: Actor,
    expected_version: ExpectedVersion,
    note: str = "",
    approval: ChangeRequest | None = None,
) -> Evidence:
    """Tie an excerpt to a claim, or change the stance of an existing tie; the status follows."""
    current = _locked(claim, expected_version, approval, by)
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Stance must be one of: {', '.join(Stance.values)}."})
    evidence = Evidence.objects.filter(claim=current, excerpt=excerpt).first()
    if evidence is None:
        evidence = Evidence(claim=current, excerpt=excerpt, stance=stance, note=note)
    elif (evidence.stance, evidence.note) == (stance, note):
        return evidence
    else:
        refuse_unreviewed_public_change(
            evidence, changed_fields(evidence, {"stance": stance, "note": note}), approval=approval
        )
        evidence.stance, evidence.note = stance, note
    evidence.full_clean()
    save_with_history(evidence, by=by)
    _record_evidence_change(current, by, f"evidence: excerpt {excerpt.pk} {stance} this claim")
    claim.refresh_from_db(fields=["status", "version", "last_edited_by", "updated_at"])
    return evidence


@transaction.atomic
def evidence_remove(
    *,
    evidence: Evidence,
    by: Actor,
    expected_version: ExpectedVersion,
    approval: ChangeRequest | None = None,
) -> None:
    """Untie a quote from a claim; a published claim's only by an approved change request."""
    current = _locked(evidence.claim, expected_version, approval, by)
    delete_with_history(evidence, by=by)
    _record_evidence_change(current, by, f"evidence removed: excerpt {evidence.excerpt_id}")


# -- disputes -----------------------------------------------------------------------------------


@transaction.atomic
def dispute_create(*, question: str, by: Actor, slug: str = "", summary: str = "") -> Dispute:
    """A new question, as a draft: it is published with its first published claim."""
    dispute = Dispute(
        question=question, slug=slug or unique_slug(Dispute, question), summary=summary
    )
    insert_with_free_slug(dispute, by=by, slug_from=None if slug else question, exclude=[])
    return dispute


@transaction.atomic
def dispute_update(
    *,
    dispute: Dispute,
    by: Actor,
    approval: ChangeRequest | None = None,
    reason: str = "",
    **changes,
) -> Dispute:
    """Change a question or its summary; once published, only by an approved change request."""
    refuse_unknown_fields(changes, DISPUTE_FIELDS)
    current = Dispute.objects.select_for_update().get(pk=dispute.pk)
    apply_edit(current, changes, by=by, approval=approval, reason=reason)
    return current


@transaction.atomic
def dispute_delete(*, dispute: Dispute, by: Actor) -> None:
    """Delete a question no claim answers (the database refuses otherwise)."""
    delete_with_history(dispute, by=by)
