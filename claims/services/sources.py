"""Writes to what the ledger quotes: publishers, speakers, sources, their items and excerpts.

Each is keyword-only and atomic, names its acting user on the history row, recomputes the status
of every claim whose rule inputs it changes (a source's publisher, a publisher's "part of", an
excerpt's speaker), and refuses to change what readers see of published claims unless an approved
change request is being applied (`approval`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from claims.choices import SourceKind, SpeakerKind, VoiceKind
from claims.models import ChangeRequest, Excerpt, Publisher, Source, SourceItem, Speaker
from claims.rules import anchoring, typed_text
from claims.services.common import (
    Actor,
    changed_fields,
    delete_with_history,
    insert_with_free_slug,
    refuse_unknown_fields,
    save_with_history,
    unique_slug,
)
from claims.services.publicity import apply_edit, claims_showing
from claims.services.statuses import claim_statuses_refresh
from claims.services.voices import lock_voices, refuse_affiliation_loop, voice_roots_refresh

MESSAGE_SPANS_ITEMS = (
    "This quote runs across two items of the source ({first} and {second}); "
    "quote each item separately so that each quote keeps its own date."
)
MESSAGE_CROSSES_ITEM = (
    "This quote (characters {start}–{end}) begins before the item “{heading}”, which starts at "
    "character {item_start}, and runs into it; quote the words before the item and the item's "
    "own words separately, so that each quote keeps its own date."
)
MESSAGE_ITEMS_FROZEN = (
    "Items divide a source before it is quoted: {count} excerpt(s) already quote this one, each "
    "dated by the item it lies in, and a new boundary would move them. Mark the items first, or "
    "ingest the page again as a new source."
)
MESSAGE_TEXT_FROZEN = (
    "This source's text cannot change: {count} excerpt(s) quote it at fixed character offsets, "
    "and changing the text would make them say something the source no longer says. "
    "Ingest the new version as a new source instead."
)

PUBLISHER_FIELDS = ("name", "slug", "url", "description", "part_of", "organisation")
SPEAKER_FIELDS = ("name", "slug", "kind", "description", "affiliation")
# Changing these moves whose voice a quote counts as, or how the reason names it.
VOICE_FIELDS = {"name", "part_of", "organisation", "affiliation"}
SOURCE_FIELDS = (
    "title",
    "slug",
    "publisher",
    "author",
    "url",
    "published_on",
    "dating_note",
    "kind",
    "language",
    "text",
    "original_filename",
)
SOURCE_ITEM_FIELDS = ("heading", "published_on", "kind")
EXCERPT_FIELDS = ("speaker", "voice", "via")


# -- publishers ---------------------------------------------------------------------------------


@transaction.atomic
def publisher_create(
    *,
    name: str,
    by: Actor,
    slug: str = "",
    url: str = "",
    description: str = "",
    part_of: Publisher | None = None,
    organisation: Speaker | None = None,
) -> Publisher:
    publisher = Publisher(
        name=name,
        slug=slug or unique_slug(Publisher, name),
        url=url,
        description=description,
        part_of=part_of,
        organisation=organisation,
    )
    insert_with_free_slug(publisher, by=by, slug_from=None if slug else name, exclude=[])
    voice_roots_refresh(by=by, reason=f"new publisher {publisher.slug}")
    publisher.refresh_from_db(fields=["voice_root", "voice_root_name"])
    return publisher


@transaction.atomic
def publisher_for(*, name_or_slug: str, by: Actor) -> Publisher:
    """The publisher with this slug or this name, or a new independent one with this name.

    Found by name too: the same outlet named twice must not become two "independent" voices.
    """
    existing = (
        Publisher.objects.filter(slug=name_or_slug).first()
        or Publisher.objects.filter(slug=slugify(name_or_slug)).first()
        or Publisher.objects.filter(name__iexact=name_or_slug).order_by("pk").first()
    )
    return existing or publisher_create(name=name_or_slug, by=by)


@transaction.atomic
def publisher_update(
    *,
    publisher: Publisher,
    by: Actor,
    approval: ChangeRequest | None = None,
    reason: str = "",
    **changes,
):
    """Change a publisher. Changing what it is part of or whose voice it is changes who counts
    as independent, so every claim quoting it or its outlets has its status recomputed, in this
    transaction."""
    refuse_unknown_fields(changes, PUBLISHER_FIELDS)
    lock_voices()
    current = Publisher.objects.select_for_update().get(pk=publisher.pk)
    changed = apply_edit(current, changes, by=by, approval=approval, reason=reason)
    if VOICE_FIELDS & set(changed):
        voice_roots_refresh(by=by, reason=_voice_moved(current, changed))
        current.refresh_from_db(fields=["voice_root", "voice_root_name"])
    return current


def _voice_moved(voice: Publisher | Speaker, changed: dict) -> str:
    """Why statuses moved, as their history rows say it."""
    kind = voice._meta.model_name
    if "part_of" in changed:
        return f"{kind} {voice.slug} is now part of {voice.part_of or 'no other'}"
    if "organisation" in changed:
        return f"{kind} {voice.slug} now speaks for {voice.organisation or 'itself'}"
    if "affiliation" in changed:
        return f"{kind} {voice.slug} now belongs to {voice.affiliation or 'no organisation'}"
    return f"{kind} {voice.slug} is now named {voice.name}"


@transaction.atomic
def publisher_delete(*, publisher: Publisher, by: Actor) -> None:
    """Delete a publisher no source belongs to (the database refuses otherwise)."""
    delete_with_history(publisher, by=by)


# -- speakers -----------------------------------------------------------------------------------


@transaction.atomic
def speaker_create(
    *,
    name: str,
    by: Actor,
    slug: str = "",
    kind: str = SpeakerKind.PERSON,
    description: str = "",
    affiliation: Speaker | None = None,
) -> Speaker:
    speaker = Speaker(
        name=name,
        slug=slug or unique_slug(Speaker, name),
        kind=kind,
        description=description,
        affiliation=affiliation,
    )
    insert_with_free_slug(speaker, by=by, slug_from=None if slug else name, exclude=[])
    voice_roots_refresh(by=by, reason=f"new speaker {speaker.slug}")
    speaker.refresh_from_db(fields=["voice_root", "voice_root_name"])
    return speaker


@transaction.atomic
def speaker_update(
    *,
    speaker: Speaker,
    by: Actor,
    approval: ChangeRequest | None = None,
    reason: str = "",
    **changes,
):
    """Change a speaker. A new affiliation is refused if it would close a loop; it, or a new
    name, moves the voices of the speaker and its members, and the statuses that follow."""
    refuse_unknown_fields(changes, SPEAKER_FIELDS)
    lock_voices()
    current = Speaker.objects.select_for_update().get(pk=speaker.pk)
    if "affiliation" in changes:
        refuse_affiliation_loop(speaker=current, affiliation=changes["affiliation"])
    changed = apply_edit(current, changes, by=by, approval=approval, reason=reason)
    if VOICE_FIELDS & set(changed):
        voice_roots_refresh(by=by, reason=_voice_moved(current, changed))
        current.refresh_from_db(fields=["voice_root", "voice_root_name"])
    return current


@transaction.atomic
def speaker_delete(*, speaker: Speaker, by: Actor) -> None:
    delete_with_history(speaker, by=by)


# -- sources ------------------------------------------------------------------------------------


@transaction.atomic
def source_create(
    *,
    title: str,
    text: str,
    publisher: Publisher,
    by: Actor,
    slug: str = "",
    kind: str = SourceKind.NEWS_ARTICLE,
    language: str = "en",
    author: str = "",
    url: str = "",
    published_on: date | None = None,
    dating_note: str = "",
    original_filename: str = "",
) -> Source:
    """Ingest a document. Its text is stored as given, with its SHA-256, except that line ends
    are stored as \\n (`typed_text.with_normalised_line_ends`): a browser drops the \\r of
    text pasted from Windows, and every position it reports would drift."""
    source = Source(
        title=title,
        text=typed_text.with_normalised_line_ends(text),
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
    insert_with_free_slug(source, by=by, slug_from=None if slug else title, exclude=["sha256"])
    return source


def lock_source(source: Source) -> Source:
    """The source's row, locked until the transaction ends.

    A text change and an excerpt's creation both take this lock, so an excerpt can never be cut
    from a text that is being replaced (on PostgreSQL they would otherwise interleave).
    """
    return Source.objects.select_for_update().get(pk=source.pk)


@transaction.atomic
def source_update(
    *, source: Source, by: Actor, approval: ChangeRequest | None = None, reason: str = "", **changes
) -> Source:
    """Change a source's metadata, or the text of a source no excerpt quotes yet.

    Changing its publisher changes who vouches for its quotes: every claim quoting it has its
    status recomputed.
    """
    refuse_unknown_fields(changes, SOURCE_FIELDS)
    if "text" in changes:
        changes = {**changes, "text": typed_text.with_normalised_line_ends(changes["text"])}
    current = lock_source(source)
    if "text" in changes and changes["text"] != current.text:
        quoted = current.excerpts.count()
        if quoted:
            raise ValidationError(MESSAGE_TEXT_FROZEN.format(count=quoted))
    changed = apply_edit(
        current, changes, by=by, approval=approval, reason=reason, exclude=["sha256"]
    )
    if "publisher" in changed:
        claim_statuses_refresh(
            claim_ids=claims_showing(current),
            by=by,
            reason=f"source {current.slug} is now published by {current.publisher.slug}",
        )
    return current


@transaction.atomic
def source_delete(*, source: Source, by: Actor) -> None:
    """Delete a source no excerpt quotes (the database refuses otherwise)."""
    delete_with_history(lock_source(source), by=by)


@transaction.atomic
def source_item_add(
    *,
    source: Source,
    heading: str,
    by: Actor,
    published_on: date | None = None,
    kind: str = "",
    after: int = 0,
) -> SourceItem:
    """Mark where a dated item of a bundled page begins: at its heading, at or after `after`.

    The item runs to the start of the next item, or to the end of the text; adding an item
    shortens the one before it.
    """
    source = lock_source(source)
    quoted = source.excerpts.count()
    if quoted:
        raise ValidationError(MESSAGE_ITEMS_FROZEN.format(count=quoted))
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
    save_with_history(item, by=by)
    for previous in source.items.filter(start__lt=position, end__gt=position):
        previous.end = position
        save_with_history(previous, by=by, reason="shortened by a new item", update_fields=["end"])
    return item


@transaction.atomic
def source_item_update(
    *,
    item: SourceItem,
    by: Actor,
    approval: ChangeRequest | None = None,
    reason: str = "",
    **changes,
) -> SourceItem:
    """Change an item's heading, date or kind (its boundaries follow from the text)."""
    refuse_unknown_fields(changes, SOURCE_ITEM_FIELDS)
    current = SourceItem.objects.select_for_update().get(pk=item.pk)
    apply_edit(current, changes, by=by, approval=approval, reason=reason)
    return current


