"""The API's response shapes, each defined once, and the input it accepts.

Serializers shape data and validate input; writes go through `claims.services` and
`claims.services.workflow`, so the API enforces exactly the rules the admin does.
"""

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import services
from claims.api import annotations
from claims.api.representations import tombstone, withdrawals
from claims.choices import ClaimStatus, Stance, VoiceKind
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
from claims.querysets import sees_unpublished
from claims.rules import typed_text
from claims.rules.status import INDEPENDENT_VOICES_FOR_AGREEMENT

MESSAGE_UNKNOWN_FIELD = "Unknown field. This request takes: {allowed}."
MESSAGE_NOT_A_STRING = "Not a valid string: send this field as text in quotes."
MESSAGE_SURROGATE = "Surrogate characters are not allowed: U+{code_point:04X}."
# Sent by HTML forms with the session's CSRF token (the browsable API); not a field of ours.
FORM_BOOKKEEPING = frozenset({"csrfmiddlewaretoken"})


class InputSerializer(serializers.Serializer):
    """The base of every write: input is refused field by field, never silently reshaped.

    - An unknown field is a 400 that names it and lists the fields the request takes. Ignoring
      it would hide a client's typo or a field it believes it can set (`status`), and a
      fact-checking tool should not quietly drop part of what it was sent.
    - Text fields take strings only: DRF would store the number `5` as the text "5".
    - No string, ids and slugs included, may hold NUL or a lone surrogate: no database column
      can take them, and a lookup with one would fail with a 500 rather than a "no such" 400.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self.input_errors(data)
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def input_errors(self, data: Mapping) -> dict[str, list[str]]:
        writable = {name: field for name, field in self.fields.items() if not field.read_only}
        errors = {}
        for key in data:
            if key in FORM_BOOKKEEPING:
                continue
            field, value = writable.get(key), data.get(key)
            if field is None:
                errors[key] = [MESSAGE_UNKNOWN_FIELD.format(allowed=", ".join(writable))]
            elif isinstance(field, serializers.CharField) and not isinstance(value, str | None):
                errors[key] = [MESSAGE_NOT_A_STRING]
            elif isinstance(value, str) and (problems := unstorable(value)):
                errors[key] = problems
        return errors


def unstorable(value: str) -> list[str]:
    """What in `value` no database column can hold: NUL, and lone surrogates (invalid UTF-8)."""
    problems = [typed_text.MESSAGE_NULL_CHARACTER] if typed_text.NULL_CHARACTER in value else []
    surrogate = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
    if surrogate is not None:
        problems.append(MESSAGE_SURROGATE.format(code_point=ord(surrogate)))
    return problems


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class PageUrlField(serializers.SerializerMethodField):
    """The absolute address of the object's public page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The public page.")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return absolute(self.context.get("request"), obj.get_absolute_url())


extend_schema_field(OpenApiTypes.URI)(PageUrlField)


