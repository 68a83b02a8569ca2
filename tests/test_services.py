"""Writing to the ledger: quotes become exact excerpts, quoted text freezes, evidence is kept."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from claims import services
from claims.models import Excerpt, Source
from claims.rules import anchoring
from tests import factories

pytestmark = pytest.mark.django_db


def test_source_is_stored_with_its_sha256():
    source = factories.source("Exactly these words.")
    assert source.sha256 == "e53ddfa5a91d9a21d8eb21936a2a174e500b6ab0bcd5ee0059b870c31037d7a7"


def test_excerpt_from_a_pasted_quote_stores_the_sources_own_words():
    source = factories.source("He said: \u201cI was beaten\u201d \u2014 twice.")
    excerpt = services.excerpt_create(source=source, quote='"I was beaten" - twice')
    assert excerpt.text == "\u201cI was beaten\u201d \u2014 twice"
    assert source.text[excerpt.start : excerpt.end] == excerpt.text
    assert excerpt.prefix == "He said: "
    assert excerpt.suffix == "."


def test_the_same_span_quoted_twice_is_one_excerpt():
    source = factories.source()
    first = services.excerpt_create(source=source, quote="died of heart failure")
    second = services.excerpt_create(source=source, quote="died  of heart\nfailure")
    assert first.pk == second.pk
    assert Excerpt.objects.count() == 1


def test_a_quote_not_in_the_source_is_refused_and_nothing_is_saved():
    source = factories.source()
    with pytest.raises(anchoring.QuoteNotFound) as refused:
        services.excerpt_create(source=source, quote="he died of a heart attack")
    assert "died of heart failure" in refused.value.nearest.text
    assert Excerpt.objects.count() == 0


def test_a_quote_across_two_items_of_a_bundled_page_is_refused():
    source = factories.source("First Item\nIt began.\nSecond Item\nIt ended.")
    services.source_item_add(source=source, heading="First Item")
    services.source_item_add(source=source, heading="Second Item")
    with pytest.raises(ValidationError, match="runs across two items"):
        services.excerpt_create(source=source, quote="It began.\nSecond Item")
    assert services.excerpt_create(source=source, quote="It ended.").item.heading == "Second Item"


def test_items_divide_the_text_between_them():
    source = factories.source("A\nbody a\nB\nbody b")
    services.source_item_add(source=source, heading="B")
    services.source_item_add(source=source, heading="A")
    first, second = source.items.order_by("start")
    assert (first.start, first.end) == (0, source.text.index("B"))
    assert (second.start, second.end) == (source.text.index("B"), len(source.text))


def test_quoted_source_text_cannot_be_changed():
    source = factories.source()
    services.excerpt_create(source=source, quote="died of heart failure")
    source.text = source.text.replace("heart failure", "a stroke")
    with pytest.raises(ValidationError, match="cannot change: 1 excerpt"):
        source.save()
    source.refresh_from_db()
    assert "heart failure" in source.text


def test_unquoted_source_text_can_still_be_corrected_and_rehashed():
    source = factories.source("A typo in teh text.")
    source.text = "A typo in the text."
    source.save()
    source.refresh_from_db()
    assert source.text == "A typo in the text."
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()


def test_a_source_or_excerpt_that_evidence_points_to_cannot_be_deleted():
    source = factories.source()
    evidence = factories.evidence(factories.claim(), source, "died of heart failure")
    with pytest.raises(ProtectedError):
        source.delete()
    with pytest.raises(ProtectedError):
        evidence.excerpt.delete()
    assert Source.objects.filter(pk=source.pk).exists()


def test_an_excerpt_whose_text_differs_from_its_source_fails_validation():
    source = factories.source()
    excerpt = services.excerpt_create(source=source, quote="died of heart failure")
    excerpt.text = "died of a heart attack"
    with pytest.raises(ValidationError, match="not the source's text"):
        excerpt.full_clean()


def test_an_unknown_stance_is_refused():
    source = factories.source()
    excerpt = services.excerpt_create(source=source, quote="died of heart failure")
    with pytest.raises(ValidationError, match="Stance must be one of"):
        services.evidence_add(claim=factories.claim(), excerpt=excerpt, stance="maybe")


def test_edits_keep_history():
    claim = factories.claim("First wording.")
    claim.text = "Second wording."
    claim.save()
    assert [h.text for h in claim.history.order_by("history_date")] == [
        "First wording.",
        "Second wording.",
    ]
