"""Writing to the ledger: quotes become exact excerpts, quoted text freezes, evidence is kept."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from claims import services
from claims.models import ChangeRequest, Claim, Excerpt, Publisher, ReviewEvent, ReviewState, Source
from claims.ops.integrity import find_problems
from claims.rules import anchoring
from tests import factories

pytestmark = pytest.mark.django_db


def quote(source, text, **options):
    """Cut an excerpt as the test-data account."""
    return services.excerpt_create(source=source, quote=text, by=factories.author(), **options)


def test_source_is_stored_with_its_sha256():
    source = factories.source("Exactly these words.")
    assert source.sha256 == "e53ddfa5a91d9a21d8eb21936a2a174e500b6ab0bcd5ee0059b870c31037d7a7"


def test_excerpt_from_a_pasted_quote_stores_the_sources_own_words():
    source = factories.source("He said: \u201cI was beaten\u201d \u2014 twice.")
    excerpt = quote(source, '"I was beaten" - twice')
    assert excerpt.text == "\u201cI was beaten\u201d \u2014 twice"
    assert source.text[excerpt.start : excerpt.end] == excerpt.text
    assert excerpt.prefix == "He said: "
    assert excerpt.suffix == "."


def test_the_same_span_quoted_twice_is_one_excerpt():
    source = factories.source()
    first = quote(source, "died of heart failure")
    second = quote(source, "died  of heart\nfailure")
    assert first.pk == second.pk
    assert Excerpt.objects.count() == 1


def test_a_quote_not_in_the_source_is_refused_and_nothing_is_saved():
    source = factories.source()
    with pytest.raises(anchoring.QuoteNotFound) as refused:
        quote(source, "he died of a heart attack")
    assert "died of heart failure" in refused.value.nearest.text
    assert Excerpt.objects.count() == 0


def test_a_quote_across_two_items_of_a_bundled_page_is_refused():
    source = factories.source("First Item\nIt began.\nSecond Item\nIt ended.")
    services.source_item_add(source=source, heading="First Item", by=factories.author())
    services.source_item_add(source=source, heading="Second Item", by=factories.author())
    with pytest.raises(ValidationError, match="runs across two items"):
        quote(source, "It began.\nSecond Item")
    assert quote(source, "It ended.").item.heading == "Second Item"


def test_items_divide_the_text_between_them():
    source = factories.source("A\nbody a\nB\nbody b")
    services.source_item_add(source=source, heading="B", by=factories.author())
    services.source_item_add(source=source, heading="A", by=factories.author())
    first, second = source.items.order_by("start")
    assert (first.start, first.end) == (0, source.text.index("B"))
    assert (second.start, second.end) == (source.text.index("B"), len(source.text))


def test_quoted_source_text_cannot_be_changed():
    source = factories.source()
    quote(source, "died of heart failure")
    with pytest.raises(ValidationError, match="cannot change: 1 excerpt"):
        services.source_update(
            source=source,
            by=factories.author(),
            text=source.text.replace("heart failure", "a stroke"),
        )
    source.refresh_from_db()
    assert "heart failure" in source.text
    # The model refuses it too, before anything is written, whatever door a save comes from.
    source.text = source.text.replace("heart failure", "a stroke")
    with pytest.raises(ValidationError, match="cannot change: 1 excerpt"):
        source.save()
    source.refresh_from_db()
    assert "heart failure" in source.text


def test_unquoted_source_text_can_still_be_corrected_and_rehashed():
    source = factories.source("A typo in teh text.")
    services.source_update(source=source, by=factories.author(), text="A typo in the text.")
    source.refresh_from_db()
    assert source.text == "A typo in the text."
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()


def test_a_source_or_excerpt_that_evidence_points_to_cannot_be_deleted():
    source = factories.source()
    evidence = factories.evidence(factories.claim(), source, "died of heart failure")
    with pytest.raises(ProtectedError):
        services.source_delete(source=source, by=factories.author())
    with pytest.raises(ProtectedError):
        services.excerpt_delete(excerpt=evidence.excerpt, by=factories.author())
    assert Source.objects.filter(pk=source.pk).exists()


def test_an_excerpt_whose_text_differs_from_its_source_fails_validation():
    source = factories.source()
    excerpt = quote(source, "died of heart failure")
    excerpt.text = "died of a heart attack"
    with pytest.raises(ValidationError, match="not the source's text"):
        excerpt.full_clean()


def test_an_unknown_stance_is_refused():
    source = factories.source()
    excerpt = quote(source, "died of heart failure")
    claim = factories.claim(review_state=ReviewState.DRAFT)
    with pytest.raises(ValidationError, match="Stance must be one of"):
        services.evidence_add(
            claim=claim,
            excerpt=excerpt,
            stance="maybe",
            by=factories.author(),
            expected_version=claim.version,
        )


def test_edits_keep_history():
    claim = factories.claim("First wording.", review_state=ReviewState.DRAFT)
    services.claim_update(
        claim=claim, by=factories.author(), expected_version=claim.version, text="Second wording."
    )
    assert [h.text for h in claim.history.order_by("history_date")] == [
        "First wording.",
        "Second wording.",
    ]


# -- statuses follow every input of the rule, in the call that changes it -------------------------


def test_changing_what_a_publisher_is_part_of_recomputes_the_claims_quoting_it(editor):
    campaign = factories.publisher("Campaign")
    site_a = factories.publisher("Campaign site A", part_of=campaign)
    site_b = factories.publisher("Campaign site B")
    claim = factories.claim(review_state=ReviewState.DRAFT)  # only drafts quote these publishers
    factories.evidence(claim, factories.source(publisher_=site_a), "died of heart failure")
    factories.evidence(claim, factories.source(publisher_=site_b), "died of heart failure")
    claim.refresh_from_db()
    assert claim.status == "agreement"  # two independent voices
    version = claim.version

    services.publisher_update(publisher=site_b, by=editor, part_of=campaign)

    claim.refresh_from_db()
    assert claim.status == "unverified"  # the two sites are one campaign's voice
    assert claim.version == version + 1
    latest = claim.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason == f"publisher {site_b.slug} is now part of Campaign"
    assert list(find_problems()) == []

    services.publisher_update(publisher=site_b, by=editor, part_of=None)

    claim.refresh_from_db()
    assert claim.status == "agreement"
    assert claim.history.first().history_change_reason == (
        f"publisher {site_b.slug} is now part of no other"
    )
    assert list(find_problems()) == []


def test_moving_a_source_to_another_publisher_recomputes_the_claims_quoting_it(editor):
    times, ngo = factories.publisher("Times"), factories.publisher("NGO")
    reprint = factories.source(publisher_=ngo)
    claim = factories.claim(review_state=ReviewState.DRAFT)
    factories.evidence(claim, factories.source(publisher_=times), "died of heart failure")
    factories.evidence(claim, reprint, "died of heart failure")
    claim.refresh_from_db()
    assert claim.status == "agreement"
    version = claim.version

    services.source_update(source=reprint, by=editor, publisher=times)

    claim.refresh_from_db()
    assert claim.status == "unverified"  # both quotes are now the Times'
    assert claim.version == version + 1
    latest = claim.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason == (
        f"source {reprint.slug} is now published by {times.slug}"
    )
    assert list(find_problems()) == []


def test_changing_whose_words_a_quote_reports_recomputes_the_claims_quoting_it(editor, monkeypatch):
    # Whose words a quote reports is not an input of today's status rule, so no status moves:
    # what is checked is that the claims quoting it are recomputed in the call, as for every
    # input of the rule, so that a rule that reads it can never leave a stale status behind.
    from claims.services import sources

    recomputed = []
    refresh = sources.claim_statuses_refresh

    def watched_refresh(**options):
        recomputed.append(options)
        return refresh(**options)

    monkeypatch.setattr(sources, "claim_statuses_refresh", watched_refresh)
    claim = factories.claim(review_state=ReviewState.DRAFT)
    factories.claim("Not quoting it.", review_state=ReviewState.DRAFT)
    evidence = factories.evidence(claim, factories.source(), "died of heart failure")

    services.excerpt_update(excerpt=evidence.excerpt, by=editor, speaker=factories.speaker("Putin"))

    assert [(set(call["claim_ids"]), call["by"]) for call in recomputed] == [({claim.pk}, editor)]
    assert recomputed[0]["reason"] == f"excerpt {evidence.excerpt.pk} now reports Putin (quote)"
    assert list(find_problems()) == []


# -- public material changes only through review (four eyes) --------------------------------------


@pytest.fixture
def published_claim():
    """A published claim under a (so published) dispute, its quote in a dated item of a source."""
    source = factories.source("First Item\nIt began.\nSecond Item\nIt ended.")
    services.source_item_add(
        source=source, heading="First Item", published_on="2012-03-01", by=factories.author()
    )
    claim = factories.claim("It began.", dispute=factories.dispute("When did it begin?"))
    factories.evidence(claim, source, "It began.")
    claim.refresh_from_db()
    assert claim.review_state == claim.dispute.review_state == ReviewState.PUBLISHED
    return claim


def direct_change(kind: str, claim, by):
    """The record of `kind` that `claim` shows readers, and a direct change to what they see."""
    excerpt = claim.evidence.get().excerpt
    publisher, source, item = excerpt.source.publisher, excerpt.source, excerpt.item
    if kind == "publisher name":
        return publisher, lambda: services.publisher_update(publisher=publisher, by=by, name="X")
    if kind == "publisher part of":
        parent = factories.publisher("Parent")
        return publisher, lambda: services.publisher_update(
            publisher=publisher, by=by, part_of=parent
        )
    if kind == "source title":
        return source, lambda: services.source_update(source=source, by=by, title="Retitled")
    if kind == "source publisher":
        other = factories.publisher("Another")
        return source, lambda: services.source_update(source=source, by=by, publisher=other)
    if kind == "excerpt speaker":
        speaker = factories.speaker("Someone")
        return excerpt, lambda: services.excerpt_update(excerpt=excerpt, by=by, speaker=speaker)
    if kind == "excerpt speaker, quoted again":
        speaker = factories.speaker("Someone")
        return excerpt, lambda: services.excerpt_create(
            source=source, quote="It began.", speaker=speaker, by=by
        )
    if kind == "dispute question":
        dispute = claim.dispute
        return dispute, lambda: services.dispute_update(dispute=dispute, by=by, question="When?")
    if kind == "item heading":
        return item, lambda: services.source_item_update(item=item, by=by, heading="First")
    if kind == "item date":
        return item, lambda: services.source_item_update(
            item=item, by=by, published_on="2013-01-01"
        )
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "publisher name",
        "publisher part of",
        "source title",
        "source publisher",
        "excerpt speaker",
        "excerpt speaker, quoted again",
        "dispute question",
        "item heading",
        "item date",
    ],
)
def test_a_direct_change_to_public_material_needs_review_and_changes_nothing(
    published_claim, editor, kind
):
    record, change = direct_change(kind, published_claim, editor)
    rows = type(record).objects.filter(pk=record.pk)
    before = (list(rows.values()), record.history.count())
    claim_before = (published_claim.version, published_claim.status, published_claim.updated_at)

    with pytest.raises(services.NeedsReview, match="must be approved by another reviewer"):
        change()

    assert (list(rows.values()), record.history.count()) == before
    published_claim.refresh_from_db()
    assert (published_claim.version, published_claim.status, published_claim.updated_at) == (
        claim_before
    )
    assert not ChangeRequest.objects.exists()


def test_an_approved_change_is_applied_and_put_on_the_record_of_every_claim_it_touches(
    editor, reviewer
):
    paper = factories.publisher("The Paper")
    source = factories.source(publisher_=paper)
    first = factories.claim("He died of heart failure.")
    second = factories.claim("He was beaten by guards.")
    draft = factories.claim("A draft quoting the paper.", review_state=ReviewState.DRAFT)
    factories.evidence(first, source, "died of heart failure")
    factories.evidence(second, source, "savage beating by prison guards")
    factories.evidence(draft, source, "his body bearing bruises")
    assert first.review_state == second.review_state == ReviewState.PUBLISHED
    versions = {claim.pk: claim.version for claim in (first, second, draft)}

    change = services.change_propose(
        target=paper, changes={"name": "The Daily Paper"}, reason="Renamed in 2015.", by=editor
    )
    paper.refresh_from_db()
    assert (change.state, paper.name) == (ChangeRequest.State.PENDING, "The Paper")

    services.change_approve(change=change, by=reviewer, comment="Checked the masthead.")

    paper.refresh_from_db()
    change.refresh_from_db()
    assert paper.name == "The Daily Paper"
    assert (change.state, change.decided_by) == (ChangeRequest.State.APPROVED, reviewer)
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.version == versions[claim.pk] + 1
        event = claim.review_events.last()
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            ReviewEvent.Action.CORRECT,
            reviewer,
            ReviewState.PUBLISHED,
            ReviewState.PUBLISHED,
        )
        assert "Renamed in 2015." in event.comment
        assert claim.history.first().history_change_reason == (
            "correction approved: Renamed in 2015."
        )
    draft.refresh_from_db()
    assert draft.version == versions[draft.pk]  # readers never saw the draft
    assert not draft.review_events.exists()


def test_the_proposer_of_a_change_cannot_approve_or_reject_it(reviewer):
    paper = factories.publisher("The Paper")
    claim = factories.claim()
    factories.evidence(claim, factories.source(publisher_=paper), "died of heart failure")
    change = services.change_propose(
        target=paper, changes={"name": "Renamed"}, reason="It was renamed.", by=reviewer
    )

    with pytest.raises(services.NotAllowed, match="another reviewer must approve it"):
        services.change_approve(change=change, by=reviewer)
    with pytest.raises(services.NotAllowed, match="another reviewer must approve it"):
        services.change_reject(change=change, by=reviewer, comment="Never mind.")

    change.refresh_from_db()
    paper.refresh_from_db()
    assert (change.state, paper.name) == (ChangeRequest.State.PENDING, "The Paper")
    assert not claim.review_events.filter(action=ReviewEvent.Action.CORRECT).exists()
    services.change_approve(change=change, by=factories.user("rhea", "Reviewers"))
    paper.refresh_from_db()
    assert paper.name == "Renamed"


# Last in the module: the seeded ledger is loaded once per module and kept until its end, so
# the tests above (which count rows) run before it is there.
def test_making_a_seeded_outlet_stand_alone_through_review_leaves_every_status_sound(
    seeded_ledger, editor, reviewer
):
    untouchables = Publisher.objects.get(slug="justice-for-magnitsky")
    assert untouchables.part_of is not None
    counsel = Claim.objects.get(slug="outside-counsel-for-hermitage")
    version = counsel.version

    change = services.change_propose(
        target=untouchables,
        changes={"part_of": None},
        reason="The site is run on its own, not by Hermitage Capital.",
        by=editor,
    )
    services.change_approve(change=change, by=reviewer)

    untouchables.refresh_from_db()
    assert untouchables.part_of is None
    assert list(find_problems()) == []
    counsel.refresh_from_db()
    assert counsel.status == "agreement"  # the site and the campaign are two voices now
    assert counsel.version > version
    assert counsel.review_events.last().action == ReviewEvent.Action.CORRECT


@pytest.mark.django_db
def test_a_quote_that_begins_before_the_first_item_and_runs_into_it_is_refused():
    text = "Archive of releases.\nFirst release\nIt says one thing.\nSecond release\nAnother."
    source = factories.source(text)
    services.source_item_add(source=source, heading="First release", by=factories.author())
    services.source_item_add(source=source, heading="Second release", by=factories.author())
    with pytest.raises(ValidationError, match="begins before the item “First release”"):
        services.excerpt_create(
            source=source, quote="releases.\nFirst release\nIt says", by=factories.author()
        )
    with pytest.raises(ValidationError, match=r"First release \(\d+–\d+\)"):
        services.excerpt_create(
            source=source, quote="one thing.\nSecond release", by=factories.author()
        )
    assert not source.excerpts.exists()
    inside = services.excerpt_create(source=source, quote="It says one", by=factories.author())
    assert inside.item.heading == "First release"
    before = services.excerpt_create(source=source, quote="Archive of", by=factories.author())
    assert before.item is None


@pytest.mark.django_db(transaction=True)
def test_a_quote_is_anchored_before_any_transaction_opens_so_a_miss_blocks_no_writer(
    monkeypatch,
):
    """SQLite takes its write lock when a transaction begins (IMMEDIATE mode): a slow miss
    inside one would make every other writer wait."""
    from django.db import connection

    from claims.services import sources

    seen = []
    real_anchor = anchoring.anchor

    def anchor(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real_anchor(*args, **kwargs)

    monkeypatch.setattr(sources.anchoring, "anchor", anchor)
    source = factories.source()
    with pytest.raises(anchoring.QuoteNotFound):
        services.excerpt_create(source=source, quote="words it never said", by=factories.author())
    services.excerpt_create(source=source, quote="savage beating", by=factories.author())
    assert seen == [False, False]


@pytest.mark.django_db
def test_pasted_windows_line_ends_are_stored_as_browsers_show_them():
    source = factories.source("First line.\r\nSecond line.\rThird line.\r\n")
    assert source.text == "First line.\nSecond line.\nThird line.\n"
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()


def test_a_browser_position_in_an_older_crlf_text_maps_to_the_stored_one():
    stored = "A repeated phrase.\r\nThen more.\r\nA repeated phrase.\r\n"
    shown = stored.replace("\r\n", "\n")  # what the browser's selection counts in
    second = shown.rindex("A repeated phrase.")
    found = anchoring.anchor(
        stored, "A repeated phrase.", near=anchoring.stored_offset(stored, second)
    )
    assert found.start == stored.rindex("A repeated phrase.")
