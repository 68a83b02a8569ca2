"""Changes to what readers see, under the four-eyes rule.

Once material is public (a published claim, the quotes and speakers behind it, their items and
sources, the sources' publishers, the dispute's question), an editor cannot change it directly:
`change_propose` records what should change and why, another reviewer approves it
(`change_approve`) or rejects it (`change_reject`). An approved change is applied by the same
service an edit would use, and every published claim it touches gets a new version, a history
row and a "correction approved" event on its review timeline, with the reason readers see.
"""

from __future__ import annotations

import copy
import datetime

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims.choices import ReviewAction, ReviewState, Stance
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    Source,
    SourceItem,
    Speaker,
)
from claims.rules import typed_text
from claims.services import claims as claim_services
from claims.services import sources as source_services
from claims.services.common import (
    NO_VERSION_CHECK,
    Actor,
    EditConflict,
    NotAllowed,
    WorkflowError,
    change_reason,
    changed_fields,
    save_with_history,
)
from claims.services.publicity import PUBLIC_FIELDS, SHOWN_STATES, published_claim_ids
from claims.services.voices import refuse_affiliation_loop

MESSAGE_TARGET_GONE = "The record this change is to no longer exists; reject the change."
MESSAGE_REFERENCE_GONE = (
    "A record the change names (a quote, a publisher, a speaker...) no longer exists; reject it."
)
MESSAGE_CHANGED_SINCE = (
    "The record changed since this was proposed: its {field} was {then!r} and is now {now!r}. "
    "Reject this change, and propose again from what the record says now if it is still needed."
)
MESSAGE_ALREADY_EVIDENCE = "This quote is already evidence for the claim: reject the change."
MESSAGE_ALREADY_REMOVED = "This quote is no longer evidence for the claim: reject the change."
MESSAGE_CLAIM_NOT_PUBLISHED = (
    "This claim is {state}: change requests correct published claims. A draft is edited "
    "directly; a claim in review is sent back first; a withdrawn or rejected one is not changed."
)
MESSAGE_UNKNOWN_FIELDS = "These fields cannot be changed here: {fields}. Allowed: {allowed}."
MESSAGE_ADD_EVIDENCE_SHAPE = (
    'add_evidence takes {"excerpt": <excerpt id>, "stance": "supports" or "contradicts", '
    '"note": "..."}.'
)
MESSAGE_NOTHING_TO_CHANGE = "Nothing would change: every field already has the value proposed."
MESSAGE_REASON_REQUIRED = "Say why the change is needed: readers see the reason on the record."
MESSAGE_NOT_PENDING = "This change was already {state}."
MESSAGE_OWN_CHANGE = (
    "You proposed this change, so another reviewer must approve it (four-eyes rule)."
)
MESSAGE_NO_PERMISSION = "You do not have permission to approve or reject changes."
REVIEW_PERMISSION = "claims.review_claim"


def _evidence_update(
    *, evidence: Evidence, by: Actor, approval: ChangeRequest | None, reason: str = "", **changes
):
    fields = {"stance": evidence.stance, "note": evidence.note, **changes}
    return claim_services.evidence_add(
        claim=evidence.claim,
        excerpt=evidence.excerpt,
        by=by,
        expected_version=NO_VERSION_CHECK,
        approval=approval,
        **fields,
    )


# A change to a published claim may add a quote to its evidence: {"excerpt": id, "stance", "note"},
# or take one away: {"excerpt": id} (a quote read out of context, or credited to the wrong voice).
ADD_EVIDENCE = "add_evidence"
REMOVE_EVIDENCE = "remove_evidence"
EVIDENCE_CHANGES = (ADD_EVIDENCE, REMOVE_EVIDENCE)


