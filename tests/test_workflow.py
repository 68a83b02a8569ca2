"""The review workflow: who may take which step, four eyes, no lost updates, a record of each."""

import pytest
from django.utils import timezone

from claims import services
from claims.models import Claim, ReviewEvent, ReviewState
from claims.services.workflow import (
    MESSAGE_COMMENT_REQUIRED,
    MESSAGE_FOUR_EYES,
    MESSAGE_NO_EVIDENCE,
    EditConflict,
    InvalidTransition,
    NotAllowed,
    WorkflowError,
    claim_transition,
    steps_for,
)
from tests import factories

pytestmark = pytest.mark.django_db

Action = ReviewEvent.Action


@pytest.fixture
def draft(editor):
    """A draft claim written by `editor`, with one quote behind it."""
    claim = services.claim_create(
        text="He was beaten by guards.", dispute=factories.dispute(), by=editor
    )
    source = factories.source()
    excerpt = services.excerpt_create(
        source=source, quote="savage beating by prison guards", by=editor
    )
    services.evidence_add(
        claim=claim, excerpt=excerpt, stance="supports", by=editor, expected_version=claim.version
    )
    claim.refresh_from_db()
    return claim


def step(claim, action, by, comment="", expected_version=None):
    """Take a review step on the claim as `by` reads it now, unless told which version they saw."""
    if expected_version is None:
        claim.refresh_from_db()
        expected_version = claim.version
    return claim_transition(
        claim=claim, action=action, by=by, comment=comment, expected_version=expected_version
    )


def edit(claim, by, **changes):
    """Change a draft as `by`, from the version they read now."""
    claim.refresh_from_db()
    return services.claim_update(claim=claim, by=by, expected_version=claim.version, **changes)


def test_a_claim_goes_from_draft_to_review_to_published(draft, editor, reviewer):
    step(draft, Action.SUBMIT, editor)
    published = step(draft, Action.PUBLISH, reviewer)

    assert published.review_state == ReviewState.PUBLISHED
    assert published.published_at is not None
    assert [(e.action, e.actor_name) for e in draft.review_events.all()] == [
        ("submit", "edna"),
        ("publish", "rita"),
    ]


def test_a_dispute_is_published_with_its_first_published_claim(draft, editor, reviewer):
    assert draft.dispute.review_state == ReviewState.DRAFT
    step(draft, Action.SUBMIT, editor)
    step(draft, Action.PUBLISH, reviewer)
    draft.dispute.refresh_from_db()
    assert draft.dispute.review_state == ReviewState.PUBLISHED


def test_the_author_cannot_publish_their_own_claim(draft, editor):
    editor.groups.add(factories.role("Reviewers"))
    step(draft, Action.SUBMIT, editor)
    with pytest.raises(NotAllowed, match="you wrote: another reviewer must check it"):
        step(draft, Action.PUBLISH, editor)


def test_the_last_editor_cannot_publish_either(draft, superuser, reviewer, editor):
    edit(draft, superuser, text="Beaten.")
    step(draft, Action.SUBMIT, editor)
    with pytest.raises(NotAllowed, match="you last edited"):
        step(draft, Action.PUBLISH, superuser)
    assert step(draft, Action.PUBLISH, reviewer).review_state == ReviewState.PUBLISHED


def test_editors_cannot_take_review_steps_and_reviewers_cannot_submit(draft, editor, reviewer):
    with pytest.raises(NotAllowed, match="permission to submit"):
        step(draft, Action.SUBMIT, reviewer)
    step(draft, Action.SUBMIT, editor)
    with pytest.raises(NotAllowed, match="permission to publish"):
        step(draft, Action.PUBLISH, factories.user("other", "Editors"))


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT])
def test_sending_back_or_rejecting_needs_a_comment(draft, editor, reviewer, action):
    step(draft, Action.SUBMIT, editor)
    with pytest.raises(InvalidTransition, match=MESSAGE_COMMENT_REQUIRED):
        step(draft, action, reviewer, comment="  ")
    done = step(draft, action, reviewer, comment="Quote the whole sentence.")
    expected = ReviewState.DRAFT if action == Action.REQUEST_CHANGES else ReviewState.REJECTED
    assert done.review_state == expected
    assert draft.review_events.last().comment == "Quote the whole sentence."


def test_withdrawing_a_published_claim_needs_a_reason(draft, editor, reviewer):
    step(draft, Action.SUBMIT, editor)
    step(draft, Action.PUBLISH, reviewer)
    with pytest.raises(InvalidTransition, match=MESSAGE_COMMENT_REQUIRED):
        step(draft, Action.WITHDRAW, reviewer)
    withdrawn = step(draft, Action.WITHDRAW, reviewer, comment="The source retracted it.")
    assert withdrawn.review_state == ReviewState.WITHDRAWN
    assert not Claim.objects.published().filter(pk=draft.pk).exists()


