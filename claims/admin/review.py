"""Review where the reading happens: the claim's page offers its reader the steps they may take
now, as buttons, and takes them through the workflow like the list's bulk actions do."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from claims import services
from claims.admin.forms import ReviewStepForm
from claims.services.workflow import TRANSITIONS

MESSAGE_STEP_TAKEN = "“{claim}” {done}."
MESSAGE_STEP_NOT_UNDERSTOOD = (
    "The review step was not understood; nothing was done. Reload the claim's page and try again."
)


def kept_comment_key(claim_pk) -> str:
    return f"claims:review-comment:{claim_pk}"


class ReviewStepsMixin:
    """Adds `<id>/review/` (POST only) and the steps panel under the claim's form."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(require_POST(self.review_view)),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id):
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, claim):
            raise PermissionDenied
        back = redirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        form = ReviewStepForm(request.POST)
        if not form.is_valid():
            self.message_user(request, MESSAGE_STEP_NOT_UNDERSTOOD, messages.ERROR)
            return back
        step = form.cleaned_data
        transition = TRANSITIONS[step["action"]]
        # A step outside the user's role is a forbidden request, as the API answers it; the
        # workflow's other refusals (four eyes, state, version, comment) are messages.
        if not request.user.has_perm(transition.permission):
            raise PermissionDenied
        try:
            services.claim_transition(
                claim=claim,
                action=transition.action,
                by=request.user,
                expected_version=step["version"],
                comment=step["comment"],
            )
        except services.WorkflowError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            # What the reviewer wrote waits in the comment box for their next try.
            request.session[kept_comment_key(claim.pk)] = step["comment"]
        else:
            self.message_user(
                request,
                MESSAGE_STEP_TAKEN.format(claim=claim, done=transition.done),
                messages.SUCCESS,
            )
        return back

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            choices = services.steps_for(obj, request.user)
            comment = request.session.pop(kept_comment_key(obj.pk), "")
            context.update(
                review_url=reverse("admin:claims_claim_review", args=[obj.pk]),
                review_form=ReviewStepForm(initial={"version": obj.version, "comment": comment}),
                review_steps=[choice for choice in choices if not choice.refusal],
                review_refusals=[choice for choice in choices if choice.refusal],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)
