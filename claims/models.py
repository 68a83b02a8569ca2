"""The ledger's data: sources and the excerpts cut from them, claims and the evidence behind them.

Rules that span several rows (anchoring a quote, recomputing a status, publishing) live in
`claims.rules` and `claims.services`; models hold data, labels and the constraints a database
can enforce on its own.
"""

from __future__ import annotations

import hashlib
from functools import cached_property

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from claims.choices import (
    ClaimStatus,
    ReviewAction,
    ReviewState,
    SourceKind,
    SpeakerKind,
    Stance,
    VoiceKind,
)
from claims.querysets import (
    CONTESTED_AT,
    ChangeRequestQuerySet,
    ClaimQuerySet,
    DisputeQuerySet,
    EvidenceQuerySet,
    ExcerptQuerySet,
    SourceQuerySet,
    SpeakerQuerySet,
)
from claims.rules import anchoring, typed_text
from claims.rules import status as status_rule

__all__ = [
    "ChangeRequest",
    "Claim",
    "ClaimStatus",
    "DeskPreferences",
    "Dispute",
    "Evidence",
    "Excerpt",
    "Publisher",
    "ReviewEvent",
    "ReviewState",
    "Source",
    "SourceItem",
    "Speaker",
    "Stance",
    "VoiceKind",
]

MESSAGE_TEXT_FROZEN = (
    "This source's text cannot change: {count} excerpt(s) quote it at fixed character offsets, "
    "and changing the text would make them say something the source no longer says. "
    "Ingest the new version as a new source instead."
)
MESSAGE_NESTED_PUBLISHER = (
    "A publisher can be part of another, but not of one that is itself part of a third."
)
MESSAGE_PARENT_PUBLISHER = (
    "{count} outlet(s) are part of this publisher, so it cannot itself be part of another: "
    "independence is counted one level deep. Attach the outlets to the new parent instead."
)
MESSAGE_PART_AND_ORGANISATION = (
    "A publisher that is part of another speaks with its parent's voice: set the organisation "
    'on the parent, or leave "part of" empty.'
)
MESSAGE_OWN_VOICE_SPEAKER = (
    "The publisher's own reporting has no speaker: choose a quote, a paraphrase or a document's "
    "title as the voice, or leave the speaker empty."
)
MESSAGE_REPORTED_VOICE_SPEAKER = (
    "Reported words need their speaker: name whose words or position the publisher reports."
)
MESSAGE_VIA_WITHOUT_SPEAKER = (
    "An intermediary is the one through whom the publisher reports a speaker's words: it needs a "
    "reported voice."
)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LedgerModel(models.Model):
    """Each field's own validation, plus the rule for what stored text may contain.

    The rule (`claims.rules.typed_text`) is checked in `clean_fields`, which every write runs
    through `full_clean()`: the services, the seed loader and the admin's forms alike.
    """

    # Fields holding a source's own words, kept exactly as published (direction controls allowed).
    verbatim_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if field.name in (exclude or ()) or field.name in errors or not isinstance(value, str):
                continue
            found = typed_text.problems(value, verbatim=field.name in self.verbatim_fields)
            if isinstance(field, models.SlugField):
                found += typed_text.slug_problems(value)
            if found:
                errors[field.name] = found
        if errors:
            raise ValidationError(errors)


