"""The desk's front page is each person's inbox: the claims sent back to them with the reviewer's
comment, the claims waiting for their review, and what others changed since they last looked."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import Claim, DeskPreferences, ReviewEvent
from claims.services import desk
from tests import factories

pytestmark = pytest.mark.django_db

Action = ReviewEvent.Action


def written(text, by):
    """A draft by `by`, with one quote behind it."""
    return factories.draft_by(by, text)


take = factories.step


def front_page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    """One part of the inbox, by its id ("" if the page has none)."""
    start = html.find(f'id="{name}"')
    return "" if start == -1 else html[start : html.index("</section>", start)]


def test_an_editor_sees_the_claims_sent_back_to_them_with_the_reviewers_comment(
    client, editor, other_editor, reviewer
):
    mine = take(written("He was beaten by guards.", editor), Action.SUBMIT, editor)
    take(mine, Action.REQUEST_CHANGES, reviewer, "Quote the whole sentence.")
    theirs = take(written("He died of heart failure.", other_editor), Action.SUBMIT, other_editor)
    take(theirs, Action.REQUEST_CHANGES, reviewer, "Which officials?")

    sent_back = section(front_page(client, editor), "inbox-sent-back")

    assert "He was beaten by guards." in sent_back
    assert "Changes requested by rita" in sent_back
    assert "Quote the whole sentence." in sent_back
    assert reverse("admin:claims_claim_change", args=[mine.pk]) in sent_back
    assert "He died of heart failure." not in sent_back


def test_a_claim_leaves_the_sent_back_list_once_it_is_submitted_again(client, editor, reviewer):
    claim = take(written("He was beaten by guards.", editor), Action.SUBMIT, editor)
    take(claim, Action.REQUEST_CHANGES, reviewer, "Quote the whole sentence.")
    take(claim, Action.SUBMIT, editor)

    sent_back = section(front_page(client, editor), "inbox-sent-back")

    assert "He was beaten by guards." not in sent_back
    assert "Nothing is waiting for you to fix." in sent_back


def test_a_reviewer_sees_the_claims_waiting_for_their_review_but_not_their_own(
    client, editor, reviewer
):
    eve = factories.user("eve", "Editors", "Reviewers")
    take(written("Written by edna.", editor), Action.SUBMIT, editor)
    take(written("Written by eve.", eve), Action.SUBMIT, eve)
    written("Still a draft.", editor)

    waiting = section(front_page(client, eve), "inbox-to-review")
    assert "Written by edna." in waiting and "submitted by edna" in waiting
    assert "Written by eve." not in waiting and "Still a draft." not in waiting
    assert "Written by eve." in section(front_page(client, reviewer), "inbox-to-review")
    # Each is shown the lists of their roles: editors have no review list, reviewers who do not
    # write claims no list of claims sent back.
    assert section(front_page(client, editor), "inbox-to-review") == ""
    assert section(front_page(client, reviewer), "inbox-sent-back") == ""


def test_the_front_page_shows_what_others_changed_since_you_last_looked(
    client, editor, other_editor, reviewer, monkeypatch
):
    claim = written("He was beaten by guards.", editor)
    first_look = section(front_page(client, editor), "inbox-changed")
    assert "From your next visit, what others change appears here." in first_look

    services.claim_update(
        claim=claim, by=other_editor, expected_version=claim.version, text="He was beaten."
    )
    take(claim, Action.SUBMIT, editor)  # edna's own step: she knows of it
    take(claim, Action.REQUEST_CHANGES, reviewer, "Quote the whole sentence.")
    published = factories.claim("Published meanwhile.")
    factories.evidence(published, factories.source(), "savage beating by prison guards")
    services.change_propose(
        target=published,
        changes={"text": "Published meanwhile, and corrected."},
        reason="The source says more.",
        by=other_editor,
    )

    changed = section(front_page(client, editor), "inbox-changed")

    assert "He was beaten." in changed
    assert "2 changes" in changed  # ed's edit and rita's step; edna's own submission not counted
    assert "rita" in changed and "sent back for changes" in changed
    assert "Published meanwhile." in changed
    assert "Change proposed by ed" in changed and "The source says more." in changed
    # Coming back within the sitting (from a claim, or a reload) keeps the list...
    assert "He was beaten." in section(front_page(client, editor), "inbox-changed")
    # ...and the next sitting starts from the last look.
    monkeypatch.setattr(desk, "SITTING", timedelta(0))
    front_page(client, editor)
    again = section(front_page(client, editor), "inbox-changed")
    assert "Nothing has changed since you last looked" in again
    assert DeskPreferences.objects.get(user=editor).last_seen_desk_at is not None


def test_a_claims_editors_are_whom_its_review_steps_concern_in_lists_and_one_by_one(
    editor, other_editor, reviewer
):
    claim = written("He was beaten by guards.", editor)
    services.claim_update(
        claim=claim, by=other_editor, expected_version=claim.version, text="He was beaten."
    )
    claim.refresh_from_db()
    for user in (editor, other_editor, reviewer):
        in_list = Claim.objects.edited_by(user).filter(pk=claim.pk).exists()
        assert in_list == (user.pk in claim.editor_ids), user


def test_the_front_page_asks_as_many_queries_however_much_is_in_the_inbox(client, editor):
    eve = factories.user("eve", "Editors", "Reviewers")
    rita = factories.user("rita", "Reviewers")

    def add(count, start):
        for n in range(start, start + count):
            mine = take(written(f"Claim by eve, number {n}.", eve), Action.SUBMIT, eve)
            take(mine, Action.REQUEST_CHANGES, rita, f"Fix {n}.")
            take(written(f"Claim by edna, number {n}.", editor), Action.SUBMIT, editor)
            published = factories.claim(f"Published {n}.")
            source = factories.source(f"Sentence {n} says this.")
            factories.evidence(published, source, f"Sentence {n} says this.")
            services.change_propose(
                target=source,
                changes={"title": f"Source {n}, retitled"},
                reason="The title was misspelt.",
                by=factories.author(),
            )

    client.force_login(eve)
    client.get(reverse("admin:index"))  # a first look, so that later ones list changes
    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("admin:index")).content.decode()
    assert "Claim by edna, number 1." in section(html, "inbox-changed")
    add(8, 2)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("admin:index")).content.decode()
    assert "Claim by edna, number 9." in section(html, "inbox-to-review")
    assert "Claim by eve, number 9." in section(html, "inbox-sent-back")
    assert len(many) == len(few), [q["sql"] for q in many]