# -- excerpts -----------------------------------------------------------------------------------


def excerpt_create(
    *,
    source: Source,
    quote: str,
    by: Actor,
    speaker: Speaker | None = None,
    voice: str | None = None,
    via: Speaker | None = None,
    near: int | None = None,
    prefix: str | None = None,
) -> Excerpt:
    """Cut an excerpt out of `source` from a quote an editor typed, pasted or selected.

    The quote is anchored (exactly, or allowing typographic variants); what is stored is the
    source's own text at the offsets found. The voice is whose assertion the words are: without
    one, the publisher's own if no speaker is named, else the speaker's, quoted directly. The
    same span quoted twice is the same excerpt; a different voice for it is a change of
    attribution (`excerpt_update`), under its rules.
    Raises `anchoring.AnchoringError` (with the nearest real passage) or `ValidationError`.
    """
    # An existing quote keeps its voice unless one is given; a new one gets the default.
    restated = {"speaker": speaker, "voice": voice, "via": via} if voice else {"speaker": speaker}
    default_voice = VoiceKind.QUOTE if speaker is not None else VoiceKind.OWN
    attribution = {"speaker": speaker, "voice": voice or default_voice, "via": via}

    def anchored_in(text: str) -> anchoring.Anchor:
        return anchoring.anchor(text, quote, near=near, prefix=prefix)

    # Anchored before the transaction opens: a quote that misses costs a nearest-passage search,
    # and no writer should wait for it (SQLite takes its write lock when a transaction begins).
    found = anchored_in(source.text)
    return _excerpt_save(
        source=source,
        found=(source.text, found),
        anchored_in=anchored_in,
        attribution=attribution,
        restated=restated if speaker is not None or voice else {},
        by=by,
    )


