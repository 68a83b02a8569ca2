"""Correcting a published claim from the desk: its wording, or a quote added to its evidence,
proposed with a reason and applied only when another reviewer approves."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import ChangeRequest, Claim, ReviewEvent

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def claim_form(claim, **overrides):
    data = {
        "text": claim.text,
        "dispute": claim.dispute_id or "",
        "speaker": claim.speaker_id or "",
        "seen_version": claim.version,
        "change_reason": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def approve(client, change, reviewer):
    client.force_login(reviewer)
    return client.post(
        reverse("admin:claims_changerequest_changelist"),
        {"action": "approve", "_selected_action": [change.pk], "comment": ""},
        follow=True,
    )


def test_rewording_a_published_claim_without_a_reason_is_refused(client, published, editor):
    claim, _, _ = published
    client.force_login(editor)

    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(claim, text="He was beaten to death."),
        follow=True,
    )

    assert "approved by another reviewer" in " ".join(messages_of(response))
    assert Claim.objects.get(pk=claim.pk).text == "He was beaten."
    assert not ChangeRequest.objects.exists()


def test_a_published_claim_reworded_with_a_reason_changes_when_another_reviewer_approves(
    client, published, editor, reviewer, other_editor
):
    claim, _, _ = published
    client.force_login(other_editor)
    reason = "The source says guards beat him; the wording should name them."

    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(claim, text="He was beaten by guards.", change_reason=reason),
        follow=True,
    )

    assert "waiting for another reviewer" in " ".join(messages_of(response))
    assert Claim.objects.get(pk=claim.pk).text == "He was beaten."
    change = ChangeRequest.objects.get()
    assert change.changes == {"text": "He was beaten by guards."} and change.reason == reason

    approve(client, change, reviewer)

    corrected = Claim.objects.get(pk=claim.pk)
    assert corrected.text == "He was beaten by guards."
    assert corrected.review_state == "published" and corrected.version > claim.version
    event = corrected.review_events.order_by("at", "pk").last()
    assert event.action == ReviewEvent.Action.CORRECT and reason in event.comment


def test_a_quote_for_a_published_claim_waits_for_approval_then_counts(
    client, published, editor, reviewer
):
    claim, source, _ = published
    client.force_login(editor)
    quote_page = reverse("admin:claims_source_quote", args=[source.pk])

    refused = client.post(
        quote_page, {"quote": "his body bearing bruises", "claim": claim.pk, "stance": "supports"}
    )
    assert "adding a quote is a change another reviewer approves" in refused.content.decode()

    client.post(
        quote_page,
        {
            "quote": "his body bearing bruises",
            "claim": claim.pk,
            "stance": "supports",
            "reason": "The bruises corroborate the beating.",
        },
    )
    assert claim.evidence.count() == 1, "nothing is added before approval"
    change = ChangeRequest.objects.get()

    approve(client, change, reviewer)

    assert claim.evidence.count() == 2
    assert Claim.objects.get(pk=claim.pk).review_events.last().action == "correct"
