"""What readers can see: the one place that says which material is public, whose claims a change
to it touches, and how an edit is applied under that rule (a public field changes only through
an approved change request)."""

from __future__ import annotations

from django.db.models import Q

from claims.choices import ReviewState
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    Source,
    SourceItem,
    Speaker,
)
from claims.services.common import Actor, NeedsReview, changed_fields, save_with_history
from claims.services.voices import members_of

# The fields of each kind of record that readers see on a published claim, its dispute, its
# quotes and their sources.
PUBLIC_FIELDS = {
    Publisher: ("name", "slug", "url", "part_of", "organisation"),
    Speaker: ("name", "slug", "kind", "description", "affiliation"),
    Source: (
        "title",
        "slug",
        "publisher",
        "author",
        "url",
        "published_on",
        "dating_note",
        "kind",
        "language",
    ),
    SourceItem: ("heading", "published_on", "kind"),
    Excerpt: ("speaker", "voice", "via"),
    Dispute: ("question", "slug", "summary"),
    Claim: ("text", "slug", "dispute", "speaker"),
    Evidence: ("stance", "note"),
}

MESSAGE_NEEDS_REVIEW = (
    "{what} is part of what readers see of {count} published claim(s), so a change to its "
    "{fields} must be approved by another reviewer. Propose the change with the reason readers "
    "will see (the desk's edit form, or the API's changes/); nothing was changed."
)


def touched_claims(instance) -> Q:
    """A condition on claims that shows `instance` to readers."""
    if isinstance(instance, Claim):
        return Q(pk=instance.pk)
    if isinstance(instance, Evidence):
        return Q(pk=instance.claim_id)
    if isinstance(instance, Dispute):
        return Q(dispute=instance)
    if isinstance(instance, Speaker):
        # Its members' claims and quotes too: their voice passes through it.
        speakers, publishers = members_of(speaker=instance)
        return (
            Q(speaker__in=speakers)
            | Q(evidence__excerpt__speaker__in=speakers)
            | Q(evidence__excerpt__via=instance)
            | Q(evidence__excerpt__source__publisher__in=publishers)
        )
    if isinstance(instance, Excerpt):
        return Q(evidence__excerpt=instance)
    if isinstance(instance, SourceItem):
        return Q(evidence__excerpt__item=instance)
    if isinstance(instance, Source):
        return Q(evidence__excerpt__source=instance)
    if isinstance(instance, Publisher):
        _, publishers = members_of(publisher=instance)
        return Q(evidence__excerpt__source__publisher__in=publishers)
    raise TypeError(f"{type(instance).__name__} is not ledger material")


# Claims readers see: published ones, and withdrawn ones, whose tombstones (and their quotes, in
# an API sync) stay public.
SHOWN_STATES = (ReviewState.PUBLISHED, ReviewState.WITHDRAWN)


def claims_showing(instance) -> set[int]:
    """The ids of every claim, in any state, that shows `instance` (the claims whose status a
    change to it can move)."""
    return set(Claim.objects.filter(touched_claims(instance)).values_list("pk", flat=True))


def published_claim_ids(instance) -> set[int]:
    """The published (or withdrawn, still shown) claims that show `instance` to readers."""
    if instance.pk is None:
        return set()
    claims = Claim.objects.filter(touched_claims(instance)).filter(review_state__in=SHOWN_STATES)
    return set(claims.values_list("pk", flat=True))


def is_public(instance) -> bool:
    if isinstance(instance, Dispute):
        return instance.review_state == ReviewState.PUBLISHED
    if isinstance(instance, Claim):
        return instance.review_state != ReviewState.DRAFT
    if isinstance(instance, Evidence):
        return instance.claim.review_state != ReviewState.DRAFT
    return bool(published_claim_ids(instance))


def approves(approval: ChangeRequest | None, instance) -> bool:
    """Is `approval` an approved change to this very record (or to the claim it belongs to)?"""
    if approval is None or approval.state != ChangeRequest.State.APPROVED:
        return False
    records = {(instance._meta.label_lower, instance.pk)}
    if isinstance(instance, Evidence):
        records.add((Claim._meta.label_lower, instance.claim_id))
    if isinstance(instance, Claim) and approval.target_model == Evidence._meta.label_lower:
        return Evidence.objects.filter(pk=approval.target_id, claim_id=instance.pk).exists()
    return (approval.target_model, approval.target_id) in records


def refuse_unreviewed_public_change(
    instance, changes: dict, *, approval: ChangeRequest | None
) -> None:
    """Raise `NeedsReview` when `changes` alter public fields of public material and no approved
    change request is being applied."""
    public = sorted(set(changes) & set(PUBLIC_FIELDS[type(instance)]))
    if approves(approval, instance) or not public or not is_public(instance):
        return
    what = f"{instance._meta.verbose_name.capitalize()} “{instance}”"
    raise NeedsReview(
        MESSAGE_NEEDS_REVIEW.format(
            what=what,
            count=max(1, len(published_claim_ids(instance))),
            fields=", ".join(instance._meta.get_field(f).verbose_name for f in public),
        )
    )


def apply_edit(
    instance, changes: dict, *, by: Actor, approval: ChangeRequest | None, reason: str, exclude=()
) -> dict:
    """Set and save the fields that differ, under the public-material rule; return them."""
    changed = changed_fields(instance, changes)
    if not changed:
        return {}
    refuse_unreviewed_public_change(instance, changed, approval=approval)
    for name, value in changed.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    save_with_history(instance, by=by, reason=reason or f"changed: {', '.join(sorted(changed))}")
    return changed