@transaction.atomic
def _excerpt_save(
    *,
    source: Source,
    found: tuple[str, anchoring.Anchor],
    anchored_in: Callable[[str], anchoring.Anchor],
    attribution: dict,
    restated: dict,
    by: Actor,
) -> Excerpt:
    """Store the anchored excerpt under the source's lock; `restated` is the attribution a
    caller gave for a quote that may already exist (empty: keep what it has)."""
    text, found = found
    source = lock_source(source)
    # A quoted text never changes; the lock confirms this one did not change since anchoring.
    if source.text != text:
        found = anchored_in(source.text)
    item = _item_holding(source, found.start, found.end)
    excerpt = Excerpt.objects.filter(source=source, start=found.start, end=found.end).first()
    if excerpt is None:
        excerpt = Excerpt(
            source=source,
            start=found.start,
            end=found.end,
            text=found.exact,
            prefix=found.prefix,
            suffix=found.suffix,
            item=item,
            **attribution,
        )
        excerpt.full_clean()
        save_with_history(excerpt, by=by)
    elif restated and changed_fields(excerpt, restated):
        excerpt = excerpt_update(excerpt=excerpt, by=by, **restated)
    return excerpt


def _item_holding(source: Source, start: int, end: int) -> SourceItem | None:
    """The item the span lies in (None before the first item); a span that crosses an item's
    boundary is refused, naming it, since its words would carry the wrong date."""
    items = list(source.items.filter(start__lt=end, end__gt=start).order_by("start"))
    if len(items) > 1:
        raise ValidationError(
            MESSAGE_SPANS_ITEMS.format(
                first=f"{items[0].heading} ({items[0].start}–{items[0].end})",
                second=f"{items[1].heading} ({items[1].start}–{items[1].end})",
            )
        )
    if items and not (items[0].start <= start and end <= items[0].end):
        item = items[0]
        raise ValidationError(
            MESSAGE_CROSSES_ITEM.format(
                start=start, end=end, heading=item.heading, item_start=item.start
            )
        )
    return items[0] if items else None


