"""The index pages: every claim, question, source and speaker, paged and filterable, linked
from every page's header, and the home page's counts leading to what they count."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.choices import ClaimStatus
from claims.models import Claim, Dispute, Source, Speaker
from claims.web.views import INDEX_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.mark.parametrize(
    ("address", "model"),
    [("/claims/", Claim), ("/disputes/", Dispute), ("/sources/", Source), ("/speakers/", Speaker)],
)
def test_each_index_lists_every_published_record_and_is_in_the_header(
    client, seeded_ledger, address, model
):
    shown, page = set(), address
    while page:  # every page, by its "next" link
        html = client.get(page).content.decode()
        shown |= set(links(html))
        following = re.search(r'rel="next" href="([^"]+)"', html)
        page = address + following.group(1).replace("&amp;", "&") if following else None
    for record in model.objects.published():
        assert record.get_absolute_url() in shown, record
    assert address in links(client.get("/methodology/").content.decode())  # the header


def test_the_home_pages_counts_link_to_the_claims_they_count(client, seeded_ledger):
    home = client.get("/").content.decode()
    for status in ClaimStatus:
        count = Claim.objects.published().filter(status=status).count()
        link = f'<a href="/claims/?status={status.value}">'
        assert link in home
        listed = client.get(f"/claims/?status={status.value}").content.decode()
        assert f"{count} claim{'s' if count != 1 else ''}" in listed
        assert listed.count('class="status ') - 3 == count  # the footer's legend has three


def test_filters_narrow_an_index(client, seeded_ledger):
    people = client.get("/speakers/?kind=person").content.decode()
    for speaker in Speaker.objects.published():
        assert (speaker.get_absolute_url() in people) == (speaker.kind == "person")
    contested = client.get("/disputes/?contested=true").content.decode()
    for dispute in Dispute.objects.published().with_support_counts():
        assert (dispute.get_absolute_url() in contested) == dispute.is_contested


def test_an_index_is_paged_and_keeps_its_filter_across_pages(client):
    source = factories.source()
    for number in range(INDEX_PAGE_SIZE + 3):
        claim = factories.claim(f"Answer number {number}.")
        factories.evidence(claim, source, "died of heart failure")
    unverified = Claim.objects.published().filter(status="unverified").count()
    pages = -(-unverified // INDEX_PAGE_SIZE)
    first = client.get("/claims/?status=unverified").content.decode()
    assert f"{unverified} claims, page 1 of {pages}." in first
    assert 'rel="next" href="?status=unverified&amp;page=2"' in first
    last = client.get(f"/claims/?status=unverified&page={pages}").content.decode()
    assert 'rel="prev" href="?status=unverified&amp;page=' in last
    assert set(re.findall(r'<a class="status (\w+)"', last)) == {"unverified"}  # still filtered
    # A page past the end, or not a number, shows the nearest page: never an error.
    assert client.get("/claims/?page=999").status_code == 200
    assert client.get("/claims/?page=abc").status_code == 200
    unknown = client.get("/claims/?status=nonsense")
    assert unknown.status_code == 200
    assert "Select a valid choice" in unknown.content.decode()


@pytest.mark.parametrize("address", ["/claims/", "/disputes/", "/sources/", "/speakers/"])
def test_an_index_costs_the_same_queries_however_many_rows(client, address):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    source = factories.source()
    speaker = factories.speaker("A Speaker")

    def add(count):
        for _ in range(count):
            dispute = factories.dispute()
            claim = factories.claim(dispute=dispute, speaker=speaker)
            factories.evidence(claim, source, "died of heart failure")

    add(2)
    few = queries()
    add(8)
    assert queries() == few


def test_the_favicon_is_where_browsers_look(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/claims/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()