class Publisher(LedgerModel):
    """An outlet or organisation that publishes sources: The Moscow Times, a campaign, an NGO."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    part_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outlets",
        help_text=(
            "The outlet, campaign or owner this publisher belongs to. Publishers that are part of "
            "the same one are not independent: together they count as one voice for agreement."
        ),
    )
    organisation = models.ForeignKey(
        "Speaker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publishers",
        help_text=(
            "The organisation whose voice this publisher's own reporting is (a campaign's site "
            "speaks for the campaign's owner). It and its members then count as one voice."
        ),
    )
    voice_root = models.CharField(
        max_length=40,
        editable=False,
        blank=True,
        help_text="The voice its own reporting counts as (kept by claims.services.voices).",
    )
    voice_root_name = models.CharField(max_length=200, editable=False, blank=True)
    # The roots are derived from the affiliations, which have history of their own.
    history = HistoricalRecords(excluded_fields=["voice_root", "voice_root_name"])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.part_of_id and self.organisation_id:
            raise ValidationError({"organisation": MESSAGE_PART_AND_ORGANISATION})
        if self.part_of_id and (self.part_of_id == self.pk or self.part_of.part_of_id):
            raise ValidationError({"part_of": MESSAGE_NESTED_PUBLISHER})
        if self.part_of_id and self.pk and self.outlets.exists():
            count = self.outlets.count()
            raise ValidationError({"part_of": MESSAGE_PARENT_PUBLISHER.format(count=count)})


class Speaker(LedgerModel):
    """A person or body whose words or position a claim or a quote carries."""

    Kind = SpeakerKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    description = models.TextField(blank=True)
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=(
            "The organisation this speaker belongs to or speaks for. A speaker and their "
            "organisation are not independent: together they count as one voice."
        ),
    )
    voice_root = models.CharField(
        max_length=40,
        editable=False,
        blank=True,
        help_text="The voice this speaker counts as (kept by claims.services.voices).",
    )
    voice_root_name = models.CharField(max_length=200, editable=False, blank=True)
    # The roots are derived from the affiliations, which have history of their own.
    history = HistoricalRecords(excluded_fields=["voice_root", "voice_root_name"])

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("claims:speaker", kwargs={"slug": self.slug})


class Source(LedgerModel):
    """One document, with its full text exactly as ingested and the SHA-256 of that text."""

    Kind = SourceKind

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="sources")
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(
        null=True, blank=True, help_text="Leave empty when the document does not say."
    )
    dating_note = models.CharField(
        max_length=300, blank=True, help_text="How the date was established, or why it is unknown."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS_ARTICLE)
    language = models.CharField(max_length=16, default="en", help_text="A BCP 47 tag: en, ru, nb…")
    text = models.TextField(help_text="The full text, exactly as ingested. Frozen once quoted.")
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    original_filename = models.CharField(
        max_length=255, blank=True, help_text="The file this text was ingested from, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()
    verbatim_fields = ("text",)

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.refuse_text_change_if_quoted()
        self.sha256 = sha256_of(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:source", kwargs={"slug": self.slug})

    def get_text_url(self):
        """The text alone, as plain text: what excerpts' offsets count in."""
        return reverse("claims:source-text", kwargs={"slug": self.slug})

    def clean(self):
        self.refuse_text_change_if_quoted()

    def refuse_text_change_if_quoted(self):
        if self.pk is None:
            return
        stored_text = Source.objects.filter(pk=self.pk).values_list("text", flat=True).first()
        if stored_text is not None and stored_text != self.text:
            quoted = self.excerpts.count()
            if quoted:
                # Not tied to the "text" field: forms that show the text read-only must show it too.
                raise ValidationError(MESSAGE_TEXT_FROZEN.format(count=quoted))