def _claim_update(
    *, claim: Claim, by: Actor, approval: ChangeRequest | None, reason: str = "", **changes
):
    added = changes.pop(ADD_EVIDENCE, None)
    removed = changes.pop(REMOVE_EVIDENCE, None)
    if changes:
        claim = claim_services.claim_update(
            claim=claim, by=by, expected_version=NO_VERSION_CHECK, approval=approval, **changes
        )
    if added:
        claim_services.evidence_add(
            claim=claim,
            excerpt=Excerpt.objects.get(pk=added["excerpt"]),
            stance=added["stance"],
            note=added.get("note", ""),
            by=by,
            expected_version=NO_VERSION_CHECK,
            approval=approval,
        )
    if removed:
        claim_services.evidence_remove(
            evidence=claim.evidence.get(excerpt_id=removed["excerpt"]),
            by=by,
            expected_version=NO_VERSION_CHECK,
            approval=approval,
        )
    return claim


# Each kind of record, and the service that applies a change to it.
APPLY = {
    Publisher: lambda target, **kw: source_services.publisher_update(publisher=target, **kw),
    Speaker: lambda target, **kw: source_services.speaker_update(speaker=target, **kw),
    Source: lambda target, **kw: source_services.source_update(source=target, **kw),
    SourceItem: lambda target, **kw: source_services.source_item_update(item=target, **kw),
    Excerpt: lambda target, **kw: source_services.excerpt_update(excerpt=target, **kw),
    Dispute: lambda target, **kw: claim_services.dispute_update(dispute=target, **kw),
    Claim: lambda target, **kw: _claim_update(claim=target, **kw),
    Evidence: lambda target, **kw: _evidence_update(evidence=target, **kw),
}


