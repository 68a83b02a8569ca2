"""What the tests/test_hostile_*.py files share: the payloads, what "inert" means, and a ledger
written by a hostile editor.

Every text field a user writes (claim, question and summary, names and descriptions, source title,
author, dating note and text, item heading, quote, evidence note, review comments, the reason and
decision of a change request) is filled with each payload of a table, through the services and the
workflow as an editor and a reviewer would; the pages that show it are listed in `PAGES`.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import models
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Publisher,
    Source,
    SourceItem,
    Speaker,
)
from claims.rules import anchoring, typed_text
from tests import factories

API = "/api/v1"
TEN_MB = 10 * 1024 * 1024
NUL = "\x00"
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


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Import into a test module (autouse): every test starts with the throttles' counts reset."""
    cache.clear()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:claims_{name}", args=args)


def a_draft(editor) -> dict:
    """A draft claim written by `editor` (for a dispute), and a source with an excerpt of it that
    is not yet evidence: what a test of a write needs to aim at."""
    source = factories.source()
    claim = services.claim_create(text="A draft.", dispute=factories.dispute(), by=editor)
    excerpt = services.excerpt_create(source=source, quote="savage beating", by=editor)
    return {"claim": claim, "source": source, "excerpt": excerpt}


def submitted(claim: Claim, excerpt, editor) -> Claim:
    """`claim` with `excerpt` as its evidence, submitted for review by `editor`."""
    claim.refresh_from_db()
    services.evidence_add(
        claim=claim,
        excerpt=excerpt,
        stance="supports",
        by=editor,
        expected_version=claim.version,
    )
    return services.claim_transition(
        claim=claim, action="submit", by=editor, expected_version=claim.version
    )


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
    change: ChangeRequest  # a correction to the published dispute, proposed and turned down

    def text(self) -> str:
        """What a typed field holds (the payload, after the marker word)."""
        return f"{MARKER} {self.payload}"


def build_hostile_ledger(payload: str, editor, reviewer) -> HostileLedger:
    """Every user-written field carries `payload`, written through the services and workflow.

    `editor` writes everything and proposes a correction to the published dispute; `reviewer`
    publishes two claims (withdrawing one), sends the third back and turns the correction down,
    each time with the payload as the comment.

    Direction controls are refused in typed text (see `claims.rules.typed_text`), so a payload with
    them goes into the source's own words only: its text, its item headings and its quotes.
    """
    verbatim = f"{MARKER} {payload}"
    text = "".join(c for c in verbatim if c not in typed_text.DIRECTION_CONTROLS)

    def publisher(number: int) -> Publisher:
        return services.publisher_create(
            name=fit(Publisher, "name", text),
            slug=f"hostile-publisher-{number}",
            url=HOSTILE_URL,
            description=text,
            by=editor,
        )

    speaker = services.speaker_create(
        name=fit(Speaker, "name", text),
        slug="hostile-speaker",
        description=text,
        kind="person",
        by=editor,
    )
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
            by=editor,
        )
        for number in (1, 2)
    ]
    for source in sources:
        services.source_item_add(
            source=source,
            heading=fit(SourceItem, "heading", verbatim),
            published_on="2012-05-02",
            by=editor,
        )
    dispute = services.dispute_create(
        question=fit(Dispute, "question", text), slug="hostile-dispute", summary=text, by=editor
    )
    # One quote reports a second speaker's words (through the claimant), the other is its
    # publisher's own: two independent voices, neither the claimant's.
    quoted = services.speaker_create(
        name=fit(Speaker, "name", text), slug="hostile-quoted", description=text, by=editor
    )
    quoted_words = verbatim[: anchoring.MAX_QUOTE_LENGTH]  # the payload, as long as a quote may be
    quotes = [
        services.excerpt_create(
            source=sources[0],
            quote=quoted_words,
            prefix="The report said: ",
            speaker=quoted,
            voice="paraphrase",
            via=speaker,
            by=editor,
        ),
        services.excerpt_create(
            source=sources[1], quote=quoted_words, prefix="The report said: ", by=editor
        ),
    ]

    def drafted(slug: str) -> Claim:
        claim = services.claim_create(
            text=text, slug=slug, dispute=dispute, speaker=speaker, by=editor
        )
        for quote in quotes:  # two independent voices: the claim is a verified fact
            services.evidence_add(
                claim=claim,
                excerpt=quote,
                stance="supports",
                note=text,
                by=editor,
                expected_version=claim.version,
            )
        return services.claim_transition(
            claim=claim, action="submit", by=editor, expected_version=claim.version
        )

    claim, withdrawn, sent_back = (drafted(f"hostile-claim-{n}") for n in (1, 2, 3))

    def step(claim: Claim, action: str, comment: str = "") -> Claim:
        return services.claim_transition(
            claim=claim, action=action, by=reviewer, expected_version=claim.version, comment=comment
        )

    claim = step(claim, "publish")
    withdrawn = step(step(withdrawn, "publish"), "withdraw", text)
    sent_back = step(sent_back, "request_changes", text)

    dispute.refresh_from_db()
    change = services.change_propose(
        target=dispute, changes={"summary": f"{text} (revised)"}, reason=text, by=editor
    )
    change = services.change_reject(change=change, by=reviewer, comment=text)
    for row in (claim, withdrawn, sent_back, dispute, speaker, *sources):
        row.refresh_from_db()
    return HostileLedger(
        payload=payload,
        claim=claim,
        withdrawn=withdrawn,
        sent_back=sent_back,
        dispute=dispute,
        speaker=speaker,
        source=sources[0],
        publisher=sources[0].publisher,
        change=change,
    )


