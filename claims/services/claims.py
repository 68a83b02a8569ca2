"""Writes with side effects: each a keyword-only function, atomic, validated before it saves.

The admin, the API, the seed loader and the ingest command all write through here, so the rules
(quotes are anchored, statuses follow evidence, text is frozen once quoted) hold whatever the door.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
    Stance,
)
from claims.rules import anchoring
from claims.services.statuses import computed_statuses
from claims.services.workflow import WorkflowError, check_version


class NotEditable(WorkflowError):
    """The claim is past the draft stage; its content is frozen."""


MESSAGE_SPANS_ITEMS = (
    "This quote runs across two items of the source ({first} and {second}); "
    "quote each item separately so that each quote keeps its own date."
)


def unique_slug(model, text: str, *, max_length: int = 80) -> str:
    """A slug for `text` that no row of `model` uses yet."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


# How many times a new row looks for a free slug when others keep taking the one it chose.
SLUG_ATTEMPTS = 3


def _insert_with_free_slug(instance, *, slug_from: str | None, exclude: list[str]) -> None:
    """Validate and insert a new row; `slug_from` is the text its slug was made from, if any.

    Choosing a free slug and inserting the row are two statements, and on PostgreSQL someone
    saving the same words at the same moment can take the slug in between: then the next free
    one is taken, instead of failing the save with a database error. A slug the caller gave is
    checked and kept as it is.
    """
    model = type(instance)
    instance.full_clean(exclude=exclude if slug_from is None else [*exclude, "slug"])
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            taken = model.objects.filter(slug=instance.slug).exists()
            if slug_from is None or not taken or attempt == SLUG_ATTEMPTS:
                raise
            instance.slug = unique_slug(model, slug_from)


@transaction.atomic
def publisher_for(name_or_slug: str) -> Publisher:
    """The publisher with this slug, or a new independent one with this name."""
    existing = Publisher.objects.filter(slug=name_or_slug).first()
    if existing:
        return existing
    publisher = Publisher(name=name_or_slug, slug=unique_slug(Publisher, name_or_slug))
    publisher.full_clean()
    publisher.save()
    return publisher


@transaction.atomic
def source_create(
    *,
    title: str,
    text: str,
    publisher: Publisher,
    slug: str = "",
    kind: str = Source.Kind.NEWS_ARTICLE,
    language: str = "en",
    author: str = "",
    url: str = "",
    published_on: date | None = None,
    dating_note: str = "",
    original_filename: str = "",
) -> Source:
    """Ingest a document. Its text is stored exactly as given, with its SHA-256."""
    source = Source(
        title=title,
        text=text,
        publisher=publisher,
        slug=slug or unique_slug(Source, title),
        kind=kind,
        language=language,
        author=author,
        url=url,
        published_on=published_on,
        dating_note=dating_note,
        original_filename=original_filename,
    )
    _insert_with_free_slug(source, slug_from=None if slug else title, exclude=["sha256"])
    return source


@transaction.atomic
def source_item_add(
    *,
    source: Source,
    heading: str,
    published_on: date | None = None,
    kind: str = "",
    after: int = 0,
) -> SourceItem:
    """Mark where a dated item of a bundled page begins: at its heading, at or after `after`.

    The item runs to the start of the next item, or to the end of the text; adding an item
    shortens the one before it.
    """
    position = source.text.find(heading, after)
    if position == -1:
        anchored = anchoring.anchor(source.text[after:], heading)
        position = after + anchored.start
    following = source.items.filter(start__gt=position).order_by("start").first()
    item = SourceItem(
        source=source,
        heading=heading,
        published_on=published_on,
        kind=kind,
        start=position,
        end=following.start if following else len(source.text),
    )
    item.full_clean()
    item.save()
    for previous in source.items.filter(start__lt=position, end__gt=position):
        previous.end = position
        previous.save(update_fields=["end"])
    return item


@transaction.atomic
def excerpt_create(
    *,
    source: Source,
    quote: str,
    speaker: Speaker | None = None,
    near: int | None = None,
    prefix: str | None = None,
) -> Excerpt:
    """Cut an excerpt out of `source` from a quote an editor typed, pasted or selected.

    The quote is anchored (exactly, or allowing typographic variants); what is stored is the
    source's own text at the offsets found. The same span quoted twice is the same excerpt.
    Raises `anchoring.AnchoringError` (with the nearest real passage) or `ValidationError`.
    """
    found = anchoring.anchor(source.text, quote, near=near, prefix=prefix)
    item = _item_holding(source, found.start, found.end)
    excerpt, created = Excerpt.objects.get_or_create(
        source=source,
        start=found.start,
        end=found.end,
        defaults={
            "text": found.exact,
            "prefix": found.prefix,
            "suffix": found.suffix,
            "item": item,
            "speaker": speaker,
        },
    )
    if not created and speaker is not None and excerpt.speaker_id != speaker.pk:
        excerpt.speaker = speaker
        excerpt.save(update_fields=["speaker"])
    return excerpt


