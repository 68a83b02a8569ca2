"""The claims desk: claims with their evidence, review steps, disputes and the review record."""

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin.display import clamped
from claims.admin.forms import ClaimAdminForm, ReviewActionForm
from claims.admin.mixins import (
    REASON_FIELD,
    RefusalsAsMessagesMixin,
    ServiceWritesAdminMixin,
    TamperProofAdminMixin,
    propose_public_change,
    proposed_response,
    service,
    with_reason_field,
)
from claims.admin.review import ReviewStepsMixin
from claims.choices import ReviewState
from claims.models import Claim, Dispute, Evidence, ReviewEvent


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["excerpt", "stance", "note"]
    autocomplete_fields = ["excerpt"]
    # A note is a line or two; the admin's ten-row box made each piece of evidence a screenful.
    formfield_overrides = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 3})}}

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


# Evidence edits on the claim's page come after the claim's own save in the same transaction,
# which checked the version the editor saw under the row lock; there is nothing newer to check.
CHECKED = services.NO_VERSION_CHECK


@admin.register(Claim)
class ClaimAdmin(
    ReviewStepsMixin, RefusalsAsMessagesMixin, TamperProofAdminMixin, SimpleHistoryAdmin
):
    form = ClaimAdminForm
    action_form = ReviewActionForm
    list_display = [
        "claim_text",
        "dispute",
        "speaker",
        "status",
        "review_state",
        "created_by",
        "updated",
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
    # Only a draft's form has a slug to fill in; the history pages read this attribute as it
    # is, so it stays empty and `get_prepopulated_fields` gives the slug to drafts.
    prepopulated_fields = {}
    draft_prepopulated_fields = {"slug": ["text"]}
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
        if obj is not None and obj.review_state == ReviewState.PUBLISHED:
            # Corrections are proposed (with a reason) for another reviewer; the address stays.
            readonly += ["slug"]
        elif obj is not None and obj.review_state != ReviewState.DRAFT:
            readonly += ["text", "slug", "dispute", "speaker"]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.review_state == ReviewState.PUBLISHED:
            kwargs["form"] = with_reason_field(kwargs.get("form", self.form))
        form = super().get_form(request, obj, change, **kwargs)
        form.acting_user = request.user  # a class made for this request by modelform_factory
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.review_state == ReviewState.PUBLISHED:
            return [
                fieldsets[0],
                ("Published: propose a correction", {"fields": [REASON_FIELD]}),
                *fieldsets[1:],
            ]
        return fieldsets

    def get_prepopulated_fields(self, request, obj=None):
        # Decided by the claim as stored: a history page passes an old version (a draft, say)
        # while its form is the one for the claim as it is now, without the slug.
        stored_draft = obj is None or (
            Claim.objects.filter(pk=obj.pk, review_state=ReviewState.DRAFT).exists()
        )
        return self.draft_prepopulated_fields if stored_draft else {}

    @admin.display(description="Claim", ordering="text")
    def claim_text(self, claim):
        return clamped(claim.text)

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, claim):
        # The day is enough to scan a list by (and takes a third of the width); the time is in
        # the tooltip.
        when = timezone.localtime(claim.updated_at)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            when.isoformat(),
            date_format(when, "DATETIME_FORMAT"),
            date_format(when, "j M Y"),
        )

    @admin.display(description="Status, and why")
    def status_explained(self, claim):
        if claim.pk is None:
            return "Unverified until evidence is linked."
        reason = Claim.objects.with_evidence().get(pk=claim.pk).reason
        return format_html("<strong>{}</strong> {}", reason.label, reason.summary())

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
        # The version the editor's form was built from (the form refuses a stale one too).
        seen = form.cleaned_data.get("seen_version")
        expected = services.NO_VERSION_CHECK if seen is None else seen
        if Claim.objects.filter(pk=obj.pk, review_state=ReviewState.PUBLISHED).exists():
            changes = {name: value for name, value in content.items() if name in form.changed_data}
            propose_public_change(
                request, obj, changes, form.cleaned_data.get(REASON_FIELD, ""), refusal=None
            )
        else:
            services.claim_update(claim=obj, by=request.user, expected_version=expected, **content)
        obj.refresh_from_db()

    def response_change(self, request, obj):
        return proposed_response(self, request) or super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        claim = form.instance
        # The admin's change message reads these three lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for evidence_form in formset.deleted_forms:
            if evidence_form.instance.pk:
                services.evidence_remove(
                    evidence=evidence_form.instance, by=request.user, expected_version=CHECKED
                )
                formset.deleted_objects.append(evidence_form.instance)
        for evidence_form in formset.forms:
            if evidence_form in formset.deleted_forms or not evidence_form.has_changed():
                continue
            data, existing = evidence_form.cleaned_data, evidence_form.instance
            if existing.pk and existing.excerpt_id != data["excerpt"].pk:
                # A different excerpt is a different piece of evidence: untie the old one.
                services.evidence_remove(
                    evidence=Evidence.objects.get(pk=existing.pk),
                    by=request.user,
                    expected_version=CHECKED,
                )
            saved = services.evidence_add(
                claim=claim,
                excerpt=data["excerpt"],
                stance=data["stance"],
                note=data.get("note", ""),
                by=request.user,
                expected_version=CHECKED,
            )
            if existing.pk:
                formset.changed_objects.append((saved, evidence_form.changed_data))
            else:
                formset.new_objects.append(saved)

    def delete_model(self, request, obj):
        services.claim_delete(
            claim=obj, by=request.user, expected_version=services.NO_VERSION_CHECK
        )

    def delete_queryset(self, request, queryset):
        for claim in queryset:
            self.delete_model(request, claim)

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
                services.claim_transition(
                    claim=claim,
                    action=action,
                    by=request.user,
                    comment=comment,
                    # A bulk step acts on the claims as they are: the reviewer read the list.
                    expected_version=services.NO_VERSION_CHECK,
                )
            except services.WorkflowError as error:
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
class DisputeAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    create_service = service(services.dispute_create)
    update_service = service(lambda obj, **kw: services.dispute_update(dispute=obj, **kw))
    delete_service = service(lambda obj, **kw: services.dispute_delete(dispute=obj, **kw))
    service_fields = services.DISPUTE_FIELDS
    list_display = ["question", "review_state", "claim_count", "updated_at"]
    list_filter = ["review_state"]
    search_fields = ["question", "summary", "slug"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["review_state", "created_at", "updated_at", "published_at"]
    inlines = [ClaimInline]

    @admin.display(description="Claims")
    def claim_count(self, dispute):
        return dispute.claim_total

    def get_queryset(self, request):
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