def _stored(value):
    """A field value as JSON: records by id, dates in ISO 8601."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _check_comment(text: str, field: str) -> None:
    problems = typed_text.problems(text)
    if problems:
        raise ValidationError({field: problems})


@transaction.atomic
def change_propose(*, target: models.Model, changes: dict, reason: str, by: Actor) -> ChangeRequest:
    """Ask for a change to public material; nothing changes until another reviewer approves."""
    model = type(target)
    changes = dict(changes)
    allowed = set(PUBLIC_FIELDS[model]) | _private_fields(model)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            {
                "changes": MESSAGE_UNKNOWN_FIELDS.format(
                    fields=", ".join(sorted(unknown)), allowed=", ".join(sorted(allowed))
                )
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": MESSAGE_REASON_REQUIRED})
    _check_comment(reason, "reason")
    target = model.objects.get(pk=target.pk)
    _refuse_unless_published_claim(target)
    if isinstance(target, Excerpt):
        changes = source_services.with_implied_voice(target, changes)
    added = _added_evidence(target, changes.pop(ADD_EVIDENCE, None))
    removed = _removed_evidence(target, changes.pop(REMOVE_EVIDENCE, None))
    values = {name: _validated(model, name, value) for name, value in changes.items()}
    changed = changed_fields(target, values)
    _check_record(target, changed)
    if isinstance(target, Speaker) and "affiliation" in changed:
        refuse_affiliation_loop(speaker=target, affiliation=changed["affiliation"])
    if added:
        changed[ADD_EVIDENCE] = added
    if removed:
        changed[REMOVE_EVIDENCE] = removed
    if not changed:
        raise ValidationError(MESSAGE_NOTHING_TO_CHANGE)
    request = ChangeRequest(
        target_model=model._meta.label_lower,
        target_id=target.pk,
        target_label=str(target)[:300],
        changes={name: _stored(value) for name, value in changed.items()},
        previous={
            name: None if name in EVIDENCE_CHANGES else _stored(getattr(target, name))
            for name in changed
        },
        reason=reason.strip(),
        proposed_by=by,
    )
    request.full_clean()
    save_with_history(request, by=by)
    return request


def _refuse_unless_published_claim(target) -> None:
    """A claim is corrected by a change request only while it is published: a draft is edited
    directly (by its editors, who then cannot publish it), and a withdrawn or rejected claim is
    not changed at all."""
    claim = target if isinstance(target, Claim) else getattr(target, "claim", None)
    if isinstance(target, (Claim, Evidence)) and claim.review_state != ReviewState.PUBLISHED:
        raise WorkflowError(
            MESSAGE_CLAIM_NOT_PUBLISHED.format(state=ReviewState(claim.review_state).label.lower())
        )


def _validated(model, name: str, value):
    """A proposed value as the field holds it: a record for a reference, a date for a date."""
    if isinstance(value, models.Model) or value is None:
        return value
    field = model._meta.get_field(name)
    if field.is_relation:
        found = field.related_model.objects.filter(pk=value).first() if _is_id(value) else None
        if found is None:
            raise ValidationError({name: f"No {field.related_model._meta.verbose_name} {value!r}."})
        return found
    if isinstance(field, (models.CharField, models.TextField)) and not isinstance(value, str):
        raise ValidationError({name: "Send this field as text in quotes."})
    if isinstance(value, (dict, list, bool)):
        raise ValidationError({name: f"Not a valid value for {field.verbose_name}."})
    try:
        return field.to_python(value)
    except (TypeError, ValueError, ValidationError) as error:
        raise ValidationError({name: f"Not a valid value for {field.verbose_name}."}) from error


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_record(target, changed: dict) -> None:
    """Validate the record as it would be after the change, so that approval cannot fail on it."""
    candidate = copy.copy(target)
    for name, value in changed.items():
        setattr(candidate, name, value)
    candidate.full_clean(exclude=["sha256"] if isinstance(target, Source) else None)


def _added_evidence(target, added) -> dict | None:
    """A quote to add to a published claim, checked now so that approval cannot fail on it."""
    if added is None:
        return None
    if not isinstance(target, Claim):
        raise ValidationError({"changes": "Only a claim's change can add evidence."})
    if not isinstance(added, dict) or "excerpt" not in added or "stance" not in added:
        raise ValidationError({"changes": MESSAGE_ADD_EVIDENCE_SHAPE})
    excerpt, stance = added["excerpt"], added["stance"]
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Stance must be one of: {', '.join(Stance.values)}."})
    excerpt_id = excerpt.pk if isinstance(excerpt, models.Model) else excerpt
    if not _is_id(excerpt_id) or not Excerpt.objects.filter(pk=excerpt_id).exists():
        raise ValidationError({"changes": f"No excerpt {excerpt_id!r}."})
    if target.evidence.filter(excerpt_id=excerpt_id).exists():
        raise ValidationError("This quote is already evidence for the claim.")
    note = added.get("note", "")
    if not isinstance(note, str):
        raise ValidationError({"changes": MESSAGE_ADD_EVIDENCE_SHAPE})
    _check_comment(note, "changes")
    return {"excerpt": excerpt_id, "stance": stance, "note": note}


def _removed_evidence(target, removed) -> dict | None:
    """A quote to take from a published claim's evidence, checked now."""
    if removed is None:
        return None
    if not isinstance(target, Claim):
        raise ValidationError({"changes": "Only a claim's change can remove evidence."})
    excerpt = removed.get("excerpt") if isinstance(removed, dict) else None
    excerpt_id = excerpt.pk if isinstance(excerpt, models.Model) else excerpt
    if not _is_id(excerpt_id) or not target.evidence.filter(excerpt_id=excerpt_id).exists():
        raise ValidationError({"changes": f"Excerpt {excerpt_id!r} is not evidence for the claim."})
    return {"excerpt": excerpt_id}


def _private_fields(model) -> set[str]:
    """Fields a change request may carry along with public ones (an edit touches both)."""
    editable = {
        Publisher: source_services.PUBLISHER_FIELDS,
        Speaker: source_services.SPEAKER_FIELDS,
        Source: source_services.SOURCE_FIELDS,
        SourceItem: source_services.SOURCE_ITEM_FIELDS,
        Excerpt: source_services.EXCERPT_FIELDS,
        Dispute: claim_services.DISPUTE_FIELDS,
        Claim: (*claim_services.CLAIM_CONTENT_FIELDS, *EVIDENCE_CHANGES),
        Evidence: ("stance", "note"),
    }
    return set(editable[model])


