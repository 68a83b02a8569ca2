"""Public pages: published content only, quotes shown in place, user text escaped, cacheable."""

import json
import re

import extruct
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ReviewState
from claims.services import workflow
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute_with_rivals():
    dispute = factories.dispute("How did he die?", summary="Accounts differ.")
    paper, ngo = factories.publisher("The Paper"), factories.publisher("The NGO")
    source = factories.source(publisher_=paper, published_on="2012-05-02")
    other = factories.source(factories.SAMPLE_TEXT, publisher_=ngo)
    speaker = factories.speaker("Vladimir Putin")
    beaten = factories.claim("He was beaten by guards.", dispute=dispute)
    heart = factories.claim("He died of heart failure.", dispute=dispute, speaker=speaker)
    factories.evidence(beaten, source, "savage beating by prison guards")
    factories.evidence(beaten, other, "his body bearing bruises")
    factories.evidence(heart, source, "Officials said he died of heart failure.")
    factories.evidence(heart, other, "savage beating by prison guards", "contradicts")
    return dispute, beaten, heart, source


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_home_puts_contested_disputes_first_with_counts_and_search(client, dispute_with_rivals):
    quiet = factories.dispute("A question nobody disputes?")
    only = factories.claim("Only one answer.", dispute=quiet)
    factories.evidence(only, factories.source(), "died of heart failure")  # one voice: unverified
    factories.dispute("A hidden question?")  # a draft: no claim of it is published

    page = html_of(client, "/")

    assert page.index("How did he die?") < page.index("A question nobody disputes?")
    assert "Contested" in page
    assert "A hidden question?" not in page
    assert re.search(r"Agreement</span> 1 claim\b", page)
    assert re.search(r"Contradiction</span> 1 claim\b", page)
    assert re.search(r"Unverified</span> 1 claim\b", page)
    assert 'role="search"' in page and 'name="q"' in page


def test_contradiction_page_sets_rival_claims_side_by_side_with_their_quotes(
    client, dispute_with_rivals
):
    dispute, beaten, heart, source = dispute_with_rivals
    page = html_of(client, dispute.get_absolute_url())

    assert page.count('class="claim-column"') == 2
    assert "He was beaten by guards." in page and "He died of heart failure." in page
    assert "asserted by" in page and "Vladimir Putin" in page
    excerpt = beaten.evidence.get(excerpt__source=source).excerpt
    assert (
        f'<blockquote cite="{excerpt.get_absolute_url()}">savage beating by prison guards'
        "</blockquote>"
    ) in page
    assert "The Paper" in page and "2 May 2012" in page
    assert f'href="{source.get_absolute_url()}#excerpt-{excerpt.pk}"' in page
    assert "Supporting quotes (2)" in page and "Contradicting quotes (1)" in page


def test_each_column_counts_independent_voices_as_the_rule_does_and_says_why(
    client, dispute_with_rivals
):
    dispute, *_ = dispute_with_rivals
    page = html_of(client, dispute.get_absolute_url())
    assert "<svg" in page
    assert "Independent voices: 2 for, 0 against" in page
    assert "Independent voices: 1 for, 1 against" in page
    # The column's headings count what the chart counts, and the reason names each voice.
    assert "Supporting quotes (2) · 2 independent voices" in page
    assert "The Paper — own reporting" in page and "The NGO — own reporting" in page
    assert "Agreement</strong>: At least two independent voices support the claim" in page


def test_every_status_badge_is_explained_in_plain_words_on_the_page(client, dispute_with_rivals):
    dispute, beaten, *_ = dispute_with_rivals
    for url in ("/", dispute.get_absolute_url(), beaten.get_absolute_url(), "/search/?q=beaten"):
        page = html_of(client, url)
        for status in re.findall(r'class="status (\w+)" href="#status-(\w+)"', page):
            assert status[0] == status[1]
            assert f'<dd id="status-{status[0]}">' in page, (url, status)
        assert "This is not a verdict that the claim is false." in page


def test_claim_page_shows_evidence_review_dates_and_rivals(client, dispute_with_rivals):
    _, beaten, heart, _ = dispute_with_rivals
    page = html_of(client, heart.get_absolute_url())
    assert "Rival claims on the same question" in page
    assert beaten.text in page
    assert "Published" in page and "Last changed" in page


def test_claim_by_id_redirects_to_its_canonical_address(client, dispute_with_rivals):
    _, beaten, *_ = dispute_with_rivals
    response = client.get(f"/claims/{beaten.pk}/")
    assert response.status_code == 301
    assert response["Location"] == beaten.get_absolute_url()


