"""Excerpts as W3C Web Annotations, and lists of them as Annotation Collections.

One excerpt is one annotation (Web Annotation Data Model):
- its target is the passage, selected two ways (the quote with its context, and its offsets),
  in the source's plain-text representation (`/sources/<slug>/text`), whose characters are
  exactly the stored text the offsets count in. The HTML page, where the passage is shown in
  context (with marks the offsets do not count), is the target's `scope`;
- its body says what the quote is and what the ledger uses it for: a description naming whose
  words they are and the claims it supports or contradicts, and a link to each of those claims.
  The motivation is `linking` (or `highlighting` for a passage no published claim cites yet).

A list is an AnnotationCollection whose first AnnotationPage is embedded; later pages are
AnnotationPages that name their collection (`partOf`), their place in it (`startIndex`) and
their neighbours (`next`, `prev`), as the Web Annotation Protocol pages a container.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# The same context, kept here and served at /api/v1/ns/anno.jsonld (see contexts/SOURCE.txt).
ANNOTATION_CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno.jsonld"
FORMAT = "annotation"


def utc(moment) -> str:
    """xsd:dateTime in UTC with `Z`, as the model requires (`+00:00` is refused)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def ledger_agent(request) -> dict:
    """The organisation whose editors cut and review the excerpts: the annotations' creator."""
    home = _absolute(request, reverse("claims:home"))
    return {"id": home, "type": "Organization", "name": settings.LEDGER_NAME, "homepage": home}


def ledger_software(request) -> dict:
    """The software that wrote the annotation: this API, documented at its schema's pages."""
    return {
        "id": _absolute(request, reverse("api:api-root")),
        "type": "Software",
        "name": f"{settings.LEDGER_NAME} API",
        "homepage": _absolute(request, reverse("api-docs")),
    }


def _what_it_is_for(excerpt, cited) -> str:
    """Whose words these are and what the ledger uses them for, in a sentence or two."""
    said = f"Quoted verbatim from “{excerpt.source.title}”: {excerpt.voice_of().describe()}."
    if not cited:
        return f"{said} No published claim cites it yet."
    uses = "; ".join(f"{stance} “{claim.text}”" for claim, stance in cited)
    return f"{said} Cited as evidence in the ledger: {uses}"


def annotation(excerpt, request, *, cited, context: bool = True) -> dict:
    """One excerpt as an annotation. `cited` is [(claim, "supports" | "contradicts")] of the
    published claims it is evidence for; `context` is False inside a page, which carries it."""
    quote = {"type": "TextQuoteSelector", "exact": excerpt.text}
    if excerpt.prefix:
        quote["prefix"] = excerpt.prefix
    if excerpt.suffix:
        quote["suffix"] = excerpt.suffix
    described = {
        "type": "TextualBody",
        "purpose": "describing",
        "value": _what_it_is_for(excerpt, cited),
        "format": "text/plain",
        "language": "en",
    }
    links = [
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": _absolute(request, claim.get_absolute_url()),
        }
        for claim, _ in cited
    ]
    body = {
        "id": _absolute(request, reverse("api:excerpt-detail", args=[excerpt.pk])),
        "type": "Annotation",
        "motivation": "linking" if cited else "highlighting",
        "created": utc(excerpt.created_at),
        "creator": ledger_agent(request),
        "generator": ledger_software(request),
        "body": [described, *links],
        "target": {
            "type": "SpecificResource",
            "source": _absolute(request, excerpt.source.get_text_url()),
            "scope": _absolute(request, excerpt.source.get_absolute_url()),
            "selector": [
                quote,
                {"type": "TextPositionSelector", "start": excerpt.start, "end": excerpt.end},
            ],
        },
    }
    return {"@context": ANNO_CONTEXT, **body} if context else body


def cited_by(excerpt) -> list:
    """The published claims an excerpt is evidence for, from `Evidence` prefetched into
    `published_evidence` (see `with_published_citations`)."""
    return [(evidence.claim, evidence.stance) for evidence in excerpt.published_evidence]


def with_published_citations(excerpts):
    """Excerpts with the published evidence their annotations link: one query for a page."""
    from django.db.models import Prefetch

    from claims.models import Evidence

    citing = Evidence.objects.published().select_related("claim").order_by("claim_id")
    return excerpts.prefetch_related(
        Prefetch("evidence", queryset=citing, to_attr="published_evidence")
    )


def address(request, *, drop=("cursor",)) -> str:
    """This request's address as an annotation list, without `drop` (the collection has no
    cursor); `format=annotation` always, so the address gives annotations back whatever the
    client's Accept header."""
    query = [(key, value) for key, value in request.GET.items() if key not in drop]
    query = [(key, value) for key, value in query if key != "format"] + [("format", FORMAT)]
    return _absolute(request, f"{request.path}?{urlencode(query)}")


def with_format(link: str | None) -> str | None:
    """A pagination link, asking for annotations (DRF's links keep the query, but a client
    that asked by Accept header has no `format` in it)."""
    if link is None or "format=annotation" in link:
        return link
    return f"{link}{'&' if '?' in link else '?'}format={FORMAT}"


def annotation_page(*, page_id, part_of, start_index, items, next_link, prev_link, context=True):
    page = {
        "id": page_id,
        "type": "AnnotationPage",
        "partOf": part_of,
        "startIndex": start_index,
        "items": items,
    }
    if next_link:
        page["next"] = next_link
    if prev_link:
        page["prev"] = prev_link
    return {"@context": ANNO_CONTEXT, **page} if context else page


def annotation_collection(*, collection_id, label, total, first=None, last=None) -> dict:
    """The collection, with its first page embedded and its last page's address (an empty
    collection has neither)."""
    collection = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
    }
    if first is not None:
        collection.update(first=first, last=last)
    return collection