def _decide(change: ChangeRequest, by, comment: str) -> ChangeRequest:
    current = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if not by.has_perm(REVIEW_PERMISSION):
        raise NotAllowed(MESSAGE_NO_PERMISSION)
    if current.state != ChangeRequest.State.PENDING:
        raise WorkflowError(MESSAGE_NOT_PENDING.format(state=current.get_state_display().lower()))
    if current.proposed_by_id == by.pk:
        raise NotAllowed(MESSAGE_OWN_CHANGE)
    _check_comment(comment, "comment")
    return current


@transaction.atomic
def change_approve(*, change: ChangeRequest, by: Actor, comment: str = "") -> ChangeRequest:
    """Apply a proposed change as another reviewer, and put it on every touched claim's record."""
    current = _decide(change, by, comment)
    model = current.target_class
    target = model.objects.select_for_update().filter(pk=current.target_id).first()
    if target is None:
        raise WorkflowError(MESSAGE_TARGET_GONE)
    _refuse_if_changed_since_proposed(current, target)
    touched_before = published_claim_ids(target)
    try:
        values = {
            name: value if name in EVIDENCE_CHANGES else _validated(model, name, value)
            for name, value in current.changes.items()
        }
    except ValidationError as gone:
        raise WorkflowError(MESSAGE_REFERENCE_GONE) from gone
    current.state = ChangeRequest.State.APPROVED
    current.decided_by, current.decided_at, current.comment = by, timezone.now(), comment.strip()
    try:
        APPLY[model](
            target, by=by, approval=current, reason=f"correction: {current.reason}", **values
        )
    except ObjectDoesNotExist as gone:
        raise WorkflowError(MESSAGE_REFERENCE_GONE) from gone
    save_with_history(current, by=by, reason="approved")
    _record_on_claims(touched_before | published_claim_ids(target), current, by)
    return current


def _refuse_if_changed_since_proposed(change: ChangeRequest, target) -> None:
    """The reviewer approves what they saw: if the record moved on since, nothing is applied."""
    for name, then in change.previous.items():
        if name in EVIDENCE_CHANGES:
            continue
        now = _stored(getattr(target, name))
        if now != then:
            raise EditConflict(MESSAGE_CHANGED_SINCE.format(field=name, then=then, now=now))
    added = change.changes.get(ADD_EVIDENCE)
    if added and target.evidence.filter(excerpt_id=added["excerpt"]).exists():
        raise EditConflict(MESSAGE_ALREADY_EVIDENCE)
    removed = change.changes.get(REMOVE_EVIDENCE)
    if removed and not target.evidence.filter(excerpt_id=removed["excerpt"]).exists():
        raise EditConflict(MESSAGE_ALREADY_REMOVED)


@transaction.atomic
def change_reject(*, change: ChangeRequest, by: Actor, comment: str) -> ChangeRequest:
    current = _decide(change, by, comment)
    if not comment.strip():
        raise ValidationError({"comment": "Say why the change is rejected."})
    current.state = ChangeRequest.State.REJECTED
    current.decided_by, current.decided_at, current.comment = by, timezone.now(), comment.strip()
    save_with_history(current, by=by, reason="rejected")
    return current


def _record_on_claims(claim_ids: set[int], change: ChangeRequest, by) -> None:
    """Every claim readers see that the change touches (published, or a withdrawn claim's
    tombstone): a new version, a history row and an event on its review timeline."""
    now = timezone.now()
    claims = list(
        Claim.objects.select_for_update()
        .filter(pk__in=claim_ids, review_state__in=SHOWN_STATES)
        .order_by("pk")
    )
    for claim in claims:
        claim.version += 1
        claim.updated_at = now
    bulk_update_with_history(
        claims,
        Claim,
        ["version", "updated_at"],
        default_user=by,
        default_change_reason=change_reason(f"correction approved: {change.reason}"),
    )
    fields = ", ".join(
        "evidence (a quote added)" if name == ADD_EVIDENCE else name
        for name in sorted(change.changes)
    )
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            claim=claim,
            action=ReviewAction.CORRECT,
            from_state=claim.review_state,
            to_state=claim.review_state,
            actor=by,
            actor_name=by.get_username(),
            comment=f"{fields} of {change.target_label} corrected: {change.reason}",
        )
        for claim in claims
    )