class OptionalURLField(serializers.URLField):
    """A URL that may be unknown: null then, rather than an empty string (which is no URL)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


def independent_as_field(help_text: str) -> serializers.CharField:
    """The name of the root voice a speaker or publisher counts as (`voice_root_name`)."""
    return serializers.CharField(source="voice_root_name", read_only=True, help_text=help_text)


class PublisherSerializer(serializers.ModelSerializer):
    part_of = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The speaker (organisation) whose voice its own reporting is, if any.",
    )
    url = OptionalURLField(help_text="The publisher's website, where known.")
    independent_as = independent_as_field(
        "The voice its own reporting counts as for independence (itself, its parent or its "
        "organisation)."
    )

    class Meta:
        model = Publisher
        fields = ["slug", "name", "url", "part_of", "organisation", "independent_as"]


class SpeakerSerializer(serializers.ModelSerializer):
    url = PageUrlField()
    affiliation = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The organisation this speaker belongs to or speaks for.",
    )
    independent_as = independent_as_field(
        "The voice this speaker counts as for independence (its topmost affiliation)."
    )

    class Meta:
        model = Speaker
        fields = ["slug", "name", "kind", "description", "affiliation", "independent_as", "url"]


VOICE_HELP = (
    "Whose assertion the quoted words are: `own` (the publisher's own reporting), or the "
    "speaker's, as a `quote`, a `paraphrase` or a `document` title or description."
)


class VoiceFieldsMixin(serializers.Serializer):
    """The voice of an excerpt: whose assertion its words are, and how the publisher carries it."""

    voice = serializers.ChoiceField(choices=VoiceKind.choices, read_only=True, help_text=VOICE_HELP)
    speaker = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    via = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Who the publisher cites for the speaker's words, if anyone.",
    )
    voice_described = serializers.SerializerMethodField(
        help_text="The voice in words: “The Moscow Times — own reporting”."
    )

    def get_voice_described(self, excerpt) -> str:
        return excerpt.voice_of().describe()


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceItem
        fields = ["heading", "published_on", "start", "end"]


class QuotedExcerptSerializer(VoiceFieldsMixin, serializers.ModelSerializer):
    """An excerpt as it appears inside a piece of evidence."""

    source = serializers.PrimaryKeyRelatedField(read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    publisher = serializers.SlugRelatedField(
        source="source.publisher", slug_field="slug", read_only=True
    )
    publisher_name = serializers.CharField(source="source.publisher.name", read_only=True)
    date = serializers.DateField(
        source="dated",
        read_only=True,
        allow_null=True,
        help_text="Its item's date, else the source's.",
    )
    item = serializers.CharField(
        source="item.heading", read_only=True, allow_null=True, default=None
    )
    url = PageUrlField(help_text="The exact place in the source's public page.")

    class Meta:
        model = Excerpt
        fields = [
            "id",
            "text",
            "start",
            "end",
            "source",
            "source_title",
            "publisher",
            "publisher_name",
            "date",
            "item",
            "voice",
            "speaker",
            "via",
            "voice_described",
            "url",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    excerpt = QuotedExcerptSerializer(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "stance", "note", "excerpt"]


class VoiceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The speaker, or the publisher for its own reporting.")
    kind = serializers.ChoiceField(choices=VoiceKind.choices, help_text=VOICE_HELP)
    publisher = serializers.CharField(help_text="The publisher that carries the words.")
    via = serializers.CharField(help_text="Who the publisher cites for them, if anyone.")
    described = serializers.CharField(source="describe", help_text="The voice in words.")


class VoiceGroupSerializer(serializers.Serializer):
    independent_voice = serializers.CharField(
        source="root_name", help_text="The root these voices share: they count once."
    )
    claimant = serializers.BooleanField(
        help_text="The claimant's own voice: it shows the claim is made, and does not count "
        "towards agreement."
    )
    voices = VoiceSerializer(many=True)
    described = serializers.CharField(source="describe")


class StatusReasonSerializer(serializers.Serializer):
    """Why a claim has its status, as the status rule decided it (`/methodology/`)."""

    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    meaning = serializers.CharField(help_text="What the status means, in plain words.")
    summary = serializers.CharField(help_text="The status and the voices it rests on, in words.")
    supporting = VoiceGroupSerializer(many=True, help_text="Independent voices for the claim.")
    contradicting = VoiceGroupSerializer(many=True, help_text="Independent voices against it.")
    corroborating = serializers.IntegerField(
        help_text="Independent voices in support that count towards agreement (the claimant's "
        f"own excluded); agreement needs {INDEPENDENT_VOICES_FOR_AGREEMENT} and no contradiction."
    )

    def to_representation(self, reason):
        return reason.as_data()


class WithdrawalSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it was withdrawn.")
    reason = serializers.CharField(help_text="Why, as the reviewer said it to readers.")


class ClaimSerializer(serializers.ModelSerializer):
    """A claim with its status, the reason for it, and the quoted evidence behind it.

    A withdrawn claim carries `withdrawal`; to anyone but the editorial desk it is only that
    tombstone (empty text, no dispute, speaker, reason or evidence), so a mirror can remove it.
    """

    dispute = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    speaker = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = PageUrlField()
    status_reason = StatusReasonSerializer(source="reason", read_only=True, allow_null=True)
    withdrawal = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)

    @extend_schema_field(WithdrawalSerializer(allow_null=True))
    def get_withdrawal(self, claim) -> dict | None:
        return withdrawals([claim.pk]).get(claim.pk)

    def to_representation(self, claim):
        data = super().to_representation(claim)
        request = self.context.get("request")
        if data["withdrawal"] and not sees_unpublished(getattr(request, "user", None)):
            return tombstone(dict(data))
        return data

    class Meta:
        model = Claim
        fields = [
            "id",
            "slug",
            "text",
            "status",
            "status_reason",
            "review_state",
            "dispute",
            "speaker",
            "url",
            "version",
            "created_at",
            "updated_at",
            "published_at",
            "withdrawal",
            "evidence",
        ]
        read_only_fields = fields


class ClaimWriteSerializer(InputSerializer):
    """A draft claim's wording and links. Updates must say which version they start from."""

    text = serializers.CharField(max_length=2000)
    slug = serializers.SlugField(max_length=100, required=False)
    dispute = serializers.SlugRelatedField(
        slug_field="slug", queryset=Dispute.objects.all(), required=False, allow_null=True
    )
    speaker = serializers.SlugRelatedField(
        slug_field="slug", queryset=Speaker.objects.all(), required=False, allow_null=True
    )
    version = serializers.IntegerField(
        required=False, help_text="Required to change a claim: the version you read."
    )

    def validate(self, data):
        if self.instance is not None and "version" not in data:
            raise serializers.ValidationError(
                {"version": ["Say which version you are changing (the claim's `version`)."]}
            )
        return data

    def create(self, data):
        data.pop("version", None)
        return services.claim_create(by=self.context["request"].user, **data)

    def update(self, claim, data):
        version = data.pop("version")
        return services.claim_update(
            claim=claim, by=self.context["request"].user, expected_version=version, **data
        )


