"""Public pages: published content only, quotes shown in place, user text escaped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ReviewState
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute_with_rivals():
    dispute = factories.dispute("How did he die?", summary="Accounts differ.")
    paper, ngo = factories.publisher("The Paper"), factories.publisher("The NGO")
    source = factories.source(publisher_=paper)
    other = factories.source(factories.SAMPLE_TEXT, publisher_=ngo)
    beaten = factories.claim("He was beaten by guards.", dispute=dispute)
    heart = factories.claim("He died of heart failure.", dispute=dispute)
    factories.evidence(beaten, source, "savage beating by prison guards")
    factories.evidence(beaten, other, "his body bearing bruises")
    factories.evidence(heart, source, "Officials said he died of heart failure.")
    factories.evidence(heart, other, "savage beating by prison guards", "contradicts")
    return dispute, beaten, heart, source


def test_dispute_page_shows_rival_claims_side_by_side_with_quotes(client, dispute_with_rivals):
    dispute, *_ = dispute_with_rivals
    page = client.get(dispute.get_absolute_url()).content.decode()

    assert "He was beaten by guards." in page
    assert "He died of heart failure." in page
    assert "<blockquote" in page and "savage beating by prison guards" in page
    assert "Agreement" in page and "Contradiction" in page


def test_unpublished_content_is_a_404(client, dispute_with_rivals):
    dispute, beaten, _, source = dispute_with_rivals
    draft = factories.claim("A draft claim.", dispute=dispute, review_state=ReviewState.DRAFT)
    hidden = factories.dispute("Not yet?", review_state=ReviewState.IN_REVIEW)
    unquoted = factories.source("Nobody quotes this.")

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(unquoted.get_absolute_url()).status_code == 404
    assert "A draft claim." not in client.get(dispute.get_absolute_url()).content.decode()
    assert client.get(beaten.get_absolute_url()).status_code == 200


def test_source_page_highlights_each_quoted_excerpt_with_an_anchor(client, dispute_with_rivals):
    _, beaten, _, source = dispute_with_rivals
    excerpt = beaten.evidence.get(excerpt__source=source).excerpt
    page = client.get(source.get_absolute_url()).content.decode()

    assert f'id="excerpt-{excerpt.pk}"' in page
    assert "<mark>savage beating by prison guards</mark>" in page
    assert source.sha256 in page


def test_hostile_text_is_rendered_inert(client):
    dispute = factories.dispute("<script>alert('q')</script>")
    source = factories.source("He wrote <img src=x onerror=alert(1)> in the text.")
    claim = factories.claim('"><script>alert(1)</script>', dispute=dispute)
    factories.evidence(claim, source, "<img src=x onerror=alert(1)>")

    for url in (dispute.get_absolute_url(), claim.get_absolute_url(), source.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_home_lists_published_disputes_and_counts_by_status(client, dispute_with_rivals):
    factories.dispute("A hidden question?", review_state=ReviewState.DRAFT)
    page = client.get("/").content.decode()

    assert "How did he die?" in page
    assert "A hidden question?" not in page
    assert "Agreement: 1" in page and "Contradiction: 1" in page


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["home", "dispute", "source"])
def test_page_queries_do_not_grow_with_rows_shown(client, page):
    dispute = factories.dispute()
    source = factories.source(" ".join(f"Sentence number {n} is here." for n in range(40)))
    url = {"home": "/", "dispute": dispute.get_absolute_url(), "source": None}

    def add_claims(count, start):
        for n in range(start, start + count):
            claim = factories.claim(f"Claim {n}.", dispute=dispute, speaker=factories.speaker())
            factories.evidence(claim, source, f"Sentence number {n} is here.")

    add_claims(2, 0)
    url["source"] = source.get_absolute_url()
    few = queries_for(client, url[page])
    add_claims(8, 2)
    many = queries_for(client, url[page])
    assert many == few
