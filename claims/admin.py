"""The editors' and reviewers' desk. Declarative; writes that carry rules go through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    Source,
    SourceItem,
    Speaker,
)


@admin.register(Publisher)
class PublisherAdmin(SimpleHistoryAdmin):
    list_display = ["name", "part_of", "url"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["part_of"]


@admin.register(Speaker)
class SpeakerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "description"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class SourceItemInline(admin.TabularInline):
    model = SourceItem
    extra = 0
    fields = ["heading", "published_on", "kind", "start", "end"]
    readonly_fields = ["start", "end"]


class ExcerptInline(admin.TabularInline):
    model = Excerpt
    extra = 0
    fields = ["text", "start", "end", "item", "speaker"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Excerpts are cut from a quote by the anchoring service, never typed with offsets.
        return False


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "kind", "published_on", "language"]
    list_filter = ["kind", "language", "publisher"]
    search_fields = ["title", "slug", "author", "text"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["sha256", "created_at", "updated_at"]
    autocomplete_fields = ["publisher"]
    inlines = [SourceItemInline, ExcerptInline]


@admin.register(Excerpt)
class ExcerptAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "source", "item", "speaker", "start", "end"]
    list_filter = ["source__publisher", "speaker"]
    search_fields = ["text", "source__title"]
    readonly_fields = ["source", "start", "end", "text", "prefix", "suffix", "item", "created_at"]
    autocomplete_fields = ["speaker"]

    def has_add_permission(self, request):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["excerpt", "stance", "note"]
    readonly_fields = ["excerpt", "stance", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Evidence changes a claim's status, so it is written by the evidence service.
        return False


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = ["text", "dispute", "speaker", "status", "review_state", "updated_at"]
    list_filter = ["status", "review_state", "dispute", "speaker"]
    search_fields = ["text", "slug"]
    readonly_fields = ["status", "created_at", "updated_at", "published_at"]
    autocomplete_fields = ["dispute", "speaker"]
    prepopulated_fields = {"slug": ["text"]}
    inlines = [EvidenceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dispute", "speaker")


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
class DisputeAdmin(SimpleHistoryAdmin):
    list_display = ["question", "review_state", "updated_at"]
    list_filter = ["review_state"]
    search_fields = ["question", "summary", "slug"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["created_at", "updated_at", "published_at"]
    inlines = [ClaimInline]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "stance", "excerpt"]
    list_filter = ["stance", "excerpt__source__publisher"]
    search_fields = ["claim__text", "excerpt__text"]
    list_select_related = ["claim", "excerpt__source"]
    readonly_fields = ["claim", "excerpt", "stance", "created_at"]

    def has_add_permission(self, request):
        return False
