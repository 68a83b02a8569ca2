"""The editorial desk in the Django admin: roles, review actions, quote picking, no lost updates,
and changes to published material proposed for another reviewer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import (
    ChangeRequest,
    Claim,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    ReviewState,
    Source,
)
from claims.services.workflow import claim_transition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(editor):
    """A quoted source, a draft claim by `editor` with evidence, and an unquoted source."""
    source = factories.source()
    claim = services.claim_create(text="He was beaten.", dispute=factories.dispute(), by=editor)
    excerpt = services.excerpt_create(
        source=source, quote="savage beating by prison guards", by=editor
    )
    services.evidence_add(
        claim=claim, excerpt=excerpt, stance="supports", by=editor, expected_version=claim.version
    )
    claim.refresh_from_db()
    return {"source": source, "claim": claim, "excerpt": excerpt, "spare": factories.source()}


def step(claim, action, by, comment=""):
    """Take a review step on the claim as it is now in the database."""
    claim.refresh_from_db()
    claim_transition(
        claim=claim, action=action, by=by, expected_version=claim.version, comment=comment
    )
    claim.refresh_from_db()
    return claim


def publish(claim, editor, reviewer):
    """The editor submits the claim and the reviewer publishes it."""
    step(claim, "submit", editor)
    return step(claim, "publish", reviewer)


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


URLS = {
    "claim": lambda d: reverse("admin:claims_claim_change", args=[d["claim"].pk]),
    "quote": lambda d: reverse("admin:claims_source_quote", args=[d["source"].pk]),
}


def run_action(client, action, claims, comment=""):
    return client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": action, "_selected_action": [c.pk for c in claims], "comment": comment},
        follow=True,
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_review_actions_report_each_row_done_or_refused(client, ledger, editor, superuser):
    claim = ledger["claim"]
    own = services.claim_create(text="Written by the superuser.", by=superuser)
    services.evidence_add(
        claim=own,
        excerpt=ledger["excerpt"],
        stance="supports",
        by=superuser,
        expected_version=own.version,
    )
    as_user(client, superuser)
    run_action(client, "submit", [claim, own])

    response = run_action(client, "publish", [claim, own])

    report = " ".join(messages_of(response))
    assert "1 claim published: “He was beaten.”" in report
    assert "1 claim refused. “Written by the superuser.”: You cannot publish a claim you wrote" in (
        report
    )
    claim.refresh_from_db()
    own.refresh_from_db()
    assert claim.review_state == ReviewState.PUBLISHED
    assert own.review_state == ReviewState.IN_REVIEW


def test_editors_cannot_publish_even_by_posting_the_action(client, ledger, editor):
    as_user(client, editor)
    run_action(client, "submit", [ledger["claim"]])
    run_action(client, "publish", [ledger["claim"]])
    ledger["claim"].refresh_from_db()
    assert ledger["claim"].review_state == ReviewState.IN_REVIEW


def test_request_changes_action_carries_the_reviewers_comment(client, ledger, editor, reviewer):
    step(ledger["claim"], "submit", editor)
    as_user(client, reviewer)

    refused = run_action(client, "request_changes", [ledger["claim"]])
    assert "Say why in a comment" in " ".join(messages_of(refused))

    run_action(client, "request_changes", [ledger["claim"]], comment="Add a second source.")
    event = ReviewEvent.objects.filter(claim=ledger["claim"]).last()
    assert (event.action, event.comment, event.actor_name) == (
        "request_changes",
        "Add a second source.",
        "rita",
    )
    page = client.get(URLS["claim"](ledger)).content.decode()
    assert "Changes requested by rita" in page and "Add a second source." in page


def test_bulk_actions_write_history_for_every_row(client, editor):
    claims = [services.claim_create(text=f"Claim {n}.", by=editor) for n in range(3)]
    before = {c.pk: c.history.count() for c in claims}
    as_user(client, editor)
    run_action(client, "submit", claims)
    for claim in claims:
        assert claim.history.count() == before[claim.pk] + 1


def test_an_editor_writes_a_claim_and_is_its_author(client, editor):
    as_user(client, editor)
    response = client.post(
        reverse("admin:claims_claim_add"),
        {
            "text": "A new claim.",
            "slug": "a-new-claim",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get(slug="a-new-claim")
    assert claim.created_by == editor and claim.review_state == ReviewState.DRAFT


def change_form_data(claim, **overrides):
    data = {
        "text": claim.text,
        "slug": claim.slug,
        "dispute": claim.dispute_id or "",
        "speaker": claim.speaker_id or "",
        "seen_version": claim.version,
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_save_from_a_stale_version_is_refused_not_merged(client, ledger, editor, other_editor):
    claim = ledger["claim"]
    seen = claim.version
    stale = change_form_data(claim, text="My wording.")
    services.claim_update(
        claim=claim, by=other_editor, expected_version=claim.version, text="Their wording."
    )

    response = as_user(client, editor).post(URLS["claim"](ledger), stale)

    assert response.status_code == 200
    assert "ed changed this claim on " in response.content.decode()
    assert f"after you opened it (you had version {seen}; it is now at version {seen + 1})" in (
        response.content.decode()
    )
    claim.refresh_from_db()
    assert claim.text == "Their wording."


def test_evidence_added_in_the_admin_goes_through_the_service(client, ledger, editor):
    claim = ledger["claim"]
    other = services.excerpt_create(
        source=ledger["source"], quote="died of heart failure", by=editor
    )
    first = claim.evidence.get()
    data = change_form_data(
        claim,
        **{
            "evidence-TOTAL_FORMS": "2",
            "evidence-INITIAL_FORMS": "1",
            "evidence-0-id": first.pk,
            "evidence-0-claim": claim.pk,
            "evidence-0-excerpt": first.excerpt_id,
            "evidence-0-stance": "supports",
            "evidence-1-claim": claim.pk,
            "evidence-1-excerpt": other.pk,
            "evidence-1-stance": "contradicts",
        },
    )
    response = as_user(client, editor).post(URLS["claim"](ledger), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.status == "contradiction"
    assert claim.evidence.count() == 2
    assert Evidence.history.filter(claim_id=claim.pk, history_user=editor).exists()


def test_a_published_claim_is_corrected_only_by_a_proposal_with_a_reason(
    client, ledger, editor, reviewer
):
    publish(ledger["claim"], editor, reviewer)
    page = as_user(client, editor).get(URLS["claim"](ledger)).content.decode()
    # Its wording may be proposed again, with the reason readers will see; its address may not.
    assert 'name="text"' in page and 'name="change_reason"' in page
    assert 'name="slug"' not in page
    assert "Contradiction" in page or "Unverified" in page  # status shown, read-only


def test_status_is_shown_with_the_voices_behind_it(client, ledger, editor):
    page = as_user(client, editor).get(URLS["claim"](ledger)).content.decode()
    publisher = ledger["source"].publisher.name
    assert (
        f"Unverified: 1 independent voice(s) support it, and agreement needs 2: "
        f"{publisher} — own reporting." in page
    )


def test_reverting_to_an_earlier_version_goes_through_the_rules(client, ledger, editor):
    claim = ledger["claim"]
    original = claim.history.earliest()
    services.claim_update(claim=claim, by=editor, expected_version=claim.version, text="Edited.")
    claim.refresh_from_db()
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, original.history_id])
    data = change_form_data(claim, text=original.text)  # the form carries the current version

    response = as_user(client, editor).post(url, data)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "He was beaten."
    assert claim.history.first().text == "He was beaten."


def test_only_someone_who_may_change_a_record_may_revert_it(client, ledger, editor, reviewer):
    claim = ledger["claim"]
    original = claim.history.earliest()
    services.claim_update(claim=claim, by=editor, expected_version=claim.version, text="Edited.")
    claim.refresh_from_db()
    revert = reverse("admin:claims_claim_simple_history", args=[claim.pk, original.history_id])
    evidence = Evidence.objects.get(claim=claim)
    evidence_revert = reverse(
        "admin:claims_evidence_simple_history",
        args=[evidence.pk, evidence.history.earliest().history_id],
    )

    # A reviewer may read a draft's history but not write it; nobody edits evidence there.
    assert as_user(client, reviewer).post(revert, change_form_data(claim)).status_code == 403
    assert as_user(client, editor).post(evidence_revert, {}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).text == "Edited."


def test_reverting_a_publisher_restores_the_old_version_through_the_service(client, ledger, editor):
    publisher = ledger["spare"].publisher
    old_name = publisher.name
    first = publisher.history.earliest()
    services.publisher_update(publisher=publisher, by=editor, name="A Later Name")
    url = reverse("admin:claims_publisher_simple_history", args=[publisher.pk, first.history_id])

    response = as_user(client, editor).post(
        url, publisher_form_data(publisher, name=old_name, slug=publisher.slug)
    )

    assert response.status_code == 302
    assert Publisher.objects.get(pk=publisher.pk).name == old_name
    assert Publisher.history.filter(id=publisher.pk).latest().history_user == editor


def test_quoted_source_text_is_read_only_and_the_admin_says_why(client, ledger, editor):
    page = as_user(client, editor).get(
        reverse("admin:claims_source_change", args=[ledger["source"].pk])
    )
    html = page.content.decode()
    assert 'name="text"' not in html
    assert "The text is frozen: 1 excerpt(s) quote it" in html
    spare = client.get(reverse("admin:claims_source_change", args=[ledger["spare"].pk]))
    assert 'name="text"' in spare.content.decode()


def test_deleting_a_quoted_source_is_refused_with_an_explanation(client, ledger, superuser):
    url = reverse("admin:claims_source_delete", args=[ledger["source"].pk])
    response = as_user(client, superuser).post(url, {"post": "yes"})
    html = response.content.decode()
    assert "would require deleting the following protected related objects" in html
    assert Source.objects.filter(pk=ledger["source"].pk).exists()


def test_quote_picking_saves_the_selected_words_at_their_offsets(client, ledger, editor):
    source, claim = ledger["source"], ledger["claim"]
    start = source.text.index("Officials said")
    response = as_user(client, editor).post(
        URLS["quote"](ledger),
        {
            "quote": "Officials said he died of heart failure.",
            "near": start,
            "claim": claim.pk,
            "stance": "contradicts",
        },
        follow=True,
    )
    excerpt = Excerpt.objects.get(start=start)
    assert excerpt.text == "Officials said he died of heart failure."
    assert "Excerpt saved at characters" in " ".join(messages_of(response))
    claim.refresh_from_db()
    assert claim.status == "contradiction"


def test_a_pasted_quote_not_in_the_source_shows_the_nearest_passage(client, ledger, editor):
    response = as_user(client, editor).post(
        URLS["quote"](ledger),
        {"quote": "Officials said he died of a heart attack", "stance": "supports"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This quote is not in the source" in html
    assert "Officials said he died of heart failure." in html
    assert not Excerpt.objects.filter(text__contains="heart attack").exists()


def test_review_queue_on_the_admin_index(client, editor, other_editor, reviewer):
    for author, text in [(editor, "One."), (editor, "Two."), (other_editor, "Three.")]:
        step(services.claim_create(text=text, by=author), "submit", author)
    services.claim_create(text="Still a draft.", by=editor)

    html = as_user(client, editor).get(reverse("admin:index")).content.decode()

    assert "3 claims awaiting review" in html
    assert "2 of them by you" in html
    assert "Your drafts: 1" in html
    assert f"created_by__id__exact={editor.pk}" in html


@pytest.mark.parametrize(
    "model", ["claim", "excerpt", "source", "evidence", "dispute", "changerequest"]
)
def test_admin_lists_do_not_issue_more_queries_for_more_rows(client, superuser, model):
    url = reverse(f"admin:claims_{model}_changelist")
    dispute, speaker = factories.dispute(), factories.speaker()

    def add(count, start):
        for n in range(start, start + count):
            source = factories.source(f"Sentence {n} says this.")
            claim = factories.claim(f"Claim {n}.", dispute=dispute, speaker=speaker)
            factories.evidence(claim, source, f"Sentence {n} says this.")
            services.change_propose(
                target=source,
                changes={"title": f"Source {n}, retitled"},
                reason="The title was misspelt.",
                by=factories.author(),
            )

    as_user(client, superuser)
    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(8, 2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_reverting_a_quoted_source_to_an_older_text_is_refused(client, superuser):
    source = factories.source("A typo in teh text says savage beating.")
    services.source_update(
        source=source, by=factories.author(), text="A typo in the text says savage beating."
    )
    services.excerpt_create(source=source, quote="savage beating", by=factories.author())
    source.refresh_from_db()
    first = source.history.earliest()
    url = reverse("admin:claims_source_simple_history", args=[source.pk, first.history_id])
    data = {
        "title": source.title,
        "slug": source.slug,
        "publisher": source.publisher_id,
        "kind": source.kind,
        "language": source.language,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "excerpts-TOTAL_FORMS": "0",
        "excerpts-INITIAL_FORMS": "0",
    }
    response = as_user(client, superuser).post(url, data)
    assert response.status_code == 200
    assert "cannot change" in response.content.decode()
    source.refresh_from_db()
    assert source.text == "A typo in the text says savage beating."


# -- published material: changed only through a change request another reviewer approves --------


def publisher_form_data(publisher, **overrides):
    data = {
        "name": publisher.name,
        "slug": publisher.slug,
        "url": publisher.url,
        "description": publisher.description,
        "part_of": publisher.part_of_id or "",
        "change_reason": "",
    }
    data.update(overrides)
    return data


def approve_changes(client, changes, comment=""):
    return client.post(
        reverse("admin:claims_changerequest_changelist"),
        {"action": "approve", "_selected_action": [c.pk for c in changes], "comment": comment},
        follow=True,
    )


def test_editing_published_material_without_a_reason_is_refused_with_a_message(
    client, ledger, editor, reviewer
):
    publish(ledger["claim"], editor, reviewer)
    publisher = ledger["source"].publisher
    url = reverse("admin:claims_publisher_change", args=[publisher.pk])

    response = as_user(client, editor).post(
        url, publisher_form_data(publisher, name="Renamed"), follow=True
    )

    report = " ".join(messages_of(response))
    assert "must be approved by another reviewer" in report
    assert "say why in “Reason for a change to published material”" in report
    assert Publisher.objects.get(pk=publisher.pk).name == publisher.name
    assert not ChangeRequest.objects.exists()


def test_editing_unpublished_material_needs_no_reason(client, ledger, editor):
    publisher = ledger["spare"].publisher
    url = reverse("admin:claims_publisher_change", args=[publisher.pk])

    response = as_user(client, editor).post(url, publisher_form_data(publisher, name="Renamed"))

    assert response.status_code == 302
    assert Publisher.objects.get(pk=publisher.pk).name == "Renamed"
    assert not ChangeRequest.objects.exists()


def test_with_a_reason_an_edit_to_published_material_waits_for_another_reviewer(
    client, ledger, editor, reviewer, superuser
):
    claim = publish(ledger["claim"], editor, reviewer)
    publisher = ledger["source"].publisher
    url = reverse("admin:claims_publisher_change", args=[publisher.pk])
    reason = "The outlet was renamed in 2015."

    proposed = as_user(client, superuser).post(
        url, publisher_form_data(publisher, name="Renamed", change_reason=reason), follow=True
    )

    assert "waiting for another reviewer's approval" in " ".join(messages_of(proposed))
    assert Publisher.objects.get(pk=publisher.pk).name == publisher.name
    change = ChangeRequest.objects.get()
    assert (change.state, change.changes, change.reason, change.proposed_by) == (
        ChangeRequest.State.PENDING,
        {"name": "Renamed"},
        reason,
        superuser,
    )

    # Whoever proposed it cannot approve it, and an editor has no approving to do...
    own = approve_changes(client, [change])
    assert "You proposed this change, so another reviewer must approve it" in " ".join(
        messages_of(own)
    )
    approve_changes(as_user(client, editor), [change])
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.PENDING
    assert Publisher.objects.get(pk=publisher.pk).name == publisher.name

    # ...another reviewer approves it: applied, and on the record of the claim it touches.
    approved = approve_changes(as_user(client, reviewer), [change], comment="Checked.")
    assert "1 change approved" in " ".join(messages_of(approved))
    change.refresh_from_db()
    assert (change.state, change.decided_by) == (ChangeRequest.State.APPROVED, reviewer)
    assert Publisher.objects.get(pk=publisher.pk).name == "Renamed"
    correction = ReviewEvent.objects.filter(claim=claim).last()
    assert (correction.action, correction.actor_name) == (ReviewEvent.Action.CORRECT, "rita")
    assert reason in correction.comment
    assert Claim.objects.get(pk=claim.pk).version > claim.version
    page = client.get(URLS["claim"](ledger)).content.decode()
    assert "Correction approved by rita" in page


@pytest.mark.parametrize(
    "address",
    [
        "/admin/claims/source/?published_on__year=99999999999999999999",
        "/admin/claims/claim/add/?dispute=abc",
        "/admin/claims/claim/add/?speaker=99999999999999999999",
        "/admin/claims/claim/?id__exact=abc",
    ],
)
def test_odd_addresses_in_the_admin_answer_a_page_not_a_500(client, ledger, editor, address):
    response = as_user(client, editor).get(address)
    assert response.status_code in (200, 302), address


def test_every_version_of_a_published_claim_can_be_viewed_in_its_history(
    client, ledger, editor, reviewer
):
    claim = publish(ledger["claim"], editor, reviewer)
    for record in claim.history.all():
        address = reverse("admin:claims_claim_simple_history", args=[claim.pk, record.history_id])
        response = as_user(client, editor).get(address)
        assert response.status_code == 200, (record.history_id, record.review_state)