class EvidenceWriteSerializer(InputSerializer):
    excerpt = serializers.PrimaryKeyRelatedField(queryset=Excerpt.objects.all())
    stance = serializers.ChoiceField(choices=Stance.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(help_text="The claim's version you read.")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The claim's version you read.")


class TransitionSerializer(InputSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required to request changes, reject or withdraw.",
    )
    version = serializers.IntegerField(
        required=False, help_text="If given, the step is refused (409) unless it is current."
    )


class ClaimSummarySerializer(serializers.ModelSerializer):
    speaker = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = PageUrlField()

    class Meta:
        model = Claim
        fields = ["id", "slug", "text", "status", "speaker", "url"]


class DisputeSerializer(serializers.ModelSerializer):
    """A question and its rival published claims."""

    url = PageUrlField()
    contested = serializers.SerializerMethodField(
        help_text="Two or more of its published claims have support."
    )
    claims = ClaimSummarySerializer(source="published_claims", many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = ["slug", "question", "summary", "url", "contested", "published_at", "claims"]

    def get_contested(self, dispute) -> bool:
        return dispute.is_contested


class SourceSerializer(serializers.ModelSerializer):
    """A source without its text (lists)."""

    publisher = PublisherSerializer(read_only=True)
    original_url = OptionalURLField(source="url", help_text="Where it was published, if known.")
    url = PageUrlField()

    class Meta:
        model = Source
        fields = [
            "id",
            "slug",
            "title",
            "publisher",
            "author",
            "original_url",
            "published_on",
            "kind",
            "language",
            "sha256",
            "url",
        ]


class SourceDetailSerializer(SourceSerializer):
    """A source with its full text, its SHA-256 and its dated items."""

    items = ItemSerializer(many=True, read_only=True)

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "dating_note", "items", "text"]


class SourceWriteSerializer(InputSerializer):
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(trim_whitespace=False, max_length=2_000_000)
    publisher = serializers.SlugRelatedField(slug_field="slug", queryset=Publisher.objects.all())
    # No defaults here: an empty slug or URL is no slug or URL, and the schema would advertise
    # "" as the default of a field whose own pattern refuses it. The service makes the slug.
    slug = serializers.SlugField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=Source.Kind.choices, default=Source.Kind.NEWS_ARTICLE)
    language = serializers.CharField(max_length=16, default="en")
    author = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True, default=None)

    def create(self, data):
        return services.source_create(by=self.context["request"].user, **data)


