"""What every page of the editorial desk shares: tamper-proof input, and writes through services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect

from claims import services

# URLs typed without a scheme are taken as https (Django 6's default, chosen now).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}

MESSAGE_BAD_SELECTION = (
    "The selected rows were not understood; nothing was done. Select them again."
)
MESSAGE_PROPOSED = (
    "Readers see this, so your change to {fields} was not applied: it is waiting for another "
    "reviewer's approval under “Change requests”."
)
MESSAGE_REASON_NEEDED = (
    "{refusal} To propose it, say why in “Reason for a change to published material”."
)
MESSAGE_PUBLISHED_CLAIM = (
    "This claim is published, so a correction must be approved by another reviewer."
)
# Longer searches are cut: each word is one more condition on every searched column, and SQLite
# refuses a query nested over 1,000 deep (a 500). The public search cuts at 200 characters too.
SEARCH_MAX_CHARS = 200

REASON_FIELD = "change_reason"


def reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for a change to published material",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=(
            "Needed only when readers already see this record: the change then waits for "
            "another reviewer, and the reason goes on the record of every claim it touches."
        ),
    )


def with_reason_field(form_class):
    """The form, declaring the reason field (declared, so the admin's form factory accepts it)."""
    return type(f"{form_class.__name__}WithReason", (form_class,), {REASON_FIELD: reason_field()})


class TamperProofAdminMixin:
    """Hand-edited addresses and forged form fields get a message or a 404, never a 500.

    Django's admin and simple-history pass these values to the database unchecked.
    """

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term[:SEARCH_MAX_CHARS])

    def changelist_view(self, request, extra_context=None):
        # A filter value the database cannot take (a year of twenty digits, an id that is not a
        # number) fails when the page is rendered; Django's own answer to a bad filter is to
        # show the unfiltered list with ?e=1, so that is the answer here too.
        if ERROR_FLAG in request.GET:  # already the unfiltered list: nothing left to drop
            return super().changelist_view(request, extra_context)
        unfiltered = HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        except (OverflowError, ValueError, ValidationError):
            return unfiltered
        return response

    def get_changeform_initial_data(self, request):
        """Prefilled values from the address, keeping only those the form's fields accept."""
        initial = super().get_changeform_initial_data(request)
        usable = {}
        for name, value in initial.items():
            try:
                field = self.model._meta.get_field(name)
                if field.is_relation:
                    if not field.related_model._default_manager.filter(pk=value).exists():
                        continue
                else:
                    field.to_python(value)
            except (FieldDoesNotExist, OverflowError, ValueError, TypeError, ValidationError):
                continue
            usable[name] = value
        return usable

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
        if request.method == "POST":
            # simple-history lets anyone who may view a record post its revert form, and then
            # saves the old version: only someone who may change the record may revert it.
            obj = self.get_object(request, object_id)
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class RefusalsAsMessagesMixin:
    """A service's refusal on a save or a revert is shown as a message on the page, never a 500.

    The admin saves inside a transaction, so nothing of a refused save is kept.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.WorkflowError, ValidationError) as refused:
            return self.refused(request, refused)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except (services.WorkflowError, ValidationError) as refused:
            return self.refused(request, refused)

    def refused(self, request, refused):
        message = getattr(refused, "message", None) or " ".join(refused.messages)
        self.message_user(request, message, messages.ERROR)
        return redirect(request.path)


class ServiceWritesAdminMixin(RefusalsAsMessagesMixin, TamperProofAdminMixin):
    """Saves, edits, history reverts and deletes go through the services, never `Model.save()`.

    A subclass names its services. An edit that would change what readers see is refused by the
    service; with a reason, it becomes a change request for another reviewer instead.
    """

    create_service = None  # (by=..., **fields) -> instance
    update_service = None  # (instance, by=..., **changes) -> instance
    delete_service = None  # (instance, by=...) -> None
    service_fields: tuple[str, ...] = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = with_reason_field(kwargs.get("form", self.form))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        listed = {name for _, options in fieldsets for name in options.get("fields", ())}
        if REASON_FIELD in listed:
            return fieldsets
        return [*fieldsets, ("Published material", {"fields": [REASON_FIELD]})]

    def fields_of(self, form) -> dict:
        return {
            name: form.cleaned_data[name]
            for name in self.service_fields
            if name in form.cleaned_data
        }

    def save_model(self, request, obj, form, change):
        fields = self.fields_of(form)
        if not change:
            created = self.create_service(by=request.user, **fields)
            obj.pk = created.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return
        # Every field, not the form's changed_data: reverting to an old version compares with
        # that version, not with the record; the service compares with the database.
        reason = form.cleaned_data.get(REASON_FIELD, "")
        self.update_or_propose(request, obj, fields, reason)
        obj.refresh_from_db()

    def update_or_propose(self, request, obj, changes: dict, reason: str):
        """Apply the edit, or, for public material, propose it with the editor's reason."""
        if not changes:
            return
        try:
            self.update_service(obj, by=request.user, **changes)
        except services.NeedsReview as refusal:
            propose_public_change(request, obj, changes, reason, refusal=refusal)

    def response_change(self, request, obj):
        return proposed_response(self, request) or super().response_change(request, obj)

    def delete_model(self, request, obj):
        self.delete_service(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(obj, by=request.user)


def propose_public_change(request, obj, changes: dict, reason: str, *, refusal) -> None:
    """Turn an edit of public material into a change request, or refuse it without a reason."""
    if not changes:
        return
    if not reason.strip():
        message = refusal.message if refusal else MESSAGE_PUBLISHED_CLAIM
        raise services.WorkflowError(MESSAGE_REASON_NEEDED.format(refusal=message))
    services.change_propose(target=obj, changes=changes, reason=reason, by=request.user)
    request._ledger_proposed = [*getattr(request, "_ledger_proposed", []), *changes]


def proposed_response(model_admin, request):
    """After a save that became a change request: say so, and stay on the page."""
    proposed = getattr(request, "_ledger_proposed", None)
    if not proposed:
        return None
    fields = ", ".join(sorted(set(proposed)))
    model_admin.message_user(request, MESSAGE_PROPOSED.format(fields=fields), messages.WARNING)
    return redirect(request.path)


def service(function):
    """A service as a class attribute, so that it is not bound as a method."""
    return staticmethod(function)