@transaction.atomic
def excerpt_update(
    *,
    excerpt: Excerpt,
    by: Actor,
    approval: ChangeRequest | None = None,
    reason: str = "",
    **changes,
) -> Excerpt:
    """Change whose words a quote reports (its voice, speaker, intermediary). Its text and
    offsets never change. A new speaker alone implies the voice (`with_implied_voice`)."""
    refuse_unknown_fields(changes, EXCERPT_FIELDS)
    current = Excerpt.objects.select_for_update().get(pk=excerpt.pk)
    changes = with_implied_voice(current, changes)
    changed = apply_edit(current, changes, by=by, approval=approval, reason=reason)
    if {"speaker", "voice"} & set(changed):
        claim_statuses_refresh(
            claim_ids=claims_showing(current),
            by=by,
            reason=f"excerpt {current.pk} now reports {current.speaker} ({current.voice})"
            if current.is_reported
            else f"excerpt {current.pk} is now its publisher's own reporting",
        )
    return current


def with_implied_voice(excerpt: Excerpt, changes: dict) -> dict:
    """A change of speaker that names no voice implies one: naming a speaker for the publisher's
    own words makes them that speaker's direct quote; removing the speaker makes reported words
    the publisher's own (and drops the intermediary). An explicit voice is kept as given."""
    if "speaker" not in changes or "voice" in changes:
        return changes
    if changes["speaker"] is None:
        return {**changes, "voice": VoiceKind.OWN, "via": None}
    if excerpt.voice == VoiceKind.OWN:
        return {**changes, "voice": VoiceKind.QUOTE}
    return changes


@transaction.atomic
def excerpt_delete(*, excerpt: Excerpt, by: Actor) -> None:
    """Delete an excerpt no evidence uses (the database refuses otherwise)."""
    delete_with_history(excerpt, by=by)
