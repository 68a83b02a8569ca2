"""The editors' and reviewers' desk.

Declarative where it can be; every write that carries a rule (anchoring a quote, tying evidence,
editing a claim, a review step) goes through `services` or `workflow`, so the admin enforces the
same rules as the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
    Stance,
)
from claims.rules import anchoring
from claims.services import workflow

# URLs typed without a scheme are taken as https (Django 6's default, chosen now).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}

MESSAGE_TEXT_FROZEN = (
    "The text is frozen: {count} excerpt(s) quote it at fixed character offsets, and changing "
    "it would make them say something the source no longer says. Ingest a new version as a new "
    "source instead."
)
MESSAGE_BAD_SELECTION = (
    "The selected rows were not understood; nothing was done. Select them again."
)
# Longer searches are cut: each word is one more condition on every searched column, and SQLite
# refuses a query nested over 1,000 deep (a 500). The public search cuts at 200 characters too.
SEARCH_MAX_CHARS = 200


class TamperProofAdminMixin:
    """Hand-edited addresses and forged form fields get a message or a 404, never a 500.

    Django's admin and simple-history pass these values to the database unchecked.
    """

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term[:SEARCH_MAX_CHARS])

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        try:
            for value in selected:
                self.model._meta.pk.to_python(value)
        except ValidationError:
            self.message_user(request, MESSAGE_BAD_SELECTION, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not (str(object_id).isdigit() and str(version_id).isdigit()):
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Publisher)
class PublisherAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["name", "part_of", "url"]
    list_filter = [("part_of", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["part_of"]
    list_select_related = ["part_of"]


@admin.register(Speaker)
class SpeakerAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "description"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class SourceItemInline(admin.TabularInline):
    model = SourceItem
    extra = 0
    fields = ["heading", "published_on", "kind", "start", "end"]
    readonly_fields = ["start", "end"]

    def has_add_permission(self, request, obj=None):
        # Items are found by their heading in the text (services.source_item_add), not typed.
        return False


class ExcerptInline(admin.TabularInline):
    model = Excerpt
    extra = 0
    fields = ["text", "start", "end", "item", "speaker"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Excerpts are cut from a quote or a selection by the anchoring service: see "Quote".
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "speaker")


@admin.register(Source)
class SourceAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["title", "publisher", "kind", "published_on", "language", "excerpt_count"]
    list_filter = ["kind", "language", ("publisher", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "slug", "author"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["sha256", "original_filename", "created_at", "updated_at"]
    autocomplete_fields = ["publisher"]
    list_select_related = ["publisher"]
    inlines = [SourceItemInline, ExcerptInline]
    change_form_template = "admin/claims/source/change_form.html"

    @admin.display(description="Excerpts")
    def excerpt_count(self, source):
        return source.excerpt_total

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(excerpt_total=Count("excerpts"))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.excerpts.exists():
            readonly.append("text")
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.excerpts.exists():
            count = obj.excerpts.count()
            return [
                (None, {**fieldsets[0][1], "description": MESSAGE_TEXT_FROZEN.format(count=count)})
            ]
        return fieldsets

    def get_urls(self):
        return [
            path(
                "<int:source_id>/quote/",
                self.admin_site.admin_view(self.quote_view),
                name="claims_source_quote",
            ),
            *super().get_urls(),
        ]

    def quote_view(self, request, source_id):
        """Cut an excerpt from this source: select text with the mouse, or paste a quote."""
        source = get_object_or_404(Source, pk=source_id)
        if not request.user.has_perm("claims.add_excerpt"):
            raise PermissionDenied
        form = QuoteForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            excerpt = self._save_quote(request, source, form)
            if excerpt is not None:
                return redirect(reverse("admin:claims_source_quote", args=[source.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Quote from “{source.title}”",
            "source": source,
            "form": form,
            "excerpts": source.excerpts.select_related("speaker").order_by("start"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/claims/source/quote.html", context)

    def _save_quote(self, request, source, form):
        data = form.cleaned_data
        try:
            excerpt = services.excerpt_create(
                source=source,
                quote=data["quote"],
                near=data.get("near"),
                prefix=data.get("prefix") or None,
                speaker=data.get("speaker"),
            )
            if data.get("claim"):
                services.evidence_add(
                    claim=data["claim"],
                    excerpt=excerpt,
                    stance=data["stance"],
                    note=data.get("note", ""),
                    by=request.user,
                )
        except anchoring.AnchoringError as error:
            form.add_error("quote", error.message)
            return None
        except workflow.WorkflowError as error:
            form.add_error("claim", error.message)
            return None
        except ValidationError as error:
            form.add_error("quote", error.messages)
            return None
        done = f"Excerpt saved at characters {excerpt.start}–{excerpt.end}: “{excerpt.text}”"
        if data.get("claim"):
            done += f", {data['stance']} “{data['claim']}”"
        messages.success(request, done + ".")
        return excerpt


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
        Claim.objects.filter(review_state=ReviewState.DRAFT),
        required=False,
        help_text="Optionally, a draft claim this quote is evidence for.",
    )
    stance = forms.ChoiceField(choices=Stance.choices, initial=Stance.SUPPORTS)
    note = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.has_perm("claims.add_evidence"):
            del self.fields["claim"], self.fields["stance"], self.fields["note"]


@admin.register(Excerpt)
class ExcerptAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "source", "item", "speaker", "start", "end"]
    list_filter = [("source__publisher", admin.RelatedOnlyFieldListFilter), "speaker"]
    search_fields = ["text", "source__title"]
    readonly_fields = ["source", "start", "end", "text", "prefix", "suffix", "item", "created_at"]
    autocomplete_fields = ["speaker"]
    list_select_related = ["source", "item", "speaker"]

    def has_add_permission(self, request):
        # Excerpts are made from a quote or a selection: open a source and choose "Quote".
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["excerpt", "stance", "note"]
    autocomplete_fields = ["excerpt"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("excerpt__source")

    def _editable(self, request, obj):
        return obj is None or obj.review_state == ReviewState.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class ReviewActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"size": 50, "placeholder": "Comment (required to send back, reject or withdraw)"}
        ),
    )


class ClaimAdminForm(forms.ModelForm):
    # The version the editor started from; a save from an older one is refused (no lost updates).
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
                workflow.check_version(current, cleaned["seen_version"])
            except workflow.EditConflict as conflict:
                raise forms.ValidationError(conflict.message) from conflict
        return cleaned


@admin.register(Claim)
class ClaimAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    form = ClaimAdminForm
    action_form = ReviewActionForm
    list_display = [
        "text",
        "dispute",
        "speaker",
        "status",
        "review_state",
        "created_by",
        "updated_at",
    ]
    list_filter = [
        "status",
        "review_state",
        ("dispute", admin.RelatedOnlyFieldListFilter),
        ("speaker", admin.RelatedOnlyFieldListFilter),
        ("evidence__excerpt__source__publisher", admin.RelatedOnlyFieldListFilter),
        ("created_by", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "slug"]
    date_hierarchy = "updated_at"
    autocomplete_fields = ["dispute", "speaker"]
    prepopulated_fields = {"slug": ["text"]}
    list_select_related = ["dispute", "speaker", "created_by"]
    inlines = [EvidenceInline]
    actions = ["submit", "publish", "request_changes", "reject", "withdraw"]
    fieldsets = [
        (None, {"fields": ["text", "slug", "dispute", "speaker", "seen_version"]}),
        ("Status", {"fields": ["status_explained"]}),
        (
            "Review",
            {
                "fields": [
                    "review_state",
                    "review_timeline",
                    "created_by",
                    "last_edited_by",
                    "created_at",
                    "updated_at",
                    "published_at",
                ]
            },
        ),
    ]
    history_list_display = ["review_state", "status"]

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "status_explained",
            "review_state",
            "review_timeline",
            "created_by",
            "last_edited_by",
            "created_at",
            "updated_at",
            "published_at",
        ]
        if obj is not None and obj.review_state != ReviewState.DRAFT:
            readonly += ["text", "slug", "dispute", "speaker"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        return (
            {}
            if obj is not None and obj.review_state != ReviewState.DRAFT
            else super().get_prepopulated_fields(request, obj)
        )

    @admin.display(description="Status, and why")
    def status_explained(self, claim):
        if claim.pk is None:
            return "Unverified until evidence is linked."
        counts = Claim.objects.with_computed_status().get(pk=claim.pk)
        return format_html(
            "<strong>{}</strong>: {} supporting excerpt(s) from {} independent publisher(s); "
            "{} contradicting. (Agreement needs support from two independent publishers and no "
            "contradiction; any support plus any contradiction is a contradiction.)",
            claim.get_status_display(),
            counts.supporting_excerpts,
            counts.independent_supporters,
            counts.contradicting_excerpts,
        )

    @admin.display(description="Review timeline")
    def review_timeline(self, claim):
        if claim.pk is None:
            return "—"
        events = claim.review_events.all()
        if not events:
            return "Not yet submitted for review."
        return format_html(
            "<ol class='review-timeline'>{}</ol>",
            format_html_join(
                "",
                "<li><time datetime='{}'>{}</time>: {} by {}{}</li>",
                (
                    (
                        event.at.isoformat(),
                        event.at.strftime("%Y-%m-%d %H:%M"),
                        event.get_action_display(),
                        event.actor_name,
                        format_html(" — “{}”", event.comment) if event.comment else "",
                    )
                    for event in events
                ),
            ),
        )

    # -- writes go through the service layer --------------------------------------------------

    def save_model(self, request, obj, form, change):
        content = {
            name: form.cleaned_data[name]
            for name in services.CLAIM_CONTENT_FIELDS
            if name in form.cleaned_data
        }
        if not change:
            created = services.claim_create(by=request.user, **content)
            obj.pk = created.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return
        expected = form.cleaned_data.get("seen_version")
        services.claim_update(claim=obj, by=request.user, expected_version=expected, **content)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        claim = form.instance
        # The admin's change message reads these three lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for evidence_form in formset.deleted_forms:
            if evidence_form.instance.pk:
                services.evidence_remove(evidence=evidence_form.instance, by=request.user)
                formset.deleted_objects.append(evidence_form.instance)
        for evidence_form in formset.forms:
            if evidence_form in formset.deleted_forms or not evidence_form.has_changed():
                continue
            data, existing = evidence_form.cleaned_data, evidence_form.instance
            if existing.pk and existing.excerpt_id != data["excerpt"].pk:
                # A different excerpt is a different piece of evidence: untie the old one.
                services.evidence_remove(
                    evidence=Evidence.objects.get(pk=existing.pk), by=request.user
                )
            saved = services.evidence_add(
                claim=claim,
                excerpt=data["excerpt"],
                stance=data["stance"],
                note=data.get("note", ""),
                by=request.user,
            )
            if existing.pk:
                formset.changed_objects.append((saved, evidence_form.changed_data))
            else:
                formset.new_objects.append(saved)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError as refused:
            # Raised inside the admin's transaction, so nothing of the save was kept.
            self.message_user(request, refused.message, messages.ERROR)
            return redirect(request.path)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except workflow.WorkflowError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return redirect(request.path)

    # -- review actions -------------------------------------------------------------------------

    def has_submit_permission(self, request):
        return request.user.has_perm("claims.submit_claim")

    def has_review_permission(self, request):
        return request.user.has_perm("claims.review_claim")

    @admin.action(description="Submit for review", permissions=["submit"])
    def submit(self, request, queryset):
        self._transition(request, queryset, ReviewEvent.Action.SUBMIT)

    @admin.action(description="Publish (four-eyes: not your own work)", permissions=["review"])
    def publish(self, request, queryset):
        self._transition(request, queryset, ReviewEvent.Action.PUBLISH)

    @admin.action(description="Request changes (comment required)", permissions=["review"])
    def request_changes(self, request, queryset):
        self._transition(request, queryset, ReviewEvent.Action.REQUEST_CHANGES)

    @admin.action(description="Reject (comment required)", permissions=["review"])
    def reject(self, request, queryset):
        self._transition(request, queryset, ReviewEvent.Action.REJECT)

    @admin.action(description="Withdraw (reason required)", permissions=["review"])
    def withdraw(self, request, queryset):
        self._transition(request, queryset, ReviewEvent.Action.WITHDRAW)

    def _transition(self, request, queryset, action):
        """Take the step on each selected claim; report per row what was done and what refused."""
        comment = request.POST.get("comment", "")
        done, refused = [], []
        for claim in queryset.order_by("pk"):
            try:
                workflow.claim_transition(
                    claim=claim, action=action, by=request.user, comment=comment
                )
            except workflow.WorkflowError as error:
                refused.append(f"“{claim}”: {error.message}")
            else:
                done.append(f"“{claim}”")
        label = ReviewEvent.Action(action).label.lower()
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)d claim %(label)s: %(rows)s", "%(n)d claims %(label)s: %(rows)s", len(done)
                )
                % {"n": len(done), "label": label, "rows": "; ".join(done)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)d claim refused. %(rows)s", "%(n)d claims refused. %(rows)s", len(refused)
                )
                % {"n": len(refused), "rows": " ".join(refused)},
                messages.WARNING,
            )


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    fields = ["text", "status", "review_state"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    list_display = ["question", "review_state", "claim_count", "updated_at"]
    list_filter = ["review_state"]
    search_fields = ["question", "summary", "slug"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["review_state", "created_at", "updated_at", "published_at"]
    inlines = [ClaimInline]

    def save_model(self, request, obj, form, change):
        if change:
            # Publication follows the workflow, never an edit or a revert from the history page.
            current = Dispute.objects.get(pk=obj.pk)
            obj.review_state, obj.published_at = current.review_state, current.published_at
        super().save_model(request, obj, form, change)

    @admin.display(description="Claims")
    def claim_count(self, dispute):
        return dispute.claim_total

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(claim_total=Count("claims"))


@admin.register(Evidence)
class EvidenceAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    list_display = ["claim", "stance", "excerpt"]
    list_filter = ["stance", ("excerpt__source__publisher", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["claim__text", "excerpt__text"]
    list_select_related = ["claim", "excerpt__source"]
    readonly_fields = ["claim", "excerpt", "stance", "note", "created_at"]

    def has_add_permission(self, request):
        # Evidence changes a claim's status: it is added on the claim's page.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewEvent)
class ReviewEventAdmin(TamperProofAdminMixin, admin.ModelAdmin):
    list_display = ["claim", "action", "actor_name", "at", "comment"]
    list_filter = ["action"]
    search_fields = ["claim__text", "actor_name", "comment"]
    date_hierarchy = "at"
    list_select_related = ["claim"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