def test_unpublished_content_is_a_404(client, dispute_with_rivals):
    dispute, beaten, _, source = dispute_with_rivals
    draft = factories.claim("A draft claim.", dispute=dispute, review_state=ReviewState.DRAFT)
    hidden = factories.dispute("Not yet?")
    factories.claim("An answer still in review.", dispute=hidden, review_state=ReviewState.DRAFT)
    unquoted = factories.source("Nobody quotes this.")

    html_of(client, draft.get_absolute_url(), 404)
    html_of(client, hidden.get_absolute_url(), 404)
    html_of(client, unquoted.get_absolute_url(), 404)
    html_of(client, "/speakers/nobody/", 404)
    assert "A draft claim." not in html_of(client, dispute.get_absolute_url())
    assert "A draft claim." not in html_of(client, "/search/?q=draft")


def test_a_withdrawn_claim_says_so_and_why(client, dispute_with_rivals, reviewer):
    _, beaten, *_ = dispute_with_rivals
    beaten.refresh_from_db()
    workflow.claim_transition(
        claim=beaten,
        action="withdraw",
        by=reviewer,
        expected_version=beaten.version,
        comment="The source retracted it.",
    )
    page = html_of(client, beaten.get_absolute_url(), 410)
    assert "This claim was withdrawn" in page and "The source retracted it." in page
    assert "He was beaten by guards." not in html_of(client, "/")


def test_source_page_highlights_and_anchors_each_published_excerpt(client, dispute_with_rivals):
    _, beaten, _, source = dispute_with_rivals
    excerpt = beaten.evidence.get(excerpt__source=source).excerpt
    page = html_of(client, source.get_absolute_url())

    assert f'id="excerpt-{excerpt.pk}"' in page
    assert "<mark>savage beating by prison guards</mark>" in page
    assert f'<a href="{beaten.get_absolute_url()}">{beaten.text}</a>' in page
    assert source.sha256 in page


def test_facts_are_claims_in_agreement_filterable_by_publisher(client, dispute_with_rivals):
    _, beaten, heart, source = dispute_with_rivals
    page = html_of(client, "/facts/")
    assert beaten.text in page and heart.text not in page

    other = factories.publisher("Elsewhere")
    assert beaten.text in html_of(client, f"/facts/?publisher={source.publisher.slug}")
    assert beaten.text not in html_of(client, f"/facts/?publisher={other.slug}")
    assert "Select a valid choice" in html_of(client, "/facts/?dispute=no-such-question")


def test_speaker_page_shows_what_they_asserted_and_where_it_stands(client, dispute_with_rivals):
    _, _, heart, _ = dispute_with_rivals
    page = html_of(client, heart.speaker.get_absolute_url())
    assert heart.text in page and "Contradiction" in page


def test_search_finds_claims_quotes_and_sources(client, dispute_with_rivals):
    # (Each piece of a hit is its own <bdi>: a source's direction controls stay in their piece.)
    page = html_of(client, "/search/?q=guards").replace("<bdi>", "").replace("</bdi>", "")
    assert "He was beaten by <mark>guards</mark>." in page
    assert "savage beating by prison <mark>guards</mark>" in page
    assert "No sources." not in page
    assert "0 results" in html_of(client, "/search/?q=zebra")


def test_hostile_text_is_rendered_inert_everywhere(client, reviewer):
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    dispute = factories.dispute(payload, summary=payload)
    speaker = factories.speaker(payload)
    source = factories.source(f"He wrote {payload} in the text.", title=payload)
    claim = factories.claim(payload, dispute=dispute, speaker=speaker)
    factories.evidence(claim, source, payload)

    urls = [
        "/",
        dispute.get_absolute_url(),
        claim.get_absolute_url(),
        source.get_absolute_url(),
        speaker.get_absolute_url(),
        "/search/?q=script",
        "/feeds/claims.atom",
    ]
    for url in urls:
        page = html_of(client, url)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
    json_ld = extruct.extract(html_of(client, claim.get_absolute_url()), syntaxes=["json-ld"])
    assert json_ld["json-ld"][0]["claimReviewed"] == payload


