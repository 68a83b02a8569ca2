"""Notification emails: the claim's editors hear when it is sent back, rejected, published or
withdrawn, and reviewers when a claim waits for review; never about their own step, never once
they turned notifications off, and only for steps that were committed."""

import logging

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from claims import services
from claims.models import DeskPreferences, ReviewEvent
from tests import factories

pytestmark = pytest.mark.django_db

Action = ReviewEvent.Action


@pytest.fixture(autouse=True)
def _desk_address(settings):
    settings.LEDGER_SITE_URL = "https://ledger.example.org"


def with_email(user):
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def edna(editor):
    return with_email(editor)


@pytest.fixture
def rita(reviewer):
    return with_email(reviewer)


@pytest.fixture
def rob(db):
    return with_email(factories.user("rob", "Reviewers"))


@pytest.fixture
def draft(edna):
    return factories.draft_by(edna)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what a step leaves for after its commit, as a committed request would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


take = factories.step


def sent_to() -> list[list[str]]:
    return sorted(message.to for message in mail.outbox)


def test_an_editor_is_emailed_the_reviewers_comment_when_their_claim_is_sent_back(
    commits, draft, edna, rita, rob
):
    take(draft, Action.SUBMIT, edna)
    mail.outbox.clear()

    commits(take, draft, Action.REQUEST_CHANGES, rita, "Quote the whole sentence.")

    assert sent_to() == [["edna@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "[Claim ledger] Sent back for changes: “He was beaten by guards.”"
    assert "Your claim “He was beaten by guards.” was sent back for changes by rita." in (
        message.body
    )
    assert "Quote the whole sentence." in message.body
    change_page = reverse("admin:claims_claim_change", args=[draft.pk])
    assert f"https://ledger.example.org{change_page}" in message.body
    assert f"https://ledger.example.org{reverse('admin:desk_notifications')}" in message.body


@pytest.mark.parametrize(
    ("steps", "subject"),
    [
        ([(Action.PUBLISH, "")], "Published"),
        ([(Action.REJECT, "Not a checkable claim.")], "Rejected"),
        ([(Action.PUBLISH, ""), (Action.WITHDRAW, "The source retracted it.")], "Withdrawn"),
    ],
    ids=["published", "rejected", "withdrawn"],
)
def test_editors_are_emailed_when_their_claim_is_decided(
    commits, draft, edna, rita, steps, subject
):
    editor_two = with_email(factories.user("ed", "Editors"))
    draft.refresh_from_db()
    services.claim_update(  # the last editor hears too
        claim=draft, by=editor_two, expected_version=draft.version, text="He was beaten."
    )
    take(draft, Action.SUBMIT, edna)
    *before, (action, comment) = steps
    for earlier, earlier_comment in before:
        take(draft, earlier, rita, earlier_comment)
    mail.outbox.clear()

    commits(take, draft, action, rita, comment)

    assert sent_to() == [["ed@example.org"], ["edna@example.org"]]
    assert {m.subject for m in mail.outbox} == {f"[Claim ledger] {subject}: “He was beaten.”"}
    if comment:
        assert all(comment in m.body for m in mail.outbox)


def test_reviewers_who_may_publish_it_are_emailed_when_a_claim_waits_for_review(
    commits, draft, edna, rita, rob
):
    author_reviewer = with_email(factories.user("eve", "Editors", "Reviewers"))
    with_email(factories.user("ed", "Editors"))  # editors are not asked to review
    draft.refresh_from_db()
    services.claim_update(claim=draft, by=author_reviewer, expected_version=draft.version, text="x")

    commits(take, draft, Action.SUBMIT, edna)

    # eve edited the claim, so the four-eyes rule leaves it to the others.
    assert sent_to() == [["rita@example.org"], ["rob@example.org"]]
    assert mail.outbox[0].subject == "[Claim ledger] Waiting for review: “x”"
    assert "“x” was submitted for review by edna." in mail.outbox[0].body


def test_no_one_is_emailed_about_their_own_step(commits, draft, edna):
    eve = with_email(factories.user("eve", "Editors", "Reviewers"))
    draft.refresh_from_db()
    services.claim_update(claim=draft, by=eve, expected_version=draft.version, text="Beaten.")
    take(draft, Action.SUBMIT, edna)

    # eve is the claim's last editor, and the reviewer who sends it back: edna alone hears.
    commits(take, draft, Action.REQUEST_CHANGES, eve, "Quote the whole sentence.")

    assert sent_to() == [["edna@example.org"]]


def test_someone_who_turned_notifications_off_gets_none(commits, draft, edna, rita, rob):
    services.desk_preferences_update(user=rob, notify_by_email=False)
    services.desk_preferences_update(user=edna, notify_by_email=False)

    commits(take, draft, Action.SUBMIT, edna)
    commits(take, draft, Action.REQUEST_CHANGES, rita, "Fix it.")

    assert sent_to() == [["rita@example.org"]]


def test_accounts_without_an_email_address_are_not_written_to(commits, draft, edna):
    factories.user("rhea", "Reviewers")  # no address
    commits(take, draft, Action.SUBMIT, edna)
    assert mail.outbox == []


def test_a_step_that_was_rolled_back_sends_nothing(commits, draft, edna, rita):
    def submit_then_roll_back():
        with transaction.atomic():
            take(draft, Action.SUBMIT, edna)
            transaction.set_rollback(True)

    commits(submit_then_roll_back)
    assert mail.outbox == []


def test_a_mail_server_that_fails_does_not_undo_the_step(commits, settings, caplog, draft, edna):
    with_email(factories.user("rob", "Reviewers"))
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenMailServer"

    with caplog.at_level(logging.ERROR, logger="claims.notifications"):
        commits(take, draft, Action.SUBMIT, edna)

    assert draft.review_state == "in_review"
    assert f"Could not send the emails about a review step (submit of claim {draft.pk})" in (
        caplog.text
    )


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server here")


def test_the_lists_bulk_actions_notify_too(commits, client, draft, edna, rita):
    take(draft, Action.SUBMIT, edna)
    mail.outbox.clear()
    client.force_login(rita)

    commits(
        client.post,
        reverse("admin:claims_claim_changelist"),
        {"action": "request_changes", "_selected_action": [draft.pk], "comment": "Fix it."},
    )

    assert sent_to() == [["edna@example.org"]]


def test_each_person_turns_their_emails_off_on_a_page_linked_from_the_desk(client, edna):
    url = reverse("admin:desk_notifications")
    client.force_login(edna)
    index = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{url}">Notifications</a>' in index
    page = client.get(url).content.decode()
    assert 'id="id_notify_by_email" checked' in page
    assert "The emails go to edna@example.org." in page

    turned_off = client.post(url, {}, follow=True)  # the box unticked

    assert "Notification emails are off" in " ".join(map(str, turned_off.context["messages"]))
    assert not DeskPreferences.objects.get(user=edna).notify_by_email
    assert 'id="id_notify_by_email" checked' not in turned_off.content.decode()
    client.post(url, {"notify_by_email": "on"})
    assert DeskPreferences.objects.get(user=edna).notify_by_email


def test_someone_without_an_address_is_told_no_email_can_reach_them(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:desk_notifications")).content.decode()
    assert "Your account has no email address, so no email can reach you" in page


def test_a_claim_written_over_several_lines_still_gets_its_email(commits, draft, edna, rita):
    # An email subject is one line; the claim's line breaks become spaces there.
    services.claim_update(
        claim=draft, by=edna, expected_version=draft.version, text="He was beaten\nby guards."
    )
    commits(take, draft, Action.SUBMIT, edna)
    assert sent_to() == [["rita@example.org"]]
    assert mail.outbox[0].subject == "[Claim ledger] Waiting for review: “He was beaten by guards.”"
