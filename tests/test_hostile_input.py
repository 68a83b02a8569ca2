"""Hostile and malformed input: rendered inert everywhere, refused clearly, never a 500.

Every text field a user writes (claim, question and summary, names and descriptions, source title,
author, dating note and text, item heading, quote, evidence note, review comments) is filled with
each payload of a table, through the services and the workflow as an editor and a reviewer would,
and every public page, the feed, the sitemap, the JSON-LD, the API and the admin pages are read
back and checked: no injected element, attribute, script or link survives.

Malformed input (NUL characters, oversized bodies, broken or deeply nested JSON, wrong types,
unknown fields, direction-control characters) is sent through every door (API, admin, services,
seed loader, ingest command) and must be refused with a 4xx and a message, never a 500.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import (
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
from claims.ops.loader import LedgerFileError, load_ledger
from claims.rules import typed_text
from claims.services import workflow
from claims.web import urls as claims_urls
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
TEN_MB = 10 * 1024 * 1024
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" displays as "exe.txt"

# Each payload goes into every user-written field. `alert(n)` numbers tell failures apart.
PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "attribute-breakout": '"><img src=x onerror=alert(2)>',
    "single-quote-attribute": "' onmouseover='alert(3)' x='",
    "javascript-url": "javascript:alert(4)//",
    "script-block-close": "</script><script>alert(5)</script><!--",
    "svg-onload": "<svg/onload=alert(6)><a href=javascript:alert(7)>x</a>",
    "template-and-entities": "{{ 7|add:7 }} {% now 'Y' %} &lt;b&gt; &amp; &#60;i&#62;",
    "xml-breakout": "]]></title></summary><entry><title>forged</title>",
    "rtl-override-in-source": f"report{RLO}txt.exe",
    "very-long": "<script>alert(9)</script>" + "word " * 4000,
}
# A URL that is valid (so URLField accepts it) yet tries to break out of the href attribute.
HOSTILE_URL = "https://example.org/?q=\"><script>alert(10)</script>&x='onmouseover=alert(11)"
# Words every hostile text starts with, so that search finds each row.
MARKER = "Zebra"

# -- what "inert" means -------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "cite", "data", "poster", "xlink:href"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json"}


@dataclass
class ParsedPage:
    """What an HTML parser (as a browser's tokenizer would) finds in a page."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[tuple[dict[str, str | None], str]] = field(default_factory=list)
    # Direction overrides that reorder page content after them, with that content's start.
    override_leaks: list[str] = field(default_factory=list)


# An override lasts to the end of its bidi paragraph (a block) or of an isolate (<bdi>, `dir`):
# it leaks when that block or isolate holds anything after the text that carries it.
BLOCKS = {
    "address", "article", "aside", "bdi", "blockquote", "body", "caption", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "html", "li", "main", "nav", "ol", "option", "p", "pre", "section", "table",
    "tbody", "td", "textarea", "tfoot", "th", "thead", "title", "tr", "ul",
}  # fmt: skip
ISOLATE_OPENERS, PDI = "\u2066\u2067\u2068", "\u2069"


def isolated_in_text(text: str) -> bool:
    """Every override sits between an isolate opener and its PDI (plain text's own <bdi>)."""
    return all(
        any(c in ISOLATE_OPENERS for c in text[:i]) and PDI in text[i:]
        for i, c in enumerate(text)
        if c == RLO
    )


class PageParser(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self.stack: list[tuple[str, dict, int]] = []
        self.script: dict | None = None
        self.script_text: list[str] = []
        self.pending: dict[int, str] = {}  # open block or isolate id -> the override text in it

    def content_follows(self, what: str) -> None:
        open_ids = {element_id for _, _, element_id in self.stack}
        for element_id in [i for i in self.pending if i in open_ids]:
            self.page.override_leaks.append(f"{self.pending.pop(element_id)!r} then {what!r}")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.page.elements.append((tag, attributes))
        self.content_follows(f"<{tag}>")
        if tag == "script":
            self.script, self.script_text = attributes, []
        if tag not in self.VOID:
            self.stack.append((tag, attributes, len(self.page.elements)))

    def handle_startendtag(self, tag, attrs):
        self.page.elements.append((tag, dict(attrs)))
        self.content_follows(f"<{tag}/>")

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            self.page.scripts.append((self.script, "".join(self.script_text)))
            self.script = None
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                for _, _, element_id in self.stack[depth:]:
                    self.pending.pop(element_id, None)
                del self.stack[depth:]
                break

    def handle_data(self, data):
        if self.script is not None:
            self.script_text.append(data)
            return
        if data.strip():
            self.content_follows(data.strip()[:40])
        if RLO not in data or isolated_in_text(data) or self.showing_a_whole_document():
            return
        container = next(
            (
                element_id
                for tag, attributes, element_id in reversed(self.stack)
                if tag in BLOCKS or "dir" in attributes
            ),
            None,
        )
        if container is None:
            self.page.override_leaks.append(f"{data!r} outside any block")
        else:
            self.pending[container] = data

    def showing_a_whole_document(self) -> bool:
        """A source's own words shown whole, as the document shows them (its full text, or an
        excerpt's read-only text and context in the admin): their order is theirs to set."""
        classes = [set((attributes.get("class") or "").split()) for _, attributes, _ in self.stack]
        verbatim_field = any(c & {"field-text", "field-prefix", "field-suffix"} for c in classes)
        return any("source-text" in c or ("readonly" in c and verbatim_field) for c in classes)


def parse(html: str) -> ParsedPage:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def without_json_scripts(html: str) -> str:
    return re.sub(
        r'<script[^>]*type="application/(?:ld\+)?json"[^>]*>.*?</script>', "", html, flags=re.S
    )


def injections_in_html(html: str, payload: str) -> list[str]:
    """Everything in `html` that the payload could have injected; empty when it is inert."""
    found = []
    page = parse(html)
    for tag, attributes in page.elements:
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}=…> event handler")
            squashed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in URL_ATTRIBUTES and squashed.startswith(DANGEROUS_SCHEMES):
                found.append(f"<{tag} {name}={value!r}> script URL")
    for attributes, body in page.scripts:
        kind = attributes.get("type") or ""
        if kind in JSON_SCRIPT_TYPES:
            if re.search(r"</script|<!--", body, re.I):
                found.append(f"{kind} block that can close itself: {body[:80]!r}")
            else:
                try:
                    json.loads(body)  # data blocks must stay data
                except ValueError:
                    found.append(f"{kind} block that is no longer JSON: {body[:80]!r}")
        elif attributes.get("src") is None or body.strip():
            found.append(f"inline script: {body[:80]!r}")
    # Anything markup-like in the payload must have been escaped: its raw form never appears.
    if any(c in payload for c in "<>\"'&") and payload in without_json_scripts(html):
        found.append("the payload appears unescaped")
    return found


def injections_in_xml(body: str, payload: str) -> list[str]:
    """Same for an XML document (feed, sitemap): well-formed, one namespace, HTML parts inert."""
    found = []
    root = ET.fromstring(body)  # a breakout makes the document ill-formed, or adds elements
    namespace = root.tag.split("}")[0] + "}"
    for element in root.iter():
        if not element.tag.startswith(namespace):
            found.append(f"foreign element {element.tag}")
        if element.get("type") == "html" and element.text:
            # A feed reader renders type="html" text as HTML: it must be inert HTML itself.
            found += [f"{element.tag}: {f}" for f in injections_in_html(element.text, payload)]
    titles = [e.text for e in root.iter(f"{namespace}title")]
    if any(title == "forged" for title in titles):
        found.append("a forged <title> element")
    return found


# -- a ledger written by a hostile editor ----------------------------------------------------------


def fit(model: type[models.Model], name: str, text: str) -> str:
    """`text` cut to the field's max_length, keeping the payload's opening (its dangerous part)."""
    limit = model._meta.get_field(name).max_length
    return text[:limit] if limit else text


@dataclass
class HostileLedger:
    payload: str
    claim: Claim
    withdrawn: Claim
    sent_back: Claim
    dispute: Dispute
    speaker: Speaker
    source: Source
    publisher: Publisher

    def text(self) -> str:
        """What a typed field holds (the payload, after the marker word)."""
        return f"{MARKER} {self.payload}"


def build_hostile_ledger(payload: str, editor, reviewer) -> HostileLedger:
    """Every user-written field carries `payload`, written through the services and workflow.

    Direction controls are refused in typed text (see `claims.rules.typed_text`), so a payload with
    them goes into the source's own words only: its text, its item headings and its quotes.
    """
    verbatim = f"{MARKER} {payload}"
    text = "".join(c for c in verbatim if c not in typed_text.DIRECTION_CONTROLS)

    def publisher(number: int) -> Publisher:
        row = Publisher(
            name=fit(Publisher, "name", text),
            slug=f"hostile-publisher-{number}",
            url=HOSTILE_URL,
            description=text,
        )
        row.full_clean()
        row.save()
        return row

    speaker = Speaker(
        name=fit(Speaker, "name", text), slug="hostile-speaker", description=text, kind="person"
    )
    speaker.full_clean()
    speaker.save()
    # The source's own words carry the payload, so that quotes and item headings can.
    body = f"{verbatim}\nThe report said: {verbatim} and nothing more.\n"
    sources = [
        services.source_create(
            title=fit(Source, "title", text),
            text=body,
            publisher=publisher(number),
            slug=f"hostile-source-{number}",
            author=fit(Source, "author", text),
            url=HOSTILE_URL,
            published_on="2012-05-02",
            dating_note=fit(Source, "dating_note", text),
        )
        for number in (1, 2)
    ]
    for source in sources:
        services.source_item_add(
            source=source, heading=fit(SourceItem, "heading", verbatim), published_on="2012-05-02"
        )
    dispute = Dispute.objects.create(
        question=fit(Dispute, "question", text), slug="hostile-dispute", summary=text
    )
    quotes = [
        services.excerpt_create(
            source=s, quote=verbatim, prefix="The report said: ", speaker=speaker
        )
        for s in sources
    ]

    def drafted(slug: str) -> Claim:
        claim = services.claim_create(
            text=text, slug=slug, dispute=dispute, speaker=speaker, by=editor
        )
        for quote in quotes:  # two independent publishers: the claim is a verified fact
            services.evidence_add(
                claim=claim, excerpt=quote, stance="supports", note=text, by=editor
            )
        workflow.claim_transition(claim=claim, action="submit", by=editor)
        return claim

    claim, withdrawn, sent_back = (drafted(f"hostile-claim-{n}") for n in (1, 2, 3))
    for published in (claim, withdrawn):
        workflow.claim_transition(claim=published, action="publish", by=reviewer)
    workflow.claim_transition(claim=withdrawn, action="withdraw", by=reviewer, comment=text)
    workflow.claim_transition(claim=sent_back, action="request_changes", by=reviewer, comment=text)
    return HostileLedger(
        payload, claim, withdrawn, sent_back, dispute, speaker, sources[0], sources[0].publisher
    )


# Every public route and every admin page that shows what users wrote. `kind` says how the answer
# is read; the coverage test below fails when a route or an admin model is not in this list.
def _admin(name: str, *args) -> str:
    return reverse(f"admin:claims_{name}", args=args)


PAGES = {
    # name: (kind, expected status, address)
    "home": ("html", 200, lambda d: "/"),
    "dispute": ("html", 200, lambda d: d.dispute.get_absolute_url()),
    "claim": ("html", 200, lambda d: d.claim.get_absolute_url()),
    "withdrawn claim (410)": ("html", 410, lambda d: d.withdrawn.get_absolute_url()),
    "source": ("html", 200, lambda d: d.source.get_absolute_url()),
    "speaker": ("html", 200, lambda d: d.speaker.get_absolute_url()),
    "facts": ("html", 200, lambda d: "/facts/"),
    "facts, filtered by a hostile value": (
        "html",
        200,
        lambda d: "/facts/?" + urllib.parse.urlencode({"dispute": d.payload}),
    ),
    "search": ("html", 200, lambda d: f"/search/?q={MARKER}"),
    "search for the payload": (
        "html",
        200,
        lambda d: "/search/?" + urllib.parse.urlencode({"q": d.payload}),
    ),
    "feed": ("xml", 200, lambda d: "/feeds/claims.atom"),
    "sitemap": ("xml", 200, lambda d: "/sitemap.xml"),
    "robots": ("text", 200, lambda d: "/robots.txt"),
    "api claim (JSON)": ("json", 200, lambda d: f"{API}/claims/{d.claim.pk}/"),
    "api claim (browsable HTML)": ("html", 200, lambda d: f"{API}/claims/{d.claim.pk}/?format=api"),
    "api claimreview (JSON)": ("json", 200, lambda d: f"{API}/claimreview/"),
    "admin index": ("admin", 200, lambda d: reverse("admin:index")),
    "admin claims": ("admin", 200, lambda d: _admin("claim_changelist")),
    "admin claims, searched for the payload": (
        "admin",
        200,
        lambda d: _admin("claim_changelist") + "?" + urllib.parse.urlencode({"q": d.payload}),
    ),
    "admin claim sent back (timeline)": (
        "admin",
        200,
        lambda d: _admin("claim_change", d.sent_back.pk),
    ),
    "admin claim withdrawn": ("admin", 200, lambda d: _admin("claim_change", d.withdrawn.pk)),
    "admin claim history": ("admin", 200, lambda d: _admin("claim_history", d.claim.pk)),
    "admin sources": ("admin", 200, lambda d: _admin("source_changelist")),
    "admin source": ("admin", 200, lambda d: _admin("source_change", d.source.pk)),
    "admin quote picking": ("admin", 200, lambda d: _admin("source_quote", d.source.pk)),
    "admin excerpts": ("admin", 200, lambda d: _admin("excerpt_changelist")),
    "admin excerpt": ("admin", 200, lambda d: _admin("excerpt_change", d.source.excerpts.get().pk)),
    "admin evidence": ("admin", 200, lambda d: _admin("evidence_changelist")),
    "admin evidence item": (
        "admin",
        200,
        lambda d: _admin("evidence_change", d.claim.evidence.first().pk),
    ),
    "admin review events": ("admin", 200, lambda d: _admin("reviewevent_changelist")),
    "admin disputes": ("admin", 200, lambda d: _admin("dispute_changelist")),
    "admin dispute": ("admin", 200, lambda d: _admin("dispute_change", d.dispute.pk)),
    "admin speakers": ("admin", 200, lambda d: _admin("speaker_changelist")),
    "admin speaker": ("admin", 200, lambda d: _admin("speaker_change", d.speaker.pk)),
    "admin publishers": ("admin", 200, lambda d: _admin("publisher_changelist")),
    "admin publisher": ("admin", 200, lambda d: _admin("publisher_change", d.publisher.pk)),
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def problems_on(page: str, ledger: HostileLedger, client: Client, staff: Client) -> list[str]:
    kind, status, address = PAGES[page]
    url = address(ledger)
    response = (staff if kind == "admin" else client).get(url)
    if response.status_code != status:
        return [f"{page}: status {response.status_code}, expected {status} ({url})"]
    body = response.content.decode()
    if kind in ("html", "admin"):
        found = injections_in_html(body, ledger.payload)
    elif kind == "xml":
        found = injections_in_xml(body, ledger.payload)
    elif kind == "json":
        found = [] if response["Content-Type"] == "application/json" else ["not served as JSON"]
        found += [] if response["X-Content-Type-Options"] == "nosniff" else ["JSON may be sniffed"]
    else:
        found = [] if response["Content-Type"].startswith("text/plain") else ["not plain text"]
    return [f"{page}: {problem}" for problem in found]


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
# ledger fills itself (quote context, the actor's username), and URLs (they get HOSTILE_URL).
NOT_USER_WRITTEN = {
    "slug", "sha256", "language", "kind", "stance", "status", "review_state", "action",
    "from_state", "to_state", "original_filename", "actor_name", "url", "prefix", "suffix",
}  # fmt: skip


def test_every_user_written_text_field_carries_the_payload(editor, reviewer):
    payload = PAYLOADS["script-tag"]
    build_hostile_ledger(payload, editor, reviewer)

    missing = []
    for model in (Publisher, Speaker, Source, SourceItem, Excerpt, Dispute, Claim, Evidence):
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


# -- script URLs are refused at every door ------------------------------------------------------

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_script_urls_are_refused_by_services_api_and_admin(url, editor, superuser):
    paper = factories.publisher("The Paper")
    with pytest.raises(ValidationError) as refused:
        services.source_create(title="T", text="Text.", publisher=paper, url=url)
    assert "url" in refused.value.message_dict

    api = APIClient()
    api.force_authenticate(editor)
    response = api.post(
        f"{API}/sources/",
        {"title": "T", "text": "Text.", "publisher": paper.slug, "url": url},
        format="json",
    )
    assert response.status_code == 400 and "url" in response.json()

    staff = Client()
    staff.force_login(superuser)
    form = staff.post(_admin("publisher_add"), {"name": "Hostile", "slug": "hostile", "url": url})
    assert form.status_code == 200 and "Enter a valid URL." in form.content.decode()
    assert not Source.objects.filter(title="T").exists()
    assert not Publisher.objects.filter(slug="hostile").exists()


def test_a_script_url_in_the_ledger_file_stops_the_load(tmp_path):
    (tmp_path / "ledger.yaml").write_text(
        "version: 1\npublishers:\n  - {slug: evil, name: Evil, url: 'javascript:alert(1)'}\n",
        encoding="utf-8",
    )
    with pytest.raises(LedgerFileError, match="Enter a valid URL"):
        load_ledger(tmp_path / "ledger.yaml")
    assert not Publisher.objects.filter(slug="evil").exists()


# -- NUL characters: a clear refusal at every door, never a 500 ---------------------------------

NUL = "\x00"


def test_services_refuse_nul_naming_the_field_before_the_database_sees_it(editor):
    paper = factories.publisher()
    source = factories.source()
    claim = services.claim_create(text="A draft.", by=editor)
    excerpt = services.excerpt_create(source=source, quote="savage beating")

    attempts = {
        "text": lambda: services.claim_create(text=f"He{NUL}died.", by=editor),
        "title": lambda: services.source_create(title=f"T{NUL}", text="x", publisher=paper),
        "note": lambda: services.evidence_add(
            claim=claim, excerpt=excerpt, stance="supports", note=f"n{NUL}", by=editor
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.message_dict[name] == [typed_text.MESSAGE_NULL_CHARACTER]
    with pytest.raises(ValidationError) as refused:
        services.source_create(title="T", text=f"a{NUL}b", publisher=paper)
    assert refused.value.message_dict["text"] == [typed_text.MESSAGE_NULL_CHARACTER]
    with pytest.raises(workflow.InvalidComment):
        workflow.claim_transition(claim=claim, action="submit", by=editor, comment=f"c{NUL}")
    assert not Evidence.objects.filter(claim=claim).exists()
    assert Claim.objects.get(pk=claim.pk).review_state == "draft"


def test_the_loader_and_the_ingest_command_refuse_nul(tmp_path):
    (tmp_path / "ledger.yaml").write_text(
        'version: 1\ndisputes:\n  - {slug: q, question: "How\\0?"}\n', encoding="utf-8"
    )
    with pytest.raises(LedgerFileError, match="Null characters are not allowed"):
        load_ledger(tmp_path / "ledger.yaml")

    document = tmp_path / "document.txt"
    document.write_bytes(b"A document\x00 with a NUL byte.")
    with pytest.raises(CommandError, match="Null characters are not allowed"):
        call_command("ingest_source", str(document), title="Doc", publisher="someone")
    assert not Source.objects.exists() and not Dispute.objects.exists()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def draft(editor):
    source = factories.source()
    claim = services.claim_create(text="A draft.", dispute=factories.dispute(), by=editor)
    excerpt = services.excerpt_create(source=source, quote="savage beating")
    return {"claim": claim, "source": source, "excerpt": excerpt}


# The API: each write with a NUL where it hurts (text, slugs looked up in the database, notes).
NUL_WRITES = [
    ("claims/", {"text": f"He{NUL}died."}, "text"),
    ("claims/", {"text": "Fine.", "dispute": f"x{NUL}"}, "dispute"),
    ("claims/", {"text": "Fine.", "speaker": f"x{NUL}"}, "speaker"),
    ("claims/", {"text": "Fine.", "slug": f"s{NUL}"}, "slug"),
    ("sources/", {"title": "T", "text": f"a{NUL}b", "publisher": "{publisher}"}, "text"),
    ("sources/", {"title": "T", "text": "ab", "publisher": f"p{NUL}"}, "publisher"),
    ("excerpts/", {"source": "{source}", "quote": f"savage{NUL}"}, "quote"),
    (
        "claims/{claim}/evidence/",
        {"excerpt": "{excerpt}", "stance": "supports", "note": NUL, "version": 1},
        "note",
    ),
    ("claims/{claim}/submit/", {"comment": f"c{NUL}"}, "comment"),
]


@pytest.mark.parametrize(("url", "payload", "field_name"), NUL_WRITES)
def test_api_writes_with_nul_are_a_400_naming_the_field(draft, editor, url, payload, field_name):
    names = {
        "claim": draft["claim"].pk,
        "source": draft["source"].pk,
        "excerpt": draft["excerpt"].pk,
        "publisher": draft["source"].publisher.slug,
    }
    payload = {k: v.format(**names) if isinstance(v, str) else v for k, v in payload.items()}
    before = (Claim.objects.count(), Source.objects.count(), Evidence.objects.count())

    response = api_as(editor).post(f"{API}/{url.format(**names)}", payload, format="json")

    assert response.status_code == 400, response.content
    assert "Null characters are not allowed." in response.json()[field_name][0]
    assert (Claim.objects.count(), Source.objects.count(), Evidence.objects.count()) == before


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/facts/?dispute=a%00b",
        "/speakers/a%00b/",
        f"{API}/claims/?q=a%00b",
        f"{API}/speakers/a%00b/",
        f"{API}/disputes/a%00b/",
        "/admin/claims/claim/?review_state__exact=a%00",
        "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=dispute&term=a%00",
    ],
)
def test_a_nul_in_an_address_is_a_400_that_says_so(url, superuser):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)

    response = client.get(url)

    assert response.status_code == 400
    assert "null character" in response.content.decode()


def test_a_nul_in_a_token_or_in_basic_credentials_is_refused_not_a_crash(editor):
    client = APIClient(raise_request_exception=False)
    token = client.get(f"{API}/claims/", HTTP_AUTHORIZATION=f"Token abc{NUL}def")
    assert token.status_code == 400 and "null character" in token.json()["detail"]

    credentials = base64.b64encode(f"edna{NUL}:pw".encode()).decode()
    login = client.post(f"{API}/auth/login/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert login.status_code == 401
    assert login.json()["detail"] == "Invalid username/password."


def test_admin_forms_refuse_nul_with_a_form_error(client, draft, superuser, editor):
    client.force_login(superuser)
    question = client.post(
        _admin("dispute_add"),
        {
            "question": f"Why{NUL}?",
            "slug": "why",
            "claims-TOTAL_FORMS": 0,
            "claims-INITIAL_FORMS": 0,
        },
    )
    quote = client.post(
        _admin("source_quote", draft["source"].pk), {"quote": f"savage{NUL}", "stance": "supports"}
    )
    login = Client().post(reverse("admin:login"), {"username": f"edna{NUL}", "password": "pw"})

    for response in (question, quote, login):
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()
    assert not Dispute.objects.filter(slug="why").exists()


def test_a_review_action_with_a_nul_comment_changes_nothing(client, draft, reviewer, editor):
    claim = draft["claim"]
    services.evidence_add(claim=claim, excerpt=draft["excerpt"], stance="supports", by=editor)
    workflow.claim_transition(claim=claim, action="submit", by=editor)
    client.force_login(reviewer)

    response = client.post(
        _admin("claim_changelist"),
        {"action": "reject", "_selected_action": [claim.pk], "comment": f"No{NUL}."},
    )

    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).review_state == "in_review"


# -- oversized and malformed bodies -------------------------------------------------------------


def test_a_ten_megabyte_quote_is_a_413_with_a_clear_message(draft, editor):
    api = api_as(editor)
    big = "x" * TEN_MB
    url = f"{API}/excerpts/"
    bodies = {
        "json": lambda: api.post(url, {"source": draft["source"].pk, "quote": big}, format="json"),
        "multipart": lambda: api.post(
            url, {"source": draft["source"].pk, "quote": big}, format="multipart"
        ),
        "urlencoded": lambda: api.generic(
            "POST",
            url,
            urllib.parse.urlencode({"source": draft["source"].pk, "quote": big}),
            content_type="application/x-www-form-urlencoded",
        ),
    }
    for encoding, send in bodies.items():
        response = send()
        assert response.status_code == 413, encoding
        assert response["Content-Type"] == "application/json"
        assert "larger than this server accepts (2.5 MB)" in response.json()["detail"]
    assert Excerpt.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    ["claims/", "sources/", "claims/{claim}/evidence/", "claims/{claim}/submit/"],
)
def test_every_write_answers_an_oversized_body_with_a_413(draft, editor, url):
    body = json.dumps({"text": "x" * TEN_MB})

    response = api_as(editor).generic(
        "POST",
        f"{API}/{url.format(claim=draft['claim'].pk)}",
        body,
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.parametrize("password", ["pw", "wrong"])
def test_a_login_with_an_unreadable_body_is_refused_before_the_password_is_checked(
    editor, password
):
    # django-axes logs a failed login with its form body; had the password been checked first,
    # a body too large to log would keep wrong guesses out of the lockout count, while the right
    # one still got a token.
    credentials = base64.b64encode(f"edna:{password}".encode()).decode()
    client = APIClient(raise_request_exception=False)
    oversized = client.generic(
        "POST",
        f"{API}/auth/login/",
        "x" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )
    malformed = client.generic(
        "POST",
        f"{API}/auth/login/",
        "xx",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )

    assert oversized.status_code == 413 and oversized.json()["code"] == "too_large"
    assert malformed.status_code == 400 and "Multipart" in malformed.json()["detail"]


def test_a_quote_over_the_limit_but_under_the_body_limit_is_a_400_saying_the_limit(draft, editor):
    response = api_as(editor).post(
        f"{API}/excerpts/", {"source": draft["source"].pk, "quote": "x" * 30_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["quote"] == ["Ensure this field has no more than 20000 characters."]


def test_admin_forms_answer_an_oversized_body_with_a_413_page(client, draft, superuser):
    client.force_login(superuser)
    quote = client.post(
        _admin("source_quote", draft["source"].pk), {"quote": "x" * TEN_MB, "stance": "supports"}
    )
    claim = client.post(_admin("claim_add"), {"text": "x" * TEN_MB, "slug": "big"})

    for response in (quote, claim):
        assert response.status_code == 413
        assert "larger than this server accepts (2.5 MB)" in response.content.decode()
    assert not Claim.objects.filter(slug="big").exists()


def test_too_many_form_fields_is_a_400_that_says_so(client, superuser, editor):
    fields = {f"field{i}": "x" for i in range(1500)}
    client.force_login(superuser)

    page = client.post(_admin("claim_add"), fields)
    api = api_as(editor).post(f"{API}/claims/", fields, format="multipart")

    assert page.status_code == 400 and "more form fields" in page.content.decode()
    assert api.status_code == 400 and api.json()["code"] == "too_many_fields"


# Bodies a careless or hostile client sends: each is a 400 (or 415) with a message, never a 500.
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DEEP = "[" * 100_000 + "]" * 100_000
EVIDENCE, SUBMIT = "claims/{claim}/evidence/", "claims/{claim}/submit/"
# fmt: off
MALFORMED = [
    # url, raw body, content type, status, the key holding the message, what the message says
    pytest.param("claims/", '{"text": "a"', JSON, 400, "detail", "JSON parse error",
                 id="broken JSON"),
    pytest.param("claims/", DEEP, JSON, 400, "detail", "nested too deeply",
                 id="JSON nested 100,000 deep"),
    pytest.param("claims/", '{"text": ' + DEEP + "}", JSON, 400, "detail", "nested too deeply",
                 id="deep inside a field"),
    pytest.param("claims/", b'{"text": "\xff\xfe"}', JSON, 400, "detail", "JSON parse error",
                 id="not UTF-8"),
    pytest.param(EVIDENCE, '{"excerpt": NaN, "stance": "supports", "version": 1}', JSON, 400,
                 "detail", "JSON parse error", id="NaN"),
    pytest.param("claims/", "[1, 2]", JSON, 400, "non_field_errors", "Expected a dictionary",
                 id="a list, not an object"),
    pytest.param("claims/", '"text"', JSON, 400, "non_field_errors", "Expected a dictionary",
                 id="a bare string"),
    pytest.param("claims/", '{"text": 5}', JSON, 400, "text", "Not a valid string",
                 id="a number for text"),
    pytest.param("claims/", '{"text": {"$ne": ""}}', JSON, 400, "text", "Not a valid string",
                 id="an object for text"),
    pytest.param(EVIDENCE, '{"excerpt": 1, "stance": "supports", "version": true}', JSON, 400,
                 "version", "valid integer", id="true for a version"),
    pytest.param(EVIDENCE, '{"excerpt": 1e30, "stance": "supports", "version": 1}', JSON, 400,
                 "excerpt", "does not exist", id="a float id"),
    pytest.param(EVIDENCE, '{"excerpt": 100000000000000000000000, "stance": "supports", '
                 '"version": 1}', JSON, 400, "excerpt", "does not exist", id="a huge id"),
    pytest.param("claims/", '{"text": "a", "dispute": "\\ud800"}', JSON, 400, "dispute",
                 "Surrogate characters", id="a lone surrogate in a slug"),
    pytest.param("claims/", '{"text": "a", "status": "agreement"}', JSON, 400, "status",
                 "Unknown field. This request takes: text, slug, dispute, speaker, version.",
                 id="an unknown field"),
    pytest.param(EVIDENCE, '{"excerpt": 1, "stance": "supports", "version": 1, "notes": "x"}',
                 JSON, 400, "notes", "Unknown field", id="a misspelt field"),
    pytest.param("excerpts/", "source=1&quote=savage&start=3", FORM, 400, "start",
                 "Unknown field", id="an unknown field in a form"),
    pytest.param(SUBMIT, '{"comment": "ok", "by": "rita"}', JSON, 400, "by", "Unknown field",
                 id="an unknown field in a review step"),
    pytest.param("claims/", "xx", "multipart/form-data", 400, "detail",
                 "Multipart form parse error", id="a broken multipart body"),
    pytest.param("claims/", "text=hi", "text/plain", 415, "detail", "Unsupported media type",
                 id="plain text"),
]
# fmt: on


@pytest.mark.parametrize(("url", "body", "content_type", "status", "key", "says"), MALFORMED)
def test_malformed_api_bodies_are_refused_with_a_message(
    draft, editor, url, body, content_type, status, key, says
):
    before = (Claim.objects.count(), Evidence.objects.count(), Excerpt.objects.count())

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(editor)
    answer = client.generic(
        "POST", f"{API}/{url.format(claim=draft['claim'].pk)}", body, content_type=content_type
    )

    assert answer.status_code == status, answer.content[:300]
    message = answer.json()[key]
    assert says in (message if isinstance(message, str) else message[0])
    assert (Claim.objects.count(), Evidence.objects.count(), Excerpt.objects.count()) == before


def test_a_valid_write_still_works_through_the_strict_input(draft, editor):
    response = api_as(editor).post(
        f"{API}/claims/", {"text": "Plain and well formed.", "speaker": None}, format="json"
    )
    assert response.status_code == 201 and response.json()["text"] == "Plain and well formed."


# -- direction controls: refused where editors type, isolated where a source says them -------------


def test_a_direction_override_in_typed_text_is_refused_at_every_door(client, editor, superuser):
    with pytest.raises(ValidationError) as refused:
        services.claim_create(text=f"Putin said {RLO}eurt si siht", by=editor)
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in refused.value.message_dict["text"][0]

    api = api_as(editor).post(f"{API}/claims/", {"text": f"He {RLO}deid."}, format="json")
    assert api.status_code == 400 and "U+202E" in api.json()["text"][0]

    slug = api_as(editor).post(f"{API}/claims/", {"text": "Ok.", "slug": f"a{RLO}b"}, format="json")
    assert slug.status_code == 400 and "slug" in slug.json()

    client.force_login(superuser)
    form = client.post(
        _admin("speaker_add"), {"name": f"Bob{RLO}", "slug": "bob", "kind": "person"}
    )
    assert form.status_code == 200 and "U+202E" in form.content.decode()
    assert not Claim.objects.exists() and not Speaker.objects.exists()


def test_a_source_keeps_its_own_direction_controls_and_pages_isolate_them(
    client, editor, reviewer, superuser
):
    payload = PAYLOADS["rtl-override-in-source"]
    ledger = build_hostile_ledger(payload, editor, reviewer)
    assert RLO in ledger.source.text and RLO in ledger.source.excerpts.get().text
    client.force_login(superuser)

    leaks = []
    for page, (kind, _, address) in PAGES.items():
        # The browsable API shows the raw JSON, the source's words in it as they are.
        if kind not in ("html", "admin") or "?format=api" in address(ledger):
            continue
        shown = client.get(address(ledger)).content.decode()
        leaks += [f"{page}: {leak}" for leak in parse(shown).override_leaks]

    assert leaks == [], "\n".join(leaks)


# -- very long text ---------------------------------------------------------------------------


def test_a_long_review_comment_is_kept_whole_and_history_gets_a_short_reason(
    draft, editor, reviewer
):
    claim = draft["claim"]
    services.evidence_add(claim=claim, excerpt=draft["excerpt"], stance="supports", by=editor)
    workflow.claim_transition(claim=claim, action="submit", by=editor)
    reason = "The quoted passage is about another inquiry. " * 40

    workflow.claim_transition(claim=claim, action="reject", by=reviewer, comment=reason)

    assert ReviewEvent.objects.get(claim=claim, action="reject").comment == reason.strip()
    recorded = claim.history.latest().history_change_reason
    assert recorded.startswith("rejected: The quoted passage") and len(recorded) <= 100


# -- hand-edited addresses and forged admin forms ------------------------------------------------


def test_a_forged_admin_selection_is_refused_with_a_message(client, draft, superuser):
    client.force_login(superuser)

    response = client.post(
        _admin("claim_changelist"),
        {"action": "submit", "_selected_action": ["1 OR 1=1", draft["claim"].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "The selected rows were not understood" in response.content.decode()
    assert Claim.objects.get(pk=draft["claim"].pk).review_state == "draft"


@pytest.mark.parametrize(("version", "status"), [("abc", 404), ("-1", 404), ("1%00", 400)])
def test_a_hand_edited_history_address_is_a_404_not_a_crash(draft, superuser, version, status):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)

    response = client.get(f"{_admin('claim_history', draft['claim'].pk)}{version}/")

    assert response.status_code == status


def test_an_admin_search_thousands_of_words_long_is_cut_not_a_crash(client, superuser):
    factories.claim("He died of heart failure.")
    client.force_login(superuser)

    response = client.get(_admin("claim_changelist"), {"q": "heart " * 3000})

    assert response.status_code == 200
    assert "He died of heart failure." in response.content.decode()


def test_a_request_for_another_host_gets_the_400_page():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "This request could not be read" in response.content.decode()