class SourceItem(LedgerModel):
    """One dated item of a page that bundles several (a press-release listing, a news feed).

    A quote's date is its item's date: "60 officials" in 2011 and "44 names" in 2017 are
    different moments, not a contradiction.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    heading = models.CharField(max_length=500)
    published_on = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Source.Kind.choices, blank=True)
    start = models.PositiveIntegerField(help_text="Offset of the item's first character.")
    end = models.PositiveIntegerField(help_text="Offset just past the item's last character.")
    history = HistoricalRecords()
    # The heading is found in the source's text, so it is the source's own words.
    verbatim_fields = ("heading",)

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start"], name="item_unique_start"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="item_span"),
        ]

    def __str__(self):
        date = f" ({self.published_on:%-d %B %Y})" if self.published_on else ""
        return f"{typed_text.isolated(self.heading)}{date}"


class Excerpt(LedgerModel):
    """An exact span of one source's text: what the source says, at these offsets, word for word.

    Invariant: `source.text[start:end] == text`. Excerpts are made by `services.excerpt_create`,
    which finds the span with `anchoring.anchor`; `verify_ledger` re-checks every one.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="excerpts")
    item = models.ForeignKey(
        SourceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="excerpts"
    )
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="excerpts",
        help_text="Whose words the quote reports, when they are not the publisher's own.",
    )
    voice = models.CharField(
        max_length=12,
        choices=VoiceKind.choices,
        default=VoiceKind.OWN,
        help_text=(
            "Whose assertion the quoted words are: the publisher's own, or the speaker's, as a "
            "direct quote, a paraphrase or a document's title or description."
        ),
    )
    via = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relayed_excerpts",
        help_text="Who the publisher cites for the speaker's words, if anyone (a news agency).",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="The source's own words at these offsets.")
    prefix = models.CharField(max_length=64, blank=True, help_text="Text just before the quote.")
    suffix = models.CharField(max_length=64, blank=True, help_text="Text just after the quote.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ExcerptQuerySet.as_manager()
    verbatim_fields = ("text", "prefix", "suffix")

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start", "end"], name="excerpt_unique_span"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="excerpt_span"
            ),
            # The publisher's own words have no speaker; reported words always name theirs.
            models.CheckConstraint(
                condition=models.Q(voice=VoiceKind.OWN, speaker__isnull=True, via__isnull=True)
                | (~models.Q(voice=VoiceKind.OWN) & models.Q(speaker__isnull=False)),
                name="excerpt_voice_names_speaker",
            ),
        ]

    def __str__(self):
        quoted = typed_text.isolated(f"{self.text[:80]}{'…' if len(self.text) > 80 else ''}")
        return f"“{quoted}” ({self.source})"

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#excerpt-{self.pk}"

    @property
    def dated(self):
        """When the quoted words were published: their item's date, else the source's."""
        if self.item_id and self.item.published_on:
            return self.item.published_on
        return self.source.published_on

    @property
    def is_reported(self) -> bool:
        return self.voice != VoiceKind.OWN

    def voice_of(self) -> status_rule.Voice:
        """Whose assertion these words are, for the status rule (uses the related rows:
        `with_evidence()` selects them)."""
        publisher = self.source.publisher
        if not self.is_reported:
            return status_rule.Voice(
                root=publisher.voice_root,
                root_name=publisher.voice_root_name,
                publisher=publisher.name,
            )
        return status_rule.Voice(
            root=self.speaker.voice_root,
            root_name=self.speaker.voice_root_name,
            publisher=publisher.name,
            kind=self.voice,
            speaker=self.speaker.name,
            via=self.via.name if self.via_id else "",
        )

    def clean(self):
        if self.voice == VoiceKind.OWN and self.speaker_id:
            raise ValidationError({"speaker": MESSAGE_OWN_VOICE_SPEAKER})
        if self.voice != VoiceKind.OWN and not self.speaker_id:
            raise ValidationError({"speaker": MESSAGE_REPORTED_VOICE_SPEAKER})
        if self.voice == VoiceKind.OWN and self.via_id:
            raise ValidationError({"via": MESSAGE_VIA_WITHOUT_SPEAKER})
        if self.source_id and not anchoring.span_is_exact(
            self.source.text, self.start, self.end, self.text
        ):
            raise ValidationError(
                "The excerpt's text is not the source's text at characters "
                f"{self.start}–{self.end}. Create excerpts from a quote so that the offsets "
                "are found for you."
            )


class Dispute(LedgerModel):
    """A question the sources answer differently, grouping the rival claims that answer it."""

    question = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(
        blank=True, help_text="A short, neutral account of what is disputed, taking no side."
    )
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["question"]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("claims:dispute", kwargs={"slug": self.slug})

    @property
    def is_contested(self) -> bool:
        """Needs the `supported_claims` annotation (`Dispute.objects.with_support_counts()`)."""
        return self.supported_claims >= CONTESTED_AT


class Claim(LedgerModel):
    """One atomic assertion in plain words, tied by evidence to what sources actually said."""

    text = models.TextField(help_text="One assertion, in plain words.")
    slug = models.SlugField(max_length=100, unique=True)
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The question this claim answers.",
    )
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Who asserts it, if anyone in particular.",
    )
    status = models.CharField(
        max_length=20,
        choices=ClaimStatus.choices,
        default=ClaimStatus.UNVERIFIED,
        editable=False,
        db_index=True,
        help_text="Computed from the evidence; see claims/status.py.",
    )
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by every change; a save from an older version is refused, not merged.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The API's lists and syncs: visible claims, optionally by status, in change order.
            models.Index(
                fields=["review_state", "status", "updated_at", "id"],
                name="claim_state_status_sync",
            ),
            models.Index(fields=["review_state", "updated_at", "id"], name="claim_state_sync"),
            models.Index(fields=["updated_at", "id"], name="claim_sync"),
        ]
        permissions = [
            ("submit_claim", "Can submit claims for review"),
            ("review_claim", "Can publish claims, send them back, reject or withdraw them"),
        ]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return reverse("claims:claim", kwargs={"slug": self.slug})

    @property
    def editor_ids(self) -> set[int]:
        """The accounts whom its review steps concern: who wrote it and who last edited it
        (`Claim.objects.edited_by(user)` is the same rule, for lists)."""
        return {pk for pk in (self.created_by_id, self.last_edited_by_id) if pk is not None}

    @cached_property
    def reason(self) -> status_rule.Reason:
        """The status with what it rests on, from the prefetched evidence (`with_evidence()`):
        the voices for and against, each with its kind, grouped by root."""
        voices: dict[str, list[status_rule.Voice]] = {Stance.SUPPORTS: [], Stance.CONTRADICTS: []}
        for evidence in self.evidence.all():
            voices[evidence.stance].append(evidence.excerpt.voice_of())
        return status_rule.assess(
            supporting=voices[Stance.SUPPORTS],
            contradicting=voices[Stance.CONTRADICTS],
            claimant=self.speaker.voice_root if self.speaker_id else None,
            claimant_name=self.speaker.name if self.speaker_id else "",
        )

    def evidence_by_stance(self) -> dict[str, list[Evidence]]:
        """The prefetched evidence, supporting first, then contradicting."""
        grouped: dict[str, list[Evidence]] = {Stance.SUPPORTS: [], Stance.CONTRADICTS: []}
        for evidence in self.evidence.all():
            grouped[evidence.stance].append(evidence)
        return grouped


