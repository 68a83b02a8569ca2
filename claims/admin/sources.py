"""The sources desk: publishers, speakers, sources with their items, and cutting excerpts."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin.display import clamped
from claims.admin.forms import QuoteForm
from claims.admin.mixins import (
    REASON_FIELD,
    URL_FIELDS_HTTPS,
    ServiceWritesAdminMixin,
    propose_public_change,
    service,
)
from claims.choices import ReviewState
from claims.models import Excerpt, Publisher, Source, SourceItem, Speaker
from claims.rules import anchoring

MESSAGE_TEXT_FROZEN = (
    "The text is frozen: {count} excerpt(s) quote it at fixed character offsets, and changing "
    "it would make them say something the source no longer says. Ingest a new version as a new "
    "source instead."
)


@admin.register(Publisher)
class PublisherAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    create_service = service(services.publisher_create)
    update_service = service(lambda obj, **kw: services.publisher_update(publisher=obj, **kw))
    delete_service = service(lambda obj, **kw: services.publisher_delete(publisher=obj, **kw))
    service_fields = services.PUBLISHER_FIELDS
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["name", "part_of", "organisation", "voice_root_name", "url"]
    list_filter = [("part_of", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["part_of", "organisation"]
    list_select_related = ["part_of", "organisation"]


@admin.register(Speaker)
class SpeakerAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    create_service = service(services.speaker_create)
    update_service = service(lambda obj, **kw: services.speaker_update(speaker=obj, **kw))
    delete_service = service(lambda obj, **kw: services.speaker_delete(speaker=obj, **kw))
    service_fields = services.SPEAKER_FIELDS
    list_display = ["name", "kind", "affiliation", "voice_root_name", "description"]
    list_select_related = ["affiliation"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]


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
class SourceAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    create_service = service(services.source_create)
    update_service = service(lambda obj, **kw: services.source_update(source=obj, **kw))
    delete_service = service(lambda obj, **kw: services.source_delete(source=obj, **kw))
    service_fields = services.SOURCE_FIELDS
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
            first = (
                None,
                {**fieldsets[0][1], "description": MESSAGE_TEXT_FROZEN.format(count=count)},
            )
            return [first, *fieldsets[1:]]
        return fieldsets

    def save_formset(self, request, form, formset, change):
        if formset.model is not SourceItem:
            return super().save_formset(request, form, formset, change)
        # Items' headings and dates: through the service, proposed for review when public.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        reason = form.cleaned_data.get(REASON_FIELD, "")
        for item_form in formset.forms:
            if not item_form.has_changed() or item_form.instance.pk is None:
                continue
            changes = {
                name: item_form.cleaned_data[name]
                for name in item_form.changed_data
                if name in services.SOURCE_ITEM_FIELDS
            }
            self.update_or_propose_item(request, item_form.instance, changes, reason)
            formset.changed_objects.append((item_form.instance, item_form.changed_data))

    def update_or_propose_item(self, request, item, changes, reason):
        try:
            services.source_item_update(item=item, by=request.user, **changes)
        except services.NeedsReview as refusal:
            propose_public_change(request, item, changes, reason, refusal=refusal)

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
        form = QuoteForm(request.POST or None, user=request.user, admin_site=self.admin_site)
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
        # An occurrence chosen from those offered is a stored offset already; the picker counts
        # characters as the browser shows them (no \r in a \r\n).
        near = data.get("occurrence")
        if near is None and data.get("near") is not None:
            near = anchoring.stored_offset(source.text, data["near"])
        try:
            excerpt = services.excerpt_create(
                source=source,
                quote=data["quote"],
                near=near,
                prefix=data.get("prefix") or None,
                speaker=data.get("speaker"),
                by=request.user,
            )
            claim = data.get("claim")
            if claim and claim.review_state == ReviewState.PUBLISHED:
                added = {"excerpt": excerpt, "stance": data["stance"], "note": data.get("note", "")}
                services.change_propose(
                    target=claim,
                    changes={"add_evidence": added},
                    reason=data["reason"],
                    by=request.user,
                )
            elif claim:
                services.evidence_add(
                    claim=claim,
                    excerpt=excerpt,
                    stance=data["stance"],
                    note=data.get("note", ""),
                    by=request.user,
                    # The editor picked a draft in this form; its current version is the one.
                    expected_version=services.NO_VERSION_CHECK,
                )
        except anchoring.QuoteAmbiguous as error:
            form.add_error("quote", error.message)
            form.offer_occurrences(error.candidates)
            return None
        except anchoring.AnchoringError as error:
            form.add_error("quote", error.message)
            return None
        except services.NeedsReview as error:
            form.add_error("speaker", error.message)
            return None
        except services.WorkflowError as error:
            form.add_error("claim", error.message)
            return None
        except ValidationError as error:
            form.add_error("quote", error.messages)
            return None
        done = f"Excerpt saved at characters {excerpt.start}–{excerpt.end}: “{excerpt.text}”"
        if data.get("claim") and data["claim"].review_state == ReviewState.PUBLISHED:
            done += (
                f"; adding it as evidence for the published claim “{data['claim']}” is waiting "
                "for another reviewer's approval under “Change requests”"
            )
        elif data.get("claim"):
            done += f", {data['stance']} “{data['claim']}”"
        messages.success(request, done + ".")
        return excerpt


@admin.register(Excerpt)
class ExcerptAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    update_service = service(lambda obj, **kw: services.excerpt_update(excerpt=obj, **kw))
    delete_service = service(lambda obj, **kw: services.excerpt_delete(excerpt=obj, **kw))
    service_fields = services.EXCERPT_FIELDS
    list_display = ["quote", "source", "item", "voice", "speaker", "characters"]
    list_filter = [("source__publisher", admin.RelatedOnlyFieldListFilter), "voice", "speaker"]
    search_fields = ["text", "source__title"]
    readonly_fields = ["source", "start", "end", "text", "prefix", "suffix", "item", "created_at"]
    autocomplete_fields = ["speaker", "via"]
    list_select_related = ["source", "item", "speaker"]

    @admin.display(description="Quote", ordering="text")
    def quote(self, excerpt):
        return clamped(excerpt.text)

    @admin.display(description="Characters", ordering="start")
    def characters(self, excerpt):
        return f"{excerpt.start}–{excerpt.end}"

    def has_add_permission(self, request):
        # Excerpts are made from a quote or a selection: open a source and choose "Quote".
        return False