class ExcerptSerializer(VoiceFieldsMixin, serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(read_only=True)
    item = ItemSerializer(read_only=True, allow_null=True)
    date = serializers.DateField(source="dated", read_only=True, allow_null=True)
    url = PageUrlField(help_text="The exact place in the source's public page.")

    class Meta:
        model = Excerpt
        fields = [
            "id",
            "source",
            "start",
            "end",
            "text",
            "prefix",
            "suffix",
            "voice",
            "speaker",
            "via",
            "voice_described",
            "item",
            "date",
            "url",
        ]


class ExcerptWriteSerializer(InputSerializer):
    """Cut an excerpt from a quote: the anchoring module finds it, or says why not."""

    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    quote = serializers.CharField(trim_whitespace=False, max_length=20_000)
    prefix = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Only if the quote occurs more than once: the words just before it.",
    )
    near = serializers.IntegerField(
        required=False, min_value=0, help_text="Roughly where it is (a character offset)."
    )
    speaker = serializers.SlugRelatedField(
        slug_field="slug", queryset=Speaker.objects.all(), required=False, allow_null=True
    )
    voice = serializers.ChoiceField(
        choices=VoiceKind.choices,
        required=False,
        help_text=f"{VOICE_HELP} Default: `quote` if a speaker is given, else `own`.",
    )
    via = serializers.SlugRelatedField(
        slug_field="slug", queryset=Speaker.objects.all(), required=False, allow_null=True
    )

    def create(self, data):
        return services.excerpt_create(
            source=data["source"],
            quote=data["quote"],
            prefix=data.get("prefix") or None,
            near=data.get("near"),
            speaker=data.get("speaker"),
            voice=data.get("voice"),
            via=data.get("via"),
            by=self.context["request"].user,
        )


class WebAnnotationSerializer(serializers.BaseSerializer):
    """An excerpt as a W3C Web Annotation (claims/api/annotations.py); its published citations
    come prefetched (`annotations.with_published_citations`)."""

    def to_representation(self, excerpt):
        request = self.context.get("request")
        return annotations.annotation(excerpt, request, cited=annotations.cited_by(excerpt))


# What a change request may target over the API, by the name a client uses.
CHANGE_TARGETS = {
    "publisher": Publisher,
    "speaker": Speaker,
    "source": Source,
    "item": SourceItem,
    "excerpt": Excerpt,
    "dispute": Dispute,
    "claim": Claim,
    "evidence": Evidence,
}
TARGET_NAMES = {model._meta.label_lower: name for name, model in CHANGE_TARGETS.items()}


class ChangeRequestSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField(help_text="The kind of record the change is to.")
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "target",
            "target_id",
            "target_label",
            "changes",
            "previous",
            "reason",
            "state",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "comment",
        ]

    def get_target(self, change) -> str:
        return TARGET_NAMES.get(change.target_model, change.target_model)


class ChangeRequestWriteSerializer(InputSerializer):
    """Propose a change to material readers already see; another reviewer decides."""

    target = serializers.ChoiceField(choices=sorted(CHANGE_TARGETS))
    target_id = serializers.IntegerField(min_value=1)
    changes = serializers.DictField(
        allow_empty=False,
        help_text=(
            "The new value of each field (references by id, dates as YYYY-MM-DD). A claim's "
            'change may add a quote: {"add_evidence": {"excerpt": 7, "stance": "supports"}}, '
            'or take one away: {"remove_evidence": {"excerpt": 7}}. An excerpt\'s change may set '
            "its voice, speaker and via (a new speaker alone implies a direct quote; no speaker, "
            "the publisher's own words)."
        ),
    )
    reason = serializers.CharField(max_length=5000, help_text="Why: readers see it on the record.")

    def validate(self, data):
        model = CHANGE_TARGETS[data["target"]]
        target = model.objects.filter(pk=data["target_id"]).first()
        if target is None:
            raise serializers.ValidationError({"target_id": [f"No {data['target']} with this id."]})
        data["record"] = target
        return data

    def create(self, data):
        return services.change_propose(
            target=data["record"],
            changes=data["changes"],
            reason=data["reason"],
            by=self.context["request"].user,
        )


class DecisionSerializer(InputSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required to reject.",
    )
