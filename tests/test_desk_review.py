"""Review where the reading happens: the claim's page offers the steps its reader may take now,
as buttons, under the same workflow and four-eyes rule as the list's bulk actions."""

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import ReviewEvent, ReviewState
from claims.services.workflow import MESSAGE_COMMENT_REQUIRED, MESSAGE_FOUR_EYES
from tests import factories

pytestmark = pytest.mark.django_db

Action = ReviewEvent.Action


@pytest.fixture
def draft(editor):
    """A draft by `editor` with one quote behind it."""
    return factories.draft_by(editor)


take = factories.step


def page_of(client, user, claim) -> str:
    client.force_login(user)
    return client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()


def buttons(html: str) -> list[str]:
    """The review steps offered as buttons on a claim's page, by action."""
    start = html.find('id="review-steps"')
    if start == -1:
        return []
    panel = html[start : html.index("</form>", start)]
    return [part.split('"', 1)[0] for part in panel.split('name="action" value="')[1:]]


def post_step(client, user, claim, action, *, comment="", version=None, follow=True):
    client.force_login(user)
    return client.post(
        reverse("admin:claims_claim_review", args=[claim.pk]),
        {
            "action": action,
            "version": claim.version if version is None else version,
            "comment": comment,
        },
        follow=follow,
    )


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_a_claims_page_offers_each_user_the_steps_they_may_take_now(
    client, draft, editor, reviewer
):
    assert buttons(page_of(client, editor, draft)) == [Action.SUBMIT]
    assert buttons(page_of(client, reviewer, draft)) == []
    take(draft, Action.SUBMIT, editor)
    assert buttons(page_of(client, editor, draft)) == []
    assert buttons(page_of(client, reviewer, draft)) == [
        Action.PUBLISH,
        Action.REQUEST_CHANGES,
        Action.REJECT,
    ]
    take(draft, Action.PUBLISH, reviewer)
    assert buttons(page_of(client, reviewer, draft)) == [Action.WITHDRAW]


def test_a_reviewer_sends_a_claim_back_from_its_page_with_a_comment(
    client, draft, editor, reviewer
):
    take(draft, Action.SUBMIT, editor)

    response = post_step(
        client, reviewer, draft, Action.REQUEST_CHANGES, comment="Quote the whole sentence."
    )

    assert response.redirect_chain == [(reverse("admin:claims_claim_change", args=[draft.pk]), 302)]
    assert "“He was beaten by guards.” sent back for changes." in messages_of(response)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT
    event = draft.review_events.last()
    assert (event.action, event.actor_name, event.comment) == (
        Action.REQUEST_CHANGES,
        "rita",
        "Quote the whole sentence.",
    )


def test_a_step_that_needs_a_comment_is_refused_without_one(client, draft, editor, reviewer):
    take(draft, Action.SUBMIT, editor)

    response = post_step(client, reviewer, draft, Action.REJECT, comment="  ")

    assert MESSAGE_COMMENT_REQUIRED in messages_of(response)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.IN_REVIEW


def test_a_step_from_a_stale_page_is_refused_saying_who_changed_it_and_keeps_the_comment(
    client, draft, editor, reviewer
):
    take(draft, Action.SUBMIT, editor)
    take(draft, Action.PUBLISH, factories.user("rob", "Reviewers"))
    seen = draft.version
    # While rita reads the page, a correction to the published claim is approved.
    factories.evidence(draft, factories.source(), "savage beating by prison guards")

    response = post_step(
        client, reviewer, draft, Action.WITHDRAW, comment="The source retracted it.", version=seen
    )

    assert "ledger-file-review changed this claim on" in messages_of(response)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.PUBLISHED
    # What the reviewer wrote is waiting in the comment box, not lost with the refused step.
    assert "The source retracted it.</textarea>" in response.content.decode()


def test_the_four_eyes_rule_holds_on_the_claims_page(client, draft, editor):
    take(draft, Action.SUBMIT, editor)
    editor.groups.add(factories.role("Reviewers"))  # an editor who also reviews

    html = page_of(client, editor, draft)
    assert Action.PUBLISH not in buttons(html)
    assert MESSAGE_FOUR_EYES.format(role="wrote") in html

    response = post_step(client, editor, draft, Action.PUBLISH)
    assert MESSAGE_FOUR_EYES.format(role="wrote") in messages_of(response)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.IN_REVIEW


def test_a_step_outside_the_users_role_is_forbidden(client, draft, editor, reviewer):
    assert post_step(client, reviewer, draft, Action.SUBMIT, follow=False).status_code == 403
    take(draft, Action.SUBMIT, editor)
    assert post_step(client, editor, draft, Action.PUBLISH, follow=False).status_code == 403
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.IN_REVIEW


def test_review_steps_are_taken_by_post_only(client, draft, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:claims_claim_review", args=[draft.pk]))
    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT


def test_review_steps_need_the_forms_csrf_token(draft, editor):
    client = Client(enforce_csrf_checks=True)
    response = post_step(client, editor, draft, Action.SUBMIT, follow=False)
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete_everything", "version": "1"},
        {"action": "submit", "version": "abc"},
        {"action": "submit"},
        {"action": "submit", "version": "99999999999999999999999"},
    ],
    ids=["unknown step", "version not a number", "no version", "version too large"],
)
def test_a_forged_review_form_gets_a_message_not_a_500(client, draft, editor, data):
    client.force_login(editor)
    response = client.post(reverse("admin:claims_claim_review", args=[draft.pk]), data, follow=True)
    assert response.status_code == 200
    assert "The review step was not understood" in messages_of(response)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT


def test_a_step_on_a_claim_that_does_not_exist_is_answered_not_crashed(client, editor):
    client.force_login(editor)
    for missing in ("999999", "abc"):
        response = client.post(
            reverse("admin:claims_claim_review", args=[missing]),
            {"action": "submit", "version": "1"},
        )
        assert response.status_code in (302, 404)