def test_steps_from_the_wrong_state_are_refused_with_the_state_named(draft, reviewer):
    with pytest.raises(InvalidTransition, match="Only claims that are in review can be published"):
        step(draft, Action.PUBLISH, reviewer)
    with pytest.raises(InvalidTransition, match="this one is draft"):
        step(draft, Action.WITHDRAW, reviewer, comment="x")


def test_a_claim_without_evidence_cannot_be_published(editor, reviewer):
    bare = services.claim_create(text="Nothing behind it.", by=editor)
    step(bare, Action.SUBMIT, editor)
    with pytest.raises(InvalidTransition, match=MESSAGE_NO_EVIDENCE):
        step(bare, Action.PUBLISH, reviewer)


def test_a_step_from_a_stale_version_is_refused(draft, editor, other_editor):
    seen = draft.version
    services.claim_update(claim=draft, by=other_editor, expected_version=seen, text="Changed.")
    with pytest.raises(EditConflict, match=f"you had version {seen}"):
        step(draft, Action.SUBMIT, editor, expected_version=seen)


def test_a_stale_version_is_refused_naming_who_changed_the_claim_and_when(
    draft, editor, other_editor
):
    seen = draft.version
    edit(draft, other_editor, text="Changed by ed.")
    changed = timezone.localtime(draft.history.get(version=seen + 1).history_date)

    with pytest.raises(EditConflict) as refused:
        step(draft, Action.SUBMIT, editor, expected_version=seen)

    assert refused.value.message == (
        f"ed changed this claim on {changed:%Y-%m-%d at %H:%M} UTC, after you opened it (you had "
        f"version {seen}; it is now at version {seen + 1}). Reload it, check the change, then "
        "try again."
    )


def test_a_stale_version_after_your_own_change_elsewhere_says_it_was_you(draft, editor):
    seen = draft.version
    edit(draft, editor, text="Changed in another tab.")
    with pytest.raises(EditConflict, match="^You, in another tab or window, changed this claim on"):
        services.claim_update(claim=draft, by=editor, expected_version=seen, text="This tab.")


def test_a_stale_version_names_the_change_that_made_the_current_version(
    draft, editor, other_editor, reviewer
):
    # Review steps raise the version too: the reviewer's step is the change to name, not the
    # edit before it.
    seen = draft.version
    edit(draft, other_editor, text="Changed by ed.")
    step(draft, Action.SUBMIT, editor)
    step(draft, Action.REQUEST_CHANGES, reviewer, comment="Quote the whole sentence.")
    with pytest.raises(EditConflict, match="^rita changed this claim on"):
        services.claim_update(claim=draft, by=editor, expected_version=seen, text="Old tab.")


def test_the_second_of_two_edits_from_the_same_version_is_refused(draft, editor, other_editor):
    seen = draft.version
    services.claim_update(claim=draft, by=editor, expected_version=seen, text="First edit.")
    with pytest.raises(EditConflict):
        services.claim_update(claim=draft, by=other_editor, expected_version=seen, text="Second.")
    draft.refresh_from_db()
    assert draft.text == "First edit."


def test_only_drafts_can_be_edited(draft, editor, reviewer):
    step(draft, Action.SUBMIT, editor)
    with pytest.raises(services.NotEditable, match="in review.*send it back"):
        edit(draft, editor, text="Sneaky.")
    excerpt = draft.evidence.first().excerpt
    with pytest.raises(services.NotEditable):
        services.evidence_add(
            claim=draft,
            excerpt=excerpt,
            stance="contradicts",
            by=editor,
            expected_version=draft.version,
        )


def test_evidence_changes_make_a_new_version_by_their_editor(draft, other_editor):
    before = draft.version
    source = factories.source("Another source says he was beaten.")
    excerpt = services.excerpt_create(source=source, quote="he was beaten", by=other_editor)
    services.evidence_add(
        claim=draft, excerpt=excerpt, stance="supports", by=other_editor, expected_version=before
    )
    draft.refresh_from_db()
    assert draft.version == before + 1
    assert draft.last_edited_by == other_editor


def test_every_step_writes_a_history_row(draft, editor, reviewer):
    rows = draft.history.count()
    step(draft, Action.SUBMIT, editor)
    step(draft, Action.PUBLISH, reviewer)
    assert draft.history.count() == rows + 2
    assert draft.history.first().history_change_reason == "published"


# -- four eyes: whoever contributed to a claim, at any time, cannot publish it -------------------


@pytest.fixture
def editing_reviewer(db):
    """A reviewer who also has editor rights: they may write drafts, and publish others' claims."""
    return factories.user("eve", "Editors", "Reviewers")


