"""Writes with side effects: each a keyword-only function, atomic, validated before it saves.

The admin, the API, the seed loader and the ingest command all write through here, so the rules
(quotes are anchored, statuses follow evidence, text is frozen once quoted) hold whatever the door.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from claims import anchoring
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
from claims.status import refresh_statuses

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
    source.full_clean(exclude=["sha256"])
    source.save()
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
    source.items.filter(start__lt=position, end__gt=position).update(end=position)
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


@transaction.atomic
def claim_create(
    *,
    text: str,
    dispute: Dispute | None = None,
    speaker: Speaker | None = None,
    slug: str = "",
    review_state: str = ReviewState.DRAFT,
) -> Claim:
    claim = Claim(
        text=text,
        dispute=dispute,
        speaker=speaker,
        slug=slug or unique_slug(Claim, text),
        review_state=review_state,
        published_at=timezone.now() if review_state == ReviewState.PUBLISHED else None,
    )
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def evidence_add(*, claim: Claim, excerpt: Excerpt, stance: str, note: str = "") -> Evidence:
    """Tie an excerpt to a claim, or change the stance of an existing tie; the status follows."""
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Stance must be one of: {', '.join(Stance.values)}."})
    evidence = Evidence.objects.filter(claim=claim, excerpt=excerpt).first()
    if evidence is None:
        evidence = Evidence(claim=claim, excerpt=excerpt, stance=stance, note=note)
        evidence.full_clean()
        evidence.save()
    elif (evidence.stance, evidence.note) != (stance, note):
        evidence.stance, evidence.note = stance, note
        evidence.full_clean()
        evidence.save()
    refresh_statuses([claim.pk])
    claim.refresh_from_db(fields=["status"])
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence) -> None:
    claim_id = evidence.claim_id
    evidence.delete()
    refresh_statuses([claim_id])
