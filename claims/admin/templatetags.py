"""The review queue shown on the admin index."""

from django import template
from django.urls import reverse

from claims.models import Claim, ReviewState

register = template.Library()


@register.inclusion_tag("admin/claims/review_queue.html", takes_context=True)
def review_queue(context):
    user = context["request"].user
    changelist = reverse("admin:claims_claim_changelist")
    awaiting = Claim.objects.filter(review_state=ReviewState.IN_REVIEW)
    mine = awaiting.filter(created_by=user)
    drafts = Claim.objects.filter(review_state=ReviewState.DRAFT, created_by=user)
    in_review = f"{changelist}?review_state__exact={ReviewState.IN_REVIEW}"
    return {
        "awaiting": awaiting.count(),
        "awaiting_mine": mine.count(),
        "awaiting_url": in_review,
        "awaiting_mine_url": f"{in_review}&created_by__id__exact={user.pk}",
        "my_drafts": drafts.count(),
        "my_drafts_url": f"{changelist}?review_state__exact={ReviewState.DRAFT}"
        f"&created_by__id__exact={user.pk}",
        "can_review": user.has_perm("claims.review_claim"),
        "can_submit": user.has_perm("claims.submit_claim"),
    }