def test_a_reviewer_who_rewrote_the_text_cannot_publish_even_after_the_author_edited_again(
    draft, editor, editing_reviewer, reviewer
):
    edit(draft, editing_reviewer, text="He was beaten by prison guards.")
    edit(draft, editor, text="He was beaten by guards in prison.")  # the author has the last word
    step(draft, Action.SUBMIT, editor)
    draft.refresh_from_db()
    assert draft.last_edited_by == editor

    with pytest.raises(NotAllowed, match="you wrote a version of: another reviewer must check it"):
        step(draft, Action.PUBLISH, editing_reviewer)
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.IN_REVIEW
    assert step(draft, Action.PUBLISH, reviewer).review_state == ReviewState.PUBLISHED


@pytest.mark.parametrize("change", ["added", "changed the stance of", "removed"])
def test_a_reviewer_who_chose_evidence_for_the_claim_cannot_publish_it(
    draft, editor, editing_reviewer, reviewer, change
):
    source = factories.source("Another paper says he was beaten.")
    excerpt = services.excerpt_create(source=source, quote="he was beaten", by=editor)
    if change != "added":  # the author ties the quote; the reviewer changes or removes it
        services.evidence_add(
            claim=draft,
            excerpt=excerpt,
            stance="supports",
            by=editor,
            expected_version=draft.version,
        )
        draft.refresh_from_db()
    if change == "removed":
        services.evidence_remove(
            evidence=draft.evidence.get(excerpt=excerpt),
            by=editing_reviewer,
            expected_version=draft.version,
        )
    else:
        services.evidence_add(
            claim=draft,
            excerpt=excerpt,
            stance="contradicts" if change == "changed the stance of" else "supports",
            by=editing_reviewer,
            expected_version=draft.version,
        )
    edit(draft, editor, text="He was beaten by guards in prison.")  # the author edits last
    step(draft, Action.SUBMIT, editor)

    with pytest.raises(NotAllowed, match="you chose evidence for: another reviewer must check"):
        step(draft, Action.PUBLISH, editing_reviewer)
    assert step(draft, Action.PUBLISH, reviewer).review_state == ReviewState.PUBLISHED


def test_a_reviewer_who_only_sent_the_claim_back_earlier_can_publish_it(
    draft, editor, editing_reviewer
):
    step(draft, Action.SUBMIT, editor)
    step(draft, Action.REQUEST_CHANGES, editing_reviewer, comment="Say which guards.")
    edit(draft, editor, text="He was beaten by prison guards.")
    step(draft, Action.SUBMIT, editor)

    published = step(draft, Action.PUBLISH, editing_reviewer)

    assert published.review_state == ReviewState.PUBLISHED
    assert [(e.action, e.actor_name) for e in draft.review_events.all()] == [
        ("submit", "edna"),
        ("request_changes", "eve"),
        ("submit", "edna"),
        ("publish", "eve"),
    ]


# -- the steps a user may take now, as the desk offers them ------------------------------------


def offered(claim, user):
    """The steps offered to `user` on the claim as it is now: each with why it is refused, if it
    is ("" when they may take it)."""
    claim.refresh_from_db()
    return {choice.transition.action: choice.refusal for choice in steps_for(claim, user)}


def test_each_user_is_offered_the_steps_their_role_and_the_claims_state_allow(
    draft, editor, other_editor, reviewer
):
    assert offered(draft, editor) == {Action.SUBMIT: ""}
    assert offered(draft, other_editor) == {Action.SUBMIT: ""}
    assert offered(draft, reviewer) == {}
    step(draft, Action.SUBMIT, editor)
    assert offered(draft, editor) == {}
    assert offered(draft, reviewer) == {
        Action.PUBLISH: "",
        Action.REQUEST_CHANGES: "",
        Action.REJECT: "",
    }
    step(draft, Action.PUBLISH, reviewer)
    assert offered(draft, reviewer) == {Action.WITHDRAW: ""}
    assert offered(draft, editor) == {}
    step(draft, Action.WITHDRAW, reviewer, comment="The source retracted it.")
    assert offered(draft, reviewer) == {}


def test_a_step_refused_to_a_user_is_offered_with_the_workflows_own_reason(draft, editor):
    editor.groups.add(factories.role("Reviewers"))
    bare = services.claim_create(text="Nothing behind it.", by=editor)
    for claim in (draft, bare):
        step(claim, Action.SUBMIT, editor)
    reviewer_two = factories.user("rob", "Reviewers")

    assert offered(draft, editor) == {
        Action.PUBLISH: MESSAGE_FOUR_EYES.format(role="wrote"),
        Action.REQUEST_CHANGES: "",
        Action.REJECT: "",
    }
    assert offered(bare, reviewer_two)[Action.PUBLISH] == MESSAGE_NO_EVIDENCE
    # The reason offered is the refusal the step itself gives: one rule, in one place.
    for claim, user in ((draft, editor), (bare, reviewer_two)):
        with pytest.raises(WorkflowError) as refused:
            step(claim, Action.PUBLISH, user)
        assert refused.value.message == offered(claim, user)[Action.PUBLISH]
