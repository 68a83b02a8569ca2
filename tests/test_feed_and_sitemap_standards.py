"""The Atom feed and the sitemap speak their standards exactly, checked against the standards' own
schemas (vendored in tests/standards/, see SOURCE.md there) over the curated ledger."""

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rnc2rng
from django.conf import settings
from lxml import etree

STANDARDS = Path(__file__).parent / "standards"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# RFC 3339's date-time, with RFC 4287 §3.3's extra rule: an uppercase T, and an uppercase Z
# wherever there is no numeric offset.
RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


@cache
def atom_schema() -> etree.RelaxNG:
    # RFC 4287 publishes its grammar in RELAX NG's compact syntax, which libxml2 cannot read. It
    # is converted here on each run rather than kept converted, so that the file in the repo
    # stays the RFC's own text, comparable with the RFC line by line. rnc2rng declares the
    # grammar's `local` prefix as xmlns:local="", which XML namespaces forbid; the prefix is
    # never used in the output (local:* becomes <nsName ns=""/>), so the declaration is dropped.
    rng = rnc2rng.dumps(rnc2rng.load(str(STANDARDS / "atom-rfc4287.rnc")))
    return etree.RelaxNG(etree.fromstring(re.sub(r'\s+xmlns:local=""', "", rng).encode()))


@cache
def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(STANDARDS / "sitemap-0.9.xsd"))


def xml_of(client, url) -> etree._Element:
    response = client.get(url)
    assert response.status_code == 200, url
    return etree.fromstring(response.content)


def schema_errors(schema, document) -> list[str]:
    schema.validate(document)
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


@pytest.fixture
def feed(client, seeded_ledger):
    return xml_of(client, "/feeds/claims.atom")


def test_the_feed_is_valid_against_rfc_4287s_relax_ng_schema(feed):
    assert schema_errors(atom_schema(), feed) == []
    assert len(feed.findall(f"{ATOM}entry")) == 50  # a full feed, so every rule is exercised


def test_every_entry_has_an_author_the_feeds_own_or_its_own(feed):
    # RFC 4287 §4.1.1. The schema carries this rule only as a Schematron annotation, which
    # RELAX NG validators skip (feed validators and some readers do not).
    feed_author = feed.find(f"{ATOM}author")
    anonymous = [
        entry.findtext(f"{ATOM}id")
        for entry in feed.iter(f"{ATOM}entry")
        if feed_author is None and entry.find(f"{ATOM}author") is None
    ]
    assert anonymous == []


def test_the_feeds_author_is_the_ledger_and_no_member_of_staff(feed):
    # The ledger publishes each claim; who edited or reviewed it is not shown on its page, so
    # the feed does not name them either.
    authors = [author.findtext(f"{ATOM}name") for author in feed.iter(f"{ATOM}author")]
    assert authors == [settings.LEDGER_NAME]


def test_every_entry_has_an_id_a_title_and_an_updated_date_and_ids_are_unique(feed):
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), (required, entry.sourceline)
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)


def test_ids_are_absolute_and_dates_are_rfc_3339(feed):
    # §4.2.6: an id is an IRI, and an IRI is never a relative reference. §3.3: dates are
    # RFC 3339 date-times, which xsd:dateTime (the schema's type) only approximates.
    for id_ in feed.iter(f"{ATOM}id"):
        assert urlsplit(id_.text).scheme in ("http", "https"), id_.text
    for date in (*feed.iter(f"{ATOM}updated"), *feed.iter(f"{ATOM}published")):
        assert RFC3339_DATE_TIME.fullmatch(date.text), date.text


def test_every_entry_links_to_its_page_by_an_absolute_address(feed):
    # §4.1.1 (the schema's other Schematron rule): an entry without content needs an alternate
    # link. The RFC allows relative links against xml:base, but the feed sets no base, so a
    # relative one would resolve differently in every reader.
    for link in feed.iter(f"{ATOM}link"):
        assert urlsplit(link.get("href")).scheme in ("http", "https"), link.get("href")
    for entry in feed.iter(f"{ATOM}entry"):
        alternates = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert alternates or entry.find(f"{ATOM}content") is not None, entry.sourceline
    # §4.1.1: the feed has at most one alternate link per type and language, and (a SHOULD)
    # a link to itself.
    alternates = [
        (link.get("type"), link.get("hreflang"))
        for link in feed.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    assert len(alternates) == len(set(alternates)) == 1
    assert feed.find(f"{ATOM}link[@rel='self']") is not None


def test_the_sitemap_is_an_index_of_sections_each_valid_against_the_sitemaps_org_schema(
    client, seeded_ledger
):
    index = xml_of(client, "/sitemap.xml")
    # An index of one sitemap per section, each paged at the protocol's 50,000 addresses, so
    # that an archive of any size stays within the protocol.
    assert index.tag == f"{SITEMAP}sitemapindex"
    index_schema = etree.XMLSchema(etree.parse(STANDARDS / "sitemap-index-0.9.xsd"))
    assert schema_errors(index_schema, index) == []
    locations = []
    for section in index.iter(f"{SITEMAP}loc"):
        sitemap = xml_of(client, urlsplit(section.text).path)
        assert sitemap.tag == f"{SITEMAP}urlset"
        assert schema_errors(sitemap_schema(), sitemap) == []
        locations += [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert len(locations) == len(set(locations)) > 50
    assert all(urlsplit(location).scheme in ("http", "https") for location in locations)
