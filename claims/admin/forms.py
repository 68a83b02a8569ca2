"""The desk's forms: cutting a quote, editing a claim from the version seen, review steps."""

from django import forms
from django.contrib.admin.helpers import ActionForm

from claims import services
from claims.choices import ReviewState, Stance
from claims.models import Claim, Speaker
from claims.services.workflow import TRANSITIONS


class QuoteForm(forms.Form):
    quote = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=(
            "Select a passage in the text above, or paste the source's exact words. Quotation "
            "marks, dashes and spacing may differ; the words may not."
        ),
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.has_perm("claims.add_evidence"):
            for name in ("claim", "stance", "note", "reason"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        claim = cleaned.get("claim")
        if claim and claim.review_state == ReviewState.PUBLISHED and not cleaned.get("reason"):
            self.add_error("reason", MESSAGE_REASON_FOR_PUBLISHED)
        return cleaned


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
