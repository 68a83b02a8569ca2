"""schema.org ClaimReview on the curated ledger, as a fact-check aggregator reads it: on every
claim page, and in bulk as one DataFeed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import extruct
import pytest
from rest_framework.test import APIClient

from claims.models import Claim

pytestmark = pytest.mark.django_db

HOST = "testserver"


def reviews_on_pages(client) -> dict[int, dict]:
    """Each published claim's ClaimReview, as extracted from its page."""
    reviews = {}
    for claim in Claim.objects.published():
        page = client.get(claim.get_absolute_url()).content.decode()
        data = extruct.extract(page, base_url=f"http://{HOST}", syntaxes=["json-ld"])["json-ld"]
        (reviews[claim.pk],) = [d for d in data if d["@type"] == "ClaimReview"]
    return reviews


@pytest.fixture
def reviews(client, seeded_ledger):
    return reviews_on_pages(client)


def test_every_claim_names_who_makes_it(reviews):
    for pk, review in reviews.items():
        claim = Claim.objects.select_related("speaker").get(pk=pk)
        author = review["itemReviewed"]["author"]
        assert author["@type"] in ("Person", "Organization") and author["name"]
        if claim.speaker:
            assert author["name"] == claim.speaker.name  # the claimant, when there is one


def test_appearances_are_where_the_claim_was_made_each_once(reviews):
    for review in reviews.values():
        appearances = review["itemReviewed"]["appearance"]
        assert appearances
        urls = [a["url"] for a in appearances if "url" in a]
        assert len(urls) == len(set(urls)), review["url"]
        for appearance in appearances:
            # Never the ledger's own copy presented as where the claim appeared: a document
            # with no original address says where its archived copy is.
            assert "url" in appearance or "archivedAt" in appearance
            if "url" in appearance:
                assert urlsplit(appearance["url"]).hostname != HOST
            else:
                assert urlsplit(appearance["archivedAt"]).hostname == HOST


def test_a_claim_is_dated_unless_no_document_that_makes_it_states_a_date(reviews):
    undated = set()
    for pk, review in reviews.items():
        item = review["itemReviewed"]
        dates = [a["datePublished"] for a in item["appearance"] if "datePublished" in a]
        if dates:
            assert item["datePublished"] == min(dates)
            assert item["firstAppearance"]["datePublished"] == min(dates)
        else:
            assert "datePublished" not in item
            undated.add(pk)
    # Only claims that the undated NHC background paper alone makes go without a date.
    for claim in Claim.objects.filter(pk__in=undated):
        supporting = claim.evidence.filter(stance="supports").select_related("excerpt__source")
        assert {e.excerpt.source.published_on for e in supporting} == {None}
    print(f"\n{len(reviews) - len(undated)} of {len(reviews)} claims dated; {len(undated)} not")


def test_the_claimreview_feed_is_one_data_feed_of_every_published_claim(reviews):
    api = APIClient()
    elements = []
    address = "/api/v1/claimreview/?format=jsonld&page_size=20"
    while address:
        response = api.get(address)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ld+json"
        feed = response.json()
        assert feed["@context"] == "https://schema.org"
        assert feed["@type"] == "DataFeed"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T.+", feed["dateModified"])
        elements += feed["dataFeedElement"]
        link = response.get("Link", "")
        found = re.search(r'<([^>]+)>; rel="next"', link)
        address = found.group(1) if found else None
    assert len(elements) == len(reviews)
    # The feed and the pages say the same: one rule builds both.
    by_url = {review["url"]: review for review in reviews.values()}
    for element in elements:
        assert "@context" not in element  # the feed's context covers its elements
        assert {**element, "@context": "https://schema.org"} == by_url[element["url"]]


def test_the_feed_is_also_offered_by_accept_header(seeded_ledger):
    response = APIClient().get("/api/v1/claimreview/", HTTP_ACCEPT="application/ld+json")
    assert response.json()["@type"] == "DataFeed"
    plain = APIClient().get("/api/v1/claimreview/")
    assert set(plain.json()) >= {"next", "previous", "results"}  # the JSON list as before
