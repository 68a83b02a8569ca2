"""Hostile text that users write is rendered inert everywhere it is shown.

A ledger is written with each payload of `tests.hostile.PAYLOADS` in every user-written field
(through the services and the workflow, as an editor and a reviewer would), and every public
page, the feed, the sitemap, the JSON-LD, the API and the admin pages are read back and checked:
no injected element, attribute, script or link survives, and the text is still there as typed.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import resolve

from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    Source,
    SourceItem,
    Speaker,
)
from claims.web import urls as claims_urls
from tests.hostile import (
    API,
    HOSTILE_URL,
    MARKER,
    PAGES,
    PAYLOADS,
    build_hostile_ledger,
    fresh_throttle,  # noqa: F401 (autouse)
    problems_on,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_text_in_every_field_is_inert_on_every_page(payload, editor, reviewer, superuser):
    ledger = build_hostile_ledger(payload, editor, reviewer)
    staff = Client()
    staff.force_login(superuser)

    problems = [p for page in PAGES for p in problems_on(page, ledger, Client(), staff)]

    assert problems == [], "\n".join(problems)


def test_the_hostile_text_is_really_there_and_shown_as_typed(client, editor, reviewer):
    """The checks above would pass on pages that dropped the text: show that they do not."""
    payload = PAYLOADS["template-and-entities"]
    ledger = build_hostile_ledger(payload, editor, reviewer)

    page = client.get(ledger.claim.get_absolute_url()).content.decode()
    feed = ET.fromstring(client.get("/feeds/claims.atom").content)
    api = client.get(f"{API}/claims/{ledger.claim.pk}/").json()

    # Shown literally: not evaluated as a template, entities not decoded twice.
    assert (
        "{{ 7|add:7 }} {% now &#x27;Y&#x27; %} &amp;lt;b&amp;gt; &amp;amp; &amp;#60;i&amp;#62;"
        in page
    )
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block)["claimReviewed"] == ledger.text()
    assert api["text"] == ledger.text() and api["evidence"][0]["note"] == ledger.text()
    atom = "{http://www.w3.org/2005/Atom}"
    entry = feed.find(f"{atom}entry")
    assert entry.find(f"{atom}title").text == f"Agreement: {ledger.text()}"
    assert ledger.text() in html.unescape(entry.find(f"{atom}summary").text)


def test_the_feed_summary_is_escaped_html_so_readers_show_it_as_text(client, editor, reviewer):
    """Atom's summary is type="html": a reader unescapes the XML, then renders HTML."""
    ledger = build_hostile_ledger(PAYLOADS["script-tag"], editor, reviewer)

    feed = ET.fromstring(client.get("/feeds/claims.atom").content)
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")

    assert summary.get("type") == "html"
    assert "<script>" not in summary.text
    assert f"Asserted by {MARKER} &lt;script&gt;alert(1)&lt;/script&gt;." in summary.text
    assert ledger.speaker.name.startswith(MARKER)


def test_json_ld_stays_data_whatever_the_claim_says(client, editor, reviewer):
    ledger = build_hostile_ledger(PAYLOADS["script-block-close"], editor, reviewer)
    page = client.get(ledger.claim.get_absolute_url()).content.decode()

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)

    assert len(blocks) == 1
    assert "</script" not in blocks[0].lower() and "<!--" not in blocks[0]
    review = json.loads(blocks[0])
    assert review["claimReviewed"] == ledger.text()
    assert review["itemReviewed"]["author"]["name"] == ledger.speaker.name
    assert review["itemReviewed"]["appearance"][0]["url"] == HOSTILE_URL


def test_the_matrix_covers_every_public_route_and_every_admin_model(editor, reviewer):
    ledger = build_hostile_ledger(PAYLOADS["script-tag"], editor, reviewer)
    reached = {
        resolve(urllib.parse.urlsplit(address(ledger)).path) for _, _, address in PAGES.values()
    }
    public_routes = {route.name for route in claims_urls.urlpatterns}
    claims_models = {
        m._meta.model_name for m in admin.site._registry if m._meta.app_label == "claims"
    }

    public_reached = {match.url_name for match in reached if match.namespace == "claims"}
    admin_reached = {
        match.url_name.split("_")[1]
        for match in reached
        if match.namespace == "admin" and "_" in match.url_name
    }
    assert public_routes - public_reached == set()
    assert claims_models - admin_reached == set()
    print(
        f"\nHostile text: {len(PAYLOADS)} payloads x {len(PAGES)} pages "
        f"= {len(PAYLOADS) * len(PAGES)} renders checked"
    )


# Text fields that no user writes: identifiers (validated as slugs), hashes, codes, fields the
# ledger fills itself (quote context, the actor's username, a change request's state and the
# kind of record it changes), and URLs (they get HOSTILE_URL).
NOT_USER_WRITTEN = {
    "slug", "sha256", "language", "kind", "stance", "status", "review_state", "action",
    "from_state", "to_state", "original_filename", "actor_name", "url", "prefix", "suffix",
    "state", "target_model", "voice", "voice_root",
}  # fmt: skip


def test_every_user_written_text_field_carries_the_payload(editor, reviewer):
    payload = PAYLOADS["script-tag"]
    build_hostile_ledger(payload, editor, reviewer)

    missing = []
    for model in (
        Publisher,
        Speaker,
        Source,
        SourceItem,
        Excerpt,
        Dispute,
        Claim,
        Evidence,
        ChangeRequest,
    ):
        for column in model._meta.concrete_fields:
            if not isinstance(column, models.CharField | models.TextField):
                continue
            if column.name in NOT_USER_WRITTEN:
                continue
            if not model.objects.filter(**{f"{column.name}__contains": payload}).exists():
                missing.append(f"{model.__name__}.{column.name}")
    if not ReviewEvent.objects.filter(comment__contains=payload).exists():
        missing.append("ReviewEvent.comment")

    assert missing == []