def _item_holding(source: Source, start: int, end: int) -> SourceItem | None:
    items = list(source.items.filter(start__lt=end, end__gt=start).order_by("start"))
    if len(items) > 1:
        raise ValidationError(
            MESSAGE_SPANS_ITEMS.format(first=items[0].heading, second=items[1].heading)
        )
    return items[0] if items else None


MESSAGE_NOT_EDITABLE = "This claim is {state}, so it cannot be edited: only drafts can. {advice}"
_EDIT_ADVICE = {
    ReviewState.IN_REVIEW: "A reviewer can send it back for changes.",
    ReviewState.PUBLISHED: "Withdraw it and write a corrected claim, so readers see the change.",
    ReviewState.WITHDRAWN: "Write a new claim instead.",
    ReviewState.REJECTED: "Write a new claim instead.",
}
# The fields an editor writes; status, review state, version and timestamps follow from actions.
CLAIM_CONTENT_FIELDS = ("text", "slug", "dispute", "speaker")


def check_editable(claim: Claim, by) -> None:
    """Editors change drafts only. `by=None` is the curated seed loader, reviewed in its PR."""
    if by is not None and claim.review_state != ReviewState.DRAFT:
        state = ReviewState(claim.review_state)
        raise NotEditable(
            MESSAGE_NOT_EDITABLE.format(
                state=state.label.lower(), advice=_EDIT_ADVICE.get(state, "")
            )
        )


@transaction.atomic
def claim_create(
    *,
    text: str,
    dispute: Dispute | None = None,
    speaker: Speaker | None = None,
    slug: str = "",
    review_state: str = ReviewState.DRAFT,
    by=None,
) -> Claim:
    claim = Claim(
        text=text,
        dispute=dispute,
        speaker=speaker,
        slug=slug or unique_slug(Claim, text),
        review_state=review_state,
        published_at=timezone.now() if review_state == ReviewState.PUBLISHED else None,
        created_by=by,
        last_edited_by=by,
    )
    claim._history_user = by
    _insert_with_free_slug(claim, slug_from=None if slug else text, exclude=[])
    return claim


@transaction.atomic
def claim_update(*, claim: Claim, by, expected_version: int | None, **changes) -> Claim:
    """Change a draft claim's wording or links, refusing a save from a stale version."""
    unknown = set(changes) - set(CLAIM_CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields: {', '.join(sorted(unknown))}")
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version)
    check_editable(current, by)
    changed = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not changed:
        return current
    for name, value in changed.items():
        setattr(current, name, value)
    current.version += 1
    # Named on the history row too, also when no request is around to say who (a script, a test).
    current.last_edited_by = current._history_user = by
    current.full_clean()
    current.save()
    return current


def _record_evidence_change(claim: Claim, by, reason: str) -> None:
    """Evidence changed: the (locked) claim becomes a new version, with the status its evidence
    now gives it, saved with a history row that says what changed."""
    claim.status = computed_statuses([claim.pk])[claim.pk]
    claim.version += 1
    if by is not None:
        claim.last_edited_by = claim._history_user = by
    claim._change_reason = reason
    claim.save()


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    excerpt: Excerpt,
    stance: str,
    note: str = "",
    by=None,
    expected_version: int | None = None,
) -> Evidence:
    """Tie an excerpt to a claim, or change the stance of an existing tie; the status follows."""
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version)
    check_editable(current, by)
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Stance must be one of: {', '.join(Stance.values)}."})
    evidence = Evidence.objects.filter(claim=current, excerpt=excerpt).first()
    if evidence is None:
        evidence = Evidence(claim=current, excerpt=excerpt, stance=stance, note=note)
    elif (evidence.stance, evidence.note) == (stance, note):
        return evidence
    else:
        evidence.stance, evidence.note = stance, note
    evidence.full_clean()
    evidence.save()
    _record_evidence_change(current, by, f"evidence: excerpt {excerpt.pk} {stance} this claim")
    claim.refresh_from_db(fields=["status", "version", "last_edited_by", "updated_at"])
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by=None, expected_version: int | None = None) -> None:
    current = Claim.objects.select_for_update().get(pk=evidence.claim_id)
    check_version(current, expected_version)
    check_editable(current, by)
    evidence.delete()
    _record_evidence_change(current, by, f"evidence removed: excerpt {evidence.excerpt_id}")
