"""Change requests hold: a reviewer approves what they saw, a change to something gone is refused
with a reason, an approval unlocks only its own record, and withdrawn claims stay on the record."""

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, Source
from tests import factories

pytestmark = pytest.mark.django_db


def test_two_changes_to_one_field_the_second_is_refused_once_the_first_is_applied(
    published, editor, reviewer
):
    _, source, _ = published
    first = services.change_propose(
        target=source, changes={"title": "Title B"}, reason="Typo.", by=editor
    )
    second = services.change_propose(
        target=source, changes={"title": "Title C"}, reason="Other typo.", by=editor
    )
    services.change_approve(change=first, by=reviewer)

    with pytest.raises(services.EditConflict, match="changed since this was proposed"):
        services.change_approve(change=second, by=reviewer)

    assert Source.objects.get(pk=source.pk).title == "Title B"


def test_a_change_whose_record_is_gone_is_refused_saying_so(published, editor, reviewer):
    claim, source, _ = published
    spare = factories.source("Nobody quotes this text.")
    excerpt = services.excerpt_create(source=spare, quote="Nobody quotes", by=editor)
    change = services.change_propose(
        target=claim,
        changes={"add_evidence": {"excerpt": excerpt, "stance": "supports"}},
        reason="More.",
        by=editor,
    )
    services.excerpt_delete(excerpt=excerpt, by=editor)

    with pytest.raises(services.WorkflowError, match="no longer exists"):
        services.change_approve(change=change, by=reviewer)


@pytest.mark.parametrize("value", [5, [2020], {"a": 1}, "not a date"])
def test_a_proposed_value_of_the_wrong_kind_is_refused_by_field(published, editor, value):
    _, source, _ = published
    with pytest.raises(ValidationError) as refused:
        services.change_propose(
            target=source, changes={"published_on": value}, reason="Date.", by=editor
        )
    assert "published_on" in refused.value.message_dict


def test_text_fields_take_text_only(published, editor):
    _, source, _ = published
    with pytest.raises(ValidationError) as refused:
        services.change_propose(
            target=source, changes={"title": {"a": 1}}, reason="Title.", by=editor
        )
    assert "title" in refused.value.message_dict


def test_an_approval_unlocks_only_its_own_record(published, editor, reviewer):
    claim, source, excerpt = published
    other = services.change_propose(
        target=source, changes={"title": "Another title"}, reason="Typo.", by=editor
    )
    services.change_approve(change=other, by=reviewer)
    other.refresh_from_db()
    claim.refresh_from_db()

    with pytest.raises(services.NeedsReview):
        services.excerpt_update(
            excerpt=excerpt, by=editor, approval=other, speaker=factories.speaker()
        )
    with pytest.raises(services.NeedsReview):
        services.claim_update(
            claim=claim,
            by=editor,
            expected_version=claim.version,
            approval=other,
            text="Reworded.",
        )


def test_a_withdrawn_claims_quotes_still_change_only_through_review(published, editor, reviewer):
    claim, _, excerpt = published
    services.claim_transition(
        claim=claim, action="withdraw", by=reviewer, expected_version=claim.version, comment="Old."
    )

    with pytest.raises(services.NeedsReview):
        services.excerpt_update(excerpt=excerpt, by=editor, speaker=factories.speaker())


def test_items_are_marked_before_a_source_is_quoted(published, editor):
    _, source, _ = published
    with pytest.raises(ValidationError, match="Items divide a source before it is quoted"):
        services.source_item_add(source=source, heading="Officials said", by=editor)
    assert not source.items.exists()


def test_the_same_publisher_named_twice_is_one_voice(editor):
    first = services.publisher_for(name_or_slug="Brand New Outlet", by=editor)
    again = services.publisher_for(name_or_slug="Brand New Outlet", by=editor)
    by_slug = services.publisher_for(name_or_slug="brand-new-outlet", by=editor)
    assert first == again == by_slug


def test_a_correction_is_on_the_record_of_withdrawn_claims_it_touches_too(
    published, editor, reviewer
):
    claim, source, _ = published
    services.claim_transition(
        claim=claim, action="withdraw", by=reviewer, expected_version=claim.version, comment="Old."
    )
    change = services.change_propose(
        target=source, changes={"title": "The corrected title"}, reason="Typo.", by=editor
    )

    services.change_approve(change=change, by=reviewer)

    event = Claim.objects.get(pk=claim.pk).review_events.order_by("at", "pk").last()
    assert (event.action, event.from_state, event.to_state) == ("correct", "withdrawn", "withdrawn")