class Evidence(LedgerModel):
    """A claim tied to an excerpt, which either supports or contradicts it."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    excerpt = models.ForeignKey(Excerpt, on_delete=models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=12, choices=Stance.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["claim", "stance", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "excerpt"], name="evidence_once_per_claim"),
        ]

    def __str__(self):
        return f"{self.excerpt} {self.get_stance_display().lower()} “{self.claim}”"


class ReviewEvent(LedgerModel):
    """One step of a claim's review: who moved it from which state to which, when, and why."""

    Action = ReviewAction

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="review_events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, help_text="Kept so the record survives the account's deletion."
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["claim", "at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor_name} ({self.at:%Y-%m-%d %H:%M})"


class ChangeRequest(LedgerModel):
    """A change to material readers can see, waiting for a second reviewer (four-eyes rule).

    Once a claim is published, what readers see of it (its quotes' speakers, the dates and
    headings of their items, the source's title, URL and publisher, the dispute's question and
    summary...) changes only through one of these: an editor proposes, another reviewer approves
    or rejects, and an approved change is applied by the services and put on the record of every
    published claim it touches (`claims.services.changes`).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved and applied"
        REJECTED = "rejected", "Rejected"

    # The record's model by its label ("claims.source"), not a content type: a label means the
    # same thing in every database a dump is restored into.
    target_model = models.CharField(max_length=40)
    target_id = models.PositiveBigIntegerField()
    target_label = models.CharField(max_length=300, help_text="What is changed, as it was named.")
    changes = models.JSONField(help_text="The new value of each changed field.")
    previous = models.JSONField(help_text="Each changed field's value when the change was asked.")
    reason = models.TextField(help_text="Why the change is needed: readers see it on the record.")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text="The reviewer's word on the decision.")
    history = HistoricalRecords()

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["target_model", "target_id"], name="change_target")]

    def __str__(self):
        fields = ", ".join(sorted(self.changes))
        return f"{fields} of {self.target_label} ({self.get_state_display().lower()})"

    @property
    def target_class(self) -> type[models.Model]:
        return apps.get_model(self.target_model)

    @property
    def target(self) -> models.Model:
        return self.target_class.objects.get(pk=self.target_id)


class DeskPreferences(models.Model):
    """One person's settings for the editorial desk, and when they last looked at its front page
    (which shows what changed since).

    Not ledger content: no history, not in dumps, and writing it does not touch the public
    pages' cache. Someone without a row gets the defaults.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_preferences"
    )
    notify_by_email = models.BooleanField(
        default=True,
        help_text=(
            "Email me when a claim I wrote or edited is sent back, rejected, published or "
            "withdrawn, and, as a reviewer, when a claim is waiting for review."
        ),
    )
    last_seen_desk_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last look before this sitting began: "what changed since" counts from it, so that
    # coming back to the front page within a sitting does not empty the list.
    changes_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "desk preferences"

    def __str__(self):
        return f"Desk preferences of {self.user}"


class LedgerState(models.Model):
    """One row: a token replaced after every committed write (see `ledger.cache`)."""

    SINGLETON = 1

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ledger state"

    def __str__(self):
        return f"Ledger state {self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
