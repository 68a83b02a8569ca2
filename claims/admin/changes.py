"""Change requests: edits to published material, waiting for another reviewer."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin.forms import ReviewActionForm
from claims.admin.mixins import TamperProofAdminMixin
from claims.models import ChangeRequest


@admin.register(ChangeRequest)
class ChangeRequestAdmin(TamperProofAdminMixin, SimpleHistoryAdmin):
    action_form = ReviewActionForm
    list_display = ["target_label", "changed_fields", "state", "proposed_by", "proposed_at"]
    list_filter = ["state", "target_model"]
    search_fields = ["target_label", "reason"]
    list_select_related = ["proposed_by"]
    fields = [
        "record",
        "what_changes",
        "reason",
        "state",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "comment",
    ]
    readonly_fields = fields
    actions = ["approve", "reject"]

    @admin.display(description="Record")
    def record(self, change):
        """The kind of record and a link to its page in the desk (or its name, if it is gone)."""
        model = change.target_class
        kind = model._meta.verbose_name.capitalize()
        if not model.objects.filter(pk=change.target_id).exists():
            return f"{kind}: {change.target_label} (no longer exists)"
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
            args=[change.target_id],
        )
        return format_html('{}: <a href="{}">{}</a>', kind, url, change.target_label)

    @admin.display(description="Fields")
    def changed_fields(self, change):
        return ", ".join(sorted(change.changes))

    @admin.display(description="What changes")
    def what_changes(self, change):
        return format_html(
            "<table><tr><th>Field</th><th>When proposed</th><th>Proposed</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (name, change.previous.get(name), value)
                    for name, value in sorted(change.changes.items())
                ),
            ),
        )

    def has_add_permission(self, request):
        # Proposed from the record's own page, where the edit is made.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm(services.changes.REVIEW_PERMISSION)

    @admin.action(description="Approve and apply (four-eyes: not your own)", permissions=["review"])
    def approve(self, request, queryset):
        self._decide(request, queryset, services.change_approve, "approved")

    @admin.action(description="Reject (comment required)", permissions=["review"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.change_reject, "rejected")

    def _decide(self, request, queryset, decide, done):
        comment = request.POST.get("comment", "")
        decided, refused = [], []
        for change in queryset.order_by("pk"):
            try:
                decide(change=change, by=request.user, comment=comment)
            except services.WorkflowError as error:
                refused.append(f"“{change}”: {error.message}")
            except ValidationError as error:
                refused.append(f"“{change}”: {' '.join(error.messages)}")
            else:
                decided.append(f"“{change.target_label}”")
        if decided:
            self.message_user(
                request,
                ngettext(
                    "%(n)d change %(done)s: %(rows)s",
                    "%(n)d changes %(done)s: %(rows)s",
                    len(decided),
                )
                % {"n": len(decided), "done": done, "rows": "; ".join(decided)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, " ".join(refused), messages.WARNING)
