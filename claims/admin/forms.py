"""The desk's forms: cutting a quote, editing a claim from the version seen, review steps."""

import re

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.utils.html import format_html

from claims import services
from claims.choices import ReviewState, Stance
from claims.models import Claim, Excerpt, Speaker
from claims.rules import anchoring
from claims.services.workflow import TRANSITIONS

# More occurrences than this are not worth choosing among: a longer quote is the better answer.
OCCURRENCES_SHOWN = 20


class QuoteForm(forms.Form):
    quote = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=(
            "Select a passage in the full text below, or paste the source's exact words. "
            "Quotation marks, dashes and spacing may differ; the words may not."
        ),
    )
    # Offered once a quote turns out to occur more than once (`offer_occurrences`).
    occurrence = forms.IntegerField(
        required=False, min_value=0, label="Which one", widget=forms.RadioSelect
    )
    near = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    prefix = forms.CharField(
        required=False,
        max_length=200,
        help_text="Only if the quote occurs more than once: the words just before yours.",
    )
    speaker = forms.ModelChoiceField(
        Speaker.objects.all(),
        required=False,
        help_text="Whose words the quote reports, if not the publisher's own.",
    )
    claim = forms.ModelChoiceField(
        Claim.objects.filter(review_state__in=[ReviewState.DRAFT, ReviewState.PUBLISHED]),
        required=False,
        help_text=(
            "Optionally, a claim this quote is evidence for: a draft directly, a published claim "
            "as a change another reviewer approves."
        ),
    )
    stance = forms.ChoiceField(choices=Stance.choices, initial=Stance.SUPPORTS)
    note = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 60}))
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="For a published claim: why the quote should be added (readers see it).",
    )

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.has_perm("claims.add_evidence"):
            for name in ("claim", "stance", "note", "reason"):
                del self.fields[name]
        # The admin's "+": a speaker not yet in the ledger is added in a popup, without leaving
        # the quote half made.
        speaker = self.fields["speaker"]
        speaker.widget = RelatedFieldWidgetWrapper(
            speaker.widget,
            Excerpt._meta.get_field("speaker").remote_field,
            admin_site,
            can_add_related=user.has_perm("claims.add_speaker"),
        )

    def offer_occurrences(self, candidates: list[anchoring.Anchor]):
        """Let the editor choose which occurrence of the quote is meant, each in its context."""
        self.fields["occurrence"].widget.choices = [
            (candidate.start, _in_context(candidate))
            for candidate in candidates[:OCCURRENCES_SHOWN]
        ]

    def visible_fields(self):
        # The choice of occurrences is shown only when there is one to make.
        return [
            field
            for field in super().visible_fields()
            if field.name != "occurrence" or self.fields["occurrence"].widget.choices
        ]

    def clean(self):
        cleaned = super().clean()
        claim = cleaned.get("claim")
        if claim and claim.review_state == ReviewState.PUBLISHED and not cleaned.get("reason"):
            self.add_error("reason", MESSAGE_REASON_FOR_PUBLISHED)
        return cleaned


def _in_context(candidate: anchoring.Anchor) -> str:
    """An occurrence as the editor tells it apart: its offsets and the words around it, the
    quote marked. Each piece is its own isolate, as on the public pages (a direction control
    in a source's words reorders only the piece it is in)."""
    before, after = candidate.prefix, candidate.suffix
    # The context is cut at a fixed length: drop the word it cut in two.
    if len(before) == anchoring.CONTEXT_LENGTH:
        before = re.split(r"\s", before, maxsplit=1)[-1]
    if len(after) == anchoring.CONTEXT_LENGTH:
        after = re.split(r"\s(?=\S*$)", after, maxsplit=1)[0]
    return format_html(
        "characters {}–{}: <bdi>…{}</bdi><mark><bdi>{}</bdi></mark><bdi>{}…</bdi>",
        candidate.start,
        candidate.end,
        before,
        candidate.exact,
        after,
    )


MESSAGE_REASON_FOR_PUBLISHED = (
    "This claim is published: adding a quote is a change another reviewer approves. Say why."
)


class ReviewActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"size": 50, "placeholder": "Comment (required to send back, reject or withdraw)"}
        ),
    )


class ReviewStepForm(forms.Form):
    """One review step taken from a claim's page, from the version that page showed."""

    action = forms.ChoiceField(choices=[(action, t.label) for action, t in TRANSITIONS.items()])
    # The claim's version column holds what a PositiveIntegerField holds on every database.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=(
            "Needed to request changes, reject or withdraw: the author sees it, and readers see "
            "why a claim was withdrawn."
        ),
    )


class ClaimAdminForm(forms.ModelForm):
    # The version the editor started from; a save from an older one is refused (no lost updates).
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Who is editing (set by the admin): a refusal says when the newer version was their own.
    acting_user = None

    class Meta:
        model = Claim
        fields = ["text", "slug", "dispute", "speaker"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The version in the database, not the instance's: when reverting from the history
            # page the instance is the old version, but a conflict is with the current one.
            current = Claim.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            self.fields["seen_version"].initial = current.first()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("seen_version") is not None:
            current = Claim.objects.get(pk=self.instance.pk)
            try:
                services.check_version(current, cleaned["seen_version"], by=self.acting_user)
            except services.EditConflict as conflict:
                raise forms.ValidationError(conflict.message) from conflict
        return cleaned