def test_claim_page_carries_claimreview_json_ld_with_googles_required_fields(
    client, dispute_with_rivals
):
    _, beaten, *_ = dispute_with_rivals
    page = html_of(client, beaten.get_absolute_url())
    data = extruct.extract(page, base_url="http://testserver", syntaxes=["json-ld"])["json-ld"]
    (review,) = [d for d in data if d["@type"] == "ClaimReview"]

    assert review["url"] == f"http://testserver{beaten.get_absolute_url()}"
    assert review["claimReviewed"] == beaten.text
    assert review["author"]["@type"] == "Organization" and review["author"]["name"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", review["datePublished"])
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (3, 3, 1)
    assert rating["alternateName"].startswith("Agreement")
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert {a["publisher"]["name"] for a in item["appearance"]} == {"The Paper", "The NGO"}
    assert item["firstAppearance"]["datePublished"] == "2012-05-02"


def test_pages_carry_canonical_and_opengraph_meta(client, dispute_with_rivals):
    _, beaten, *_ = dispute_with_rivals
    page = html_of(client, f"{beaten.get_absolute_url()}?utm_source=x")
    canonical = f"http://testserver{beaten.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert '<meta property="og:title" content="Agreement: He was beaten by guards.">' in page


def test_feed_lists_published_claims_newest_first(client, dispute_with_rivals):
    _, beaten, heart, _ = dispute_with_rivals
    factories.claim("Draft only.", review_state=ReviewState.DRAFT)
    feed = html_of(client, "/feeds/claims.atom")
    assert feed.startswith("<?xml") and "http://www.w3.org/2005/Atom" in feed
    assert "Contradiction: He died of heart failure." in feed
    assert feed.index(heart.text) < feed.index(beaten.text)
    assert "Draft only." not in feed


def whole_sitemap(client) -> str:
    """Every section the sitemap index names, one after another."""
    index = html_of(client, "/sitemap.xml")
    sections = re.findall(r"<loc>http://testserver(/sitemap-[a-z]+\.xml)</loc>", index)
    assert sections
    return "".join(html_of(client, section) for section in sections)


def test_sitemap_and_robots(client, dispute_with_rivals):
    dispute, beaten, _, source = dispute_with_rivals
    draft = factories.claim("Draft only.", review_state=ReviewState.DRAFT)
    sitemap = whole_sitemap(client)
    for obj in (dispute, beaten, source):
        assert f"http://testserver{obj.get_absolute_url()}" in sitemap
    assert draft.get_absolute_url() not in sitemap
    robots = html_of(client, "/robots.txt")
    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots


def test_public_pages_are_cacheable_and_answer_conditional_requests(client, dispute_with_rivals):
    dispute, *_ = dispute_with_rivals
    first = client.get(dispute.get_absolute_url())
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    etag = first["ETag"]

    again = client.get(dispute.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    rival = factories.claim("A new rival.", dispute=dispute)
    factories.evidence(rival, factories.source(), "his body bearing bruises")  # published now
    changed = client.get(dispute.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "page", ["home", "dispute", "claim", "source", "facts", "speaker", "search", "feed", "sitemap"]
)
def test_page_queries_do_not_grow_with_rows_shown(client, page):
    dispute = factories.dispute()
    speaker = factories.speaker()
    text = " ".join(f"Sentence number {n} is here." for n in range(40))
    paper, ngo = factories.publisher(), factories.publisher()
    source, copy = factories.source(text, publisher_=paper), factories.source(text, publisher_=ngo)
    first = None

    def add_claims(count, start):
        nonlocal first
        for n in range(start, start + count):
            claim = factories.claim(f"Claim {n}.", dispute=dispute, speaker=speaker)
            first = first or claim
            factories.evidence(claim, source, f"Sentence number {n} is here.")
            factories.evidence(claim, copy, f"Sentence number {n} is here.")

    def url():
        return {
            "home": "/",
            "dispute": dispute.get_absolute_url(),
            "claim": first.get_absolute_url(),
            "source": source.get_absolute_url(),
            "facts": "/facts/",
            "speaker": speaker.get_absolute_url(),
            "search": "/search/?q=Claim",
            "feed": "/feeds/claims.atom",
            "sitemap": "/sitemap-claims.xml",
        }[page]

    add_claims(2, 0)
    few = queries_for(client, url())
    add_claims(8, 2)
    many = queries_for(client, url())
    assert many == few


def test_json_ld_cannot_break_out_of_its_script_block(client, dispute_with_rivals):
    claim = factories.claim("</script><script>alert(1)</script>")
    source = factories.source("A plain sentence to quote here.")
    factories.evidence(claim, source, "A plain sentence to quote here.")
    page = html_of(client, claim.get_absolute_url())
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block)["claimReviewed"] == "</script><script>alert(1)</script>"


def test_an_archive_front_page_shows_the_most_disputed_and_says_how_many_in_all(client):
    from claims.web.views import HOME_DISPUTES

    source = factories.source()
    for number in range(HOME_DISPUTES + 5):
        # A question reaches readers with its first published claim.
        dispute = factories.dispute(f"Question number {number}?")
        answer = factories.claim(f"Answer number {number}.", dispute=dispute)
        factories.evidence(answer, source, "died of heart failure")
    html = client.get("/").content.decode()
    assert html.count('class="dispute-card"') == HOME_DISPUTES
    assert f"The {HOME_DISPUTES} most disputed of {HOME_DISPUTES + 5} questions: " in html
    assert '<a href="/disputes/">all questions</a>' in html


def test_a_dispute_whose_only_claim_was_withdrawn_leaves_the_pages_and_the_sitemap(
    client, reviewer
):
    dispute = factories.dispute("A question answered once?")
    only = factories.claim("The only answer.", dispute=dispute)
    factories.evidence(only, factories.source(), "died of heart failure")
    assert "A question answered once?" in html_of(client, "/")
    only.refresh_from_db()
    workflow.claim_transition(
        claim=only,
        action="withdraw",
        by=reviewer,
        expected_version=only.version,
        comment="Merged into another claim.",
    )
    assert "A question answered once?" not in html_of(client, "/")
    assert dispute.slug not in whole_sitemap(client)
    assert client.get(dispute.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/disputes/{dispute.slug}/").status_code == 404