# Every public route and every admin page that shows what users wrote. `kind` says how the answer
# is read; test_hostile_escaping.py fails when a route or an admin model is not in this list.
PAGES = {
    # name: (kind, expected status, address)
    "home": ("html", 200, lambda d: "/"),
    "dispute": ("html", 200, lambda d: d.dispute.get_absolute_url()),
    "claim": ("html", 200, lambda d: d.claim.get_absolute_url()),
    "withdrawn claim (410)": ("html", 410, lambda d: d.withdrawn.get_absolute_url()),
    "source": ("html", 200, lambda d: d.source.get_absolute_url()),
    "source as plain text": ("text", 200, lambda d: d.source.get_text_url()),
    "speaker": ("html", 200, lambda d: d.speaker.get_absolute_url()),
    "facts": ("html", 200, lambda d: "/facts/"),
    "claims": ("html", 200, lambda d: "/claims/"),
    "disputes": ("html", 200, lambda d: "/disputes/"),
    "sources": ("html", 200, lambda d: "/sources/"),
    "speakers": ("html", 200, lambda d: "/speakers/"),
    "claims, filtered by a hostile value": (
        "html",
        200,
        lambda d: "/claims/?" + urllib.parse.urlencode({"status": d.payload, "page": d.payload}),
    ),
    "methodology": ("html", 200, lambda d: "/methodology/"),
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
    "sitemap of claims": ("xml", 200, lambda d: "/sitemap-claims.xml"),
    "robots": ("text", 200, lambda d: "/robots.txt"),
    "favicon": ("redirect", 301, lambda d: "/favicon.ico"),
    "api claim (JSON)": ("json", 200, lambda d: f"{API}/claims/{d.claim.pk}/"),
    "api claim (browsable HTML)": ("html", 200, lambda d: f"{API}/claims/{d.claim.pk}/?format=api"),
    "api claimreview (JSON)": ("json", 200, lambda d: f"{API}/claimreview/"),
    "admin index": ("admin", 200, lambda d: reverse("admin:index")),
    "admin claims": ("admin", 200, lambda d: admin_url("claim_changelist")),
    "admin claims, searched for the payload": (
        "admin",
        200,
        lambda d: admin_url("claim_changelist") + "?" + urllib.parse.urlencode({"q": d.payload}),
    ),
    "admin claim sent back (timeline)": (
        "admin",
        200,
        lambda d: admin_url("claim_change", d.sent_back.pk),
    ),
    "admin claim withdrawn": ("admin", 200, lambda d: admin_url("claim_change", d.withdrawn.pk)),
    "admin claim history": ("admin", 200, lambda d: admin_url("claim_history", d.claim.pk)),
    "admin sources": ("admin", 200, lambda d: admin_url("source_changelist")),
    "admin source": ("admin", 200, lambda d: admin_url("source_change", d.source.pk)),
    "admin quote picking": ("admin", 200, lambda d: admin_url("source_quote", d.source.pk)),
    "admin excerpts": ("admin", 200, lambda d: admin_url("excerpt_changelist")),
    "admin excerpt": (
        "admin",
        200,
        lambda d: admin_url("excerpt_change", d.source.excerpts.get().pk),
    ),
    "admin evidence": ("admin", 200, lambda d: admin_url("evidence_changelist")),
    "admin evidence item": (
        "admin",
        200,
        lambda d: admin_url("evidence_change", d.claim.evidence.first().pk),
    ),
    "admin review events": ("admin", 200, lambda d: admin_url("reviewevent_changelist")),
    "admin disputes": ("admin", 200, lambda d: admin_url("dispute_changelist")),
    "admin dispute": ("admin", 200, lambda d: admin_url("dispute_change", d.dispute.pk)),
    "admin speakers": ("admin", 200, lambda d: admin_url("speaker_changelist")),
    "admin speaker": ("admin", 200, lambda d: admin_url("speaker_change", d.speaker.pk)),
    "admin publishers": ("admin", 200, lambda d: admin_url("publisher_changelist")),
    "admin publisher": ("admin", 200, lambda d: admin_url("publisher_change", d.publisher.pk)),
    "admin change requests": ("admin", 200, lambda d: admin_url("changerequest_changelist")),
    "admin change requests, searched for the payload": (
        "admin",
        200,
        lambda d: (
            admin_url("changerequest_changelist") + "?" + urllib.parse.urlencode({"q": d.payload})
        ),
    ),
    "admin change request": (
        "admin",
        200,
        lambda d: admin_url("changerequest_change", d.change.pk),
    ),
}


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
    elif kind == "redirect":
        found = []
    else:
        found = [] if response["Content-Type"].startswith("text/plain") else ["not plain text"]
        found += [] if response["X-Content-Type-Options"] == "nosniff" else ["text may be sniffed"]
    return [f"{page}: {problem}" for problem in found]
