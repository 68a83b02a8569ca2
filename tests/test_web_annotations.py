"""Excerpts as W3C Web Annotations, held to the W3C test suite's own JSON Schemas.

`tests/standards/w3c-web-annotation-tests/` is the suite's data (its JSON Schemas and the
assertion lists of its manual tests). Every MUST assertion must hold for single annotations,
pages and collections; SHOULD and MAY assertions are reported (run with `-s` to see them). The
annotations are also expanded as JSON-LD by pyld with no network: the Web Annotation context
comes from the ledger itself (`/api/v1/ns/anno.jsonld`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft4Validator
from pyld import jsonld
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from rest_framework.test import APIClient

from claims.models import Excerpt, Source
from tests import factories

pytestmark = pytest.mark.django_db

SUITE = Path(__file__).parent / "standards" / "w3c-web-annotation-tests"
ANNO = "http://www.w3.org/ns/anno.jsonld"
OA = "http://www.w3.org/ns/oa#"
PROFILE = f'application/ld+json; profile="{ANNO}"'


# -- the W3C suite, run as its manual tests would run it -----------------------------------------


@cache
def registry() -> Registry:
    """Every schema of the suite, under the relative `id` its `$ref`s use."""
    resources = []
    for path in SUITE.rglob("*.json"):
        schema = json.loads(path.read_text())
        resource = Resource.from_contents(schema, default_specification=DRAFT4)
        resources.append((schema.get("id", path.name), resource))
    return Registry().with_resources(resources)


@cache
def assertions(test_file: str) -> list[tuple[str, Draft4Validator, bool]]:
    """The assertions a test file of the suite lists: (title, validator, expected to be valid)."""
    listed = json.loads((SUITE / test_file).read_text())["assertions"]
    checks = []
    for name in listed:
        assertion = json.loads((SUITE / name).read_text())
        validator = Draft4Validator(
            assertion, registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER
        )
        title = f"[{assertion['assertionType']}] {assertion['title']}"
        checks.append((title, validator, assertion.get("expectedResult", "valid") == "valid"))
    return checks


def unmet(document: dict, test_file: str) -> list[str]:
    """The assertions of `test_file` that `document` does not meet, as the suite words them."""
    return [
        title
        for title, validator, expected in assertions(test_file)
        if validator.is_valid(document) != expected
    ]


def report(kind: str, documents: list[dict], test_file: str) -> None:
    """Optional features not implemented: printed, not failed (they are MAYs and SHOULDs)."""
    missing = sorted({failure for doc in documents for failure in unmet(doc, test_file)})
    should = [failure for failure in missing if failure.startswith("[should]")]
    print(
        f"\n{kind}: {len(missing)} optional assertions of {test_file} not met, {len(should)} SHOULD"
    )
    for failure in should:
        print("  ", failure)


def standalone(item: dict, context: str = ANNO) -> dict:
    """An annotation from a page, as it would stand alone (the page carries the context)."""
    return {"@context": context, **item}


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def walked(api, seeded_ledger):
    """The whole list of excerpts as annotations, walked page by page from the collection."""
    collection = api.get("/api/v1/excerpts/?format=annotation&page_size=25").json()
    pages = [collection["first"]]
    while "next" in pages[-1]:
        pages.append(api.get(pages[-1]["next"]).json())
    return collection, pages


# -- single annotations --------------------------------------------------------------------------


def test_every_published_annotation_meets_every_must_of_the_w3c_suite(api, walked):
    _, pages = walked
    annotations = [standalone(item) for page in pages for item in page["items"]]
    assert len(annotations) == Excerpt.objects.published().count()
    for annotation in annotations:
        assert unmet(annotation, "annotations/annotationMusts.test") == [], annotation["id"]
    one = api.get(annotations[0]["id"], {"format": "annotation"}).json()
    assert one == annotations[0]
    report("annotations", annotations, "annotations/annotationOptionals.test")
    report("annotation agents", annotations, "annotations/annotationsAgentOptionals.test")


def test_an_annotation_says_what_the_quote_is_and_links_the_claims_it_is_evidence_for(
    api, seeded_ledger
):
    excerpt = Excerpt.objects.published().filter(voice="quote", via__isnull=False).first()
    annotation = api.get(f"/api/v1/excerpts/{excerpt.pk}/", HTTP_ACCEPT=PROFILE).json()

    assert annotation["motivation"] == "linking"  # a motivation the model defines
    described, *links = annotation["body"]
    assert described["purpose"] == "describing"
    assert excerpt.speaker.name in described["value"]  # whose words, not the outlet's
    assert excerpt.voice_of().describe() in described["value"]  # and through whom
    cited = excerpt.evidence.published().select_related("claim")
    for evidence in cited:
        assert f"{evidence.stance} “{evidence.claim.text}”" in described["value"]
    assert sorted(link["source"] for link in links) == sorted(
        f"http://testserver{evidence.claim.get_absolute_url()}" for evidence in cited
    )
    assert {link["purpose"] for link in links} == {"linking"}
    # Who made it and with what, without naming any member of staff.
    assert annotation["creator"]["type"] == "Organization"
    assert annotation["generator"]["type"] == "Software"


def test_created_is_utc_written_with_z(api, seeded_ledger):
    excerpt = Excerpt.objects.published().first()
    created = api.get(f"/api/v1/excerpts/{excerpt.pk}/?format=annotation").json()["created"]
    assert created.endswith("Z") and "+00:00" not in created
    assert created == excerpt.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the target: offsets that land on the quote ---------------------------------------------------


def test_every_selector_lands_on_its_quote_in_the_targets_plain_text(api, walked):
    _, pages = walked
    texts = {}
    landed = 0
    for item in (item for page in pages for item in page["items"]):
        target = item["target"]
        if target["source"] not in texts:
            response = api.get(target["source"])
            assert response["Content-Type"] == "text/plain; charset=utf-8"
            texts[target["source"]] = response.content.decode("utf-8")
        text = texts[target["source"]]
        quote, position = target["selector"]
        assert text[position["start"] : position["end"]] == quote["exact"]
        before = text[: position["start"]]
        after = text[position["end"] :]
        assert before.endswith(quote.get("prefix", ""))
        assert after.startswith(quote.get("suffix", ""))
        assert api.get(target["scope"])["Content-Type"].startswith("text/html")
        landed += 1
    assert landed == Excerpt.objects.published().count()
    print(f"\n{landed} of {landed} selectors land on their quote in the plain text")


def test_a_sources_plain_text_is_its_stored_text_character_for_character(client, seeded_ledger):
    source = Source.objects.published().first()
    response = client.get(f"/sources/{source.slug}/text")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == source.text.encode("utf-8")
    assert response["Content-Language"] == source.language
    assert f"<http://testserver{source.get_absolute_url()}>" in response["Link"]
    # The page links it, for readers and for software.
    page = client.get(source.get_absolute_url()).content.decode()
    assert f'<link rel="alternate" type="text/plain" href="{source.get_text_url()}"' in page
    # Short links by id move to the slug; unpublished sources are not there.
    moved = client.get(f"/sources/{source.pk}/text")
    assert moved.status_code == 301 and moved["Location"] == source.get_text_url()
    unquoted = factories.source(text="Nothing quoted from this yet.")
    assert client.get(unquoted.get_text_url()).status_code == 404


# -- lists: a collection of pages ----------------------------------------------------------------


def test_the_list_is_a_collection_of_pages_that_meet_the_suites_musts(walked):
    collection, pages = walked
    assert collection["type"] == "AnnotationCollection"
    assert unmet(collection, "collections/collectionMusts.test") == []
    assert unmet(standalone(pages[0]), "collections/pages/pageMusts.test") == []
    for page in pages[1:]:
        assert page["type"] == "AnnotationPage"
        assert unmet(page, "collections/pages/pageMusts.test") == []
        assert page["partOf"]["id"] == collection["id"]
    report("collection", [collection], "collections/collectionOptionals.test")
    report("pages", [standalone(p) for p in pages], "collections/pages/pageOptionals.test")


def test_walking_the_pages_gives_every_excerpt_once_in_order_with_its_index(api, walked):
    collection, pages = walked
    ids = [item["id"] for page in pages for item in page["items"]]
    expected = [
        f"http://testserver/api/v1/excerpts/{pk}/"
        for pk in Excerpt.objects.published().order_by("pk").values_list("pk", flat=True)
    ]
    assert ids == expected
    assert collection["total"] == len(expected)
    seen = 0
    for page in pages:
        assert page["startIndex"] == seen
        seen += len(page["items"])
    last = api.get(collection["last"]).json()
    # The last page holds the last page_size excerpts, counted from the end.
    assert [item["id"] for item in last["items"]] == ids[-len(last["items"]) :]
    assert last["startIndex"] + len(last["items"]) == collection["total"]
    # Each page is at its own address, and leads back.
    second = api.get(pages[1]["id"]).json()
    assert second["items"] == pages[1]["items"]
    assert api.get(second["prev"]).json()["items"] == pages[0]["items"]
    assert api.get(pages[0]["id"]).json()["items"] == pages[0]["items"]


def test_a_filtered_list_is_its_own_collection(api, seeded_ledger):
    source = Source.objects.published().first()
    collection = api.get(f"/api/v1/excerpts/?source={source.pk}", HTTP_ACCEPT=PROFILE).json()
    assert f"source={source.pk}" in collection["id"]
    assert "format=annotation" in collection["id"]  # its address gives annotations back
    assert collection["total"] == Excerpt.objects.published().filter(source=source).count()
    assert all(
        item["target"]["source"].endswith(source.get_text_url())
        for item in collection["first"]["items"]
    )
    nothing = api.get("/api/v1/excerpts/?format=annotation&ordering=-id&cursor=cD0x").json()
    assert nothing["type"] == "AnnotationPage" and nothing["items"] == []


def test_a_page_of_annotations_costs_the_same_queries_whatever_its_size(api, seeded_ledger):
    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            assert (
                api.get(f"/api/v1/excerpts/?format=annotation&page_size={size}").status_code == 200
            )
        return len(captured)

    assert queries(2) == queries(20)


# -- JSON-LD, offline ----------------------------------------------------------------------------


def offline_loader(client):
    """A pyld document loader that knows only the ledger's own copy of the anno context."""

    def load(url, options=None):
        if url != ANNO:
            raise jsonld.JsonLdError(f"No network in this test: {url}", "loading document failed")
        response = client.get("/api/v1/ns/anno.jsonld")
        assert response["Content-Type"] == "application/ld+json"
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(response.content),
        }

    return load


def test_annotations_expand_as_json_ld_without_the_network(api, walked):
    collection, _ = walked
    expanded = jsonld.expand(collection, {"documentLoader": offline_loader(api)})
    (top,) = expanded
    assert top["@type"] == ["http://www.w3.org/ns/activitystreams#OrderedCollection"]
    first = top["http://www.w3.org/ns/activitystreams#first"][0]
    items = first["http://www.w3.org/ns/activitystreams#items"][0]["@list"]
    assert len(items) == len(collection["first"]["items"])
    for item in items:
        assert item["@type"] == [f"{OA}Annotation"]
        motivations = {m["@id"] for m in item[f"{OA}motivatedBy"]}
        assert motivations <= {f"{OA}linking", f"{OA}highlighting"}
        target = item[f"{OA}hasTarget"][0]
        selectors = {s["@type"][0] for s in target[f"{OA}hasSelector"]}
        assert selectors == {f"{OA}TextQuoteSelector", f"{OA}TextPositionSelector"}
        assert target[f"{OA}hasSource"][0]["@id"].endswith("/text")
    # Nothing expanded to a relative IRI (as "quoting" did: not a motivation of the model).
    assert '"@id": "quoting"' not in json.dumps(expanded)
