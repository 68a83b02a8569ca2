"""Public pages. Only published content; anything else is a 404 (a withdrawn claim, a 410).

Views parse the request, call a queryset or a read helper, and render; nothing here decides.
"""

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from claims.choices import ClaimStatus
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewState,
    Source,
    Speaker,
)
from claims.reads import structured_data
from claims.reads.search import search as run_search
from claims.rules import highlighting
from claims.rules import status as status_rule
from claims.web.filters import (
    ClaimFilter,
    DisputeFilter,
    FactFilter,
    SourceFilter,
    SpeakerFilter,
)


def public(view):
    """Pages anyone may read and cache for a while; ConditionalGetMiddleware adds the ETag and
    the 304. They only read, so any method but GET and HEAD is refused (405)."""

    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    return wrapper


def by_slug_or_id(queryset, key):
    """The object whose slug is `key`, or whose id is (old links and short links use ids)."""
    found = queryset.filter(slug=key).first()
    if found is None and key.isdigit():
        found = queryset.filter(pk=int(key)).first()
    if found is None:
        raise Http404("Nothing published here.")
    return found


HOME_DISPUTES = 30
HOME_SOURCES = 30
# Rows per page on the index pages (claims, disputes, sources, speakers).
INDEX_PAGE_SIZE = 50


def index_page(request, template: str, filterset, **context):
    """An index: the filtered rows, one page of them (a page past the end, or not a number,
    shows the nearest page rather than an error), and the filter form."""
    page = Paginator(filterset.qs, INDEX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"filter": filterset, "page": page, **context})


@public
def claim_index(request):
    claims = Claim.objects.published().select_related("dispute", "speaker")
    claims = claims.order_by(F("published_at").desc(nulls_last=True), "pk")
    return index_page(request, "claims/claim_index.html", ClaimFilter(request.GET, claims))


@public
def dispute_index(request):
    disputes = Dispute.objects.published().contested_first().with_published_claims()
    return index_page(request, "claims/dispute_index.html", DisputeFilter(request.GET, disputes))


@public
def source_index(request):
    sources = Source.objects.published().select_related("publisher").defer("text")
    sources = sources.order_by(F("published_on").desc(nulls_last=True), "title", "pk")
    return index_page(request, "claims/source_index.html", SourceFilter(request.GET, sources))


@public
def speaker_index(request):
    speakers = Speaker.objects.published().select_related("affiliation").order_by("name", "pk")
    return index_page(request, "claims/speaker_index.html", SpeakerFilter(request.GET, speakers))


@public
def home(request):
    disputes = Dispute.objects.published()
    sources = Source.objects.published()
    counts = dict(
        Claim.objects.published().values_list("status").annotate(n=Count("pk")).order_by()
    )
    status_counts = [(status, counts.get(status, 0)) for status in ClaimStatus]
    return render(
        request,
        "claims/home.html",
        {
            # An archive holds thousands of each: the front page shows the most disputed
            # questions and the latest sources, and says how many there are in all.
            "disputes": disputes.contested_first().with_published_claims()[:HOME_DISPUTES],
            "dispute_count": disputes.count(),
            "status_counts": status_counts,
            "sources": sources.select_related("publisher").order_by(
                F("published_on").desc(nulls_last=True), "pk"
            )[:HOME_SOURCES],
            "source_count": sources.count(),
        },
    )


@public
def dispute_detail(request, slug):
    dispute = get_object_or_404(Dispute.objects.published(), slug=slug)
    claims = Claim.objects.published().filter(dispute=dispute).with_evidence()
    return render(request, "claims/dispute.html", {"dispute": dispute, "claims": claims})


@public
def claim_detail(request, slug):
    claim = by_slug_or_id(Claim.objects.with_evidence().published_or_withdrawn(), slug)
    if claim.slug != slug:
        return redirect(claim, permanent=True)
    if claim.review_state != ReviewState.PUBLISHED:
        withdrawal = claim.review_events.filter(action="withdraw").last()
        response = render(
            request, "claims/withdrawn.html", {"claim": claim, "withdrawal": withdrawal}
        )
        response.status_code = 410
        return response
    rivals = (
        Claim.objects.published()
        .filter(dispute_id=claim.dispute_id)
        .exclude(pk=claim.pk)
        .select_related("speaker")
        if claim.dispute_id
        else Claim.objects.none()
    )
    url = request.build_absolute_uri(claim.get_absolute_url())
    claim_review = structured_data.claim_review(
        claim,
        url=url,
        base_url=request.build_absolute_uri("/"),
        absolute=request.build_absolute_uri,
    )
    return render(
        request,
        "claims/claim.html",
        {
            "claim": claim,
            "rivals": rivals,
            "json_ld": structured_data.as_script(claim_review),
        },
    )


@public
def source_detail(request, slug):
    source = by_slug_or_id(Source.objects.published().select_related("publisher"), slug)
    if source.slug != slug:
        return redirect(source, permanent=True)
    published_evidence = Evidence.objects.published()
    excerpts = (
        source.excerpts.published()
        .select_related("item", "speaker")
        .prefetch_related(Prefetch("evidence", queryset=published_evidence.select_related("claim")))
        .order_by("start")
    )
    runs = highlighting.runs(source.text, ((e.pk, e.start, e.end) for e in excerpts))
    return render(
        request,
        "claims/source.html",
        {"source": source, "excerpts": excerpts, "runs": runs, "items": source.items.all()},
    )


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says (the admin's pages say nothing):
    send them to the icon the pages link."""
    return redirect(static("claims/favicon.svg"), permanent=True)


@public
def source_text(request, slug):
    """The source's text as plain text, character for character as stored: the resource a Web
    Annotation's TextPositionSelector and TextQuoteSelector apply to. The HTML page inserts
    marks and repeats quotes, so offsets do not fit it; here they do."""
    source = by_slug_or_id(Source.objects.published(), slug)
    if source.slug != slug:
        return redirect(source.get_text_url(), permanent=True)
    response = HttpResponse(source.text, content_type="text/plain; charset=utf-8")
    response["Content-Language"] = source.language
    page = request.build_absolute_uri(source.get_absolute_url())
    response["Link"] = f'<{page}>; rel="alternate"; type="text/html"'
    return response


@public
def facts(request):
    facts = FactFilter(
        request.GET,
        queryset=Claim.objects.verified().with_evidence().order_by("dispute__question", "pk"),
    )
    return render(request, "claims/facts.html", {"filter": facts, "facts": facts.qs})


@public
def speaker_detail(request, slug):
    shown = Speaker.objects.published().select_related("affiliation")
    speaker = get_object_or_404(shown, slug=slug)
    asserted = Claim.objects.published().filter(speaker=speaker).with_evidence()
    quoted = (
        Excerpt.objects.published()
        .filter(Q(speaker=speaker) | Q(via=speaker))
        .select_related("source__publisher", "item", "speaker", "via")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.published().select_related("claim"),
            )
        )
        .order_by("source__published_on", "start")
    )
    members = Speaker.objects.published().filter(affiliation=speaker).order_by("name")
    return render(
        request,
        "claims/speaker.html",
        {"speaker": speaker, "asserted": asserted, "quoted": quoted, "members": members},
    )


@public
def search(request):
    results = run_search(request.GET.get("q", ""))
    return render(request, "claims/search.html", {"results": results})


@public
def methodology(request):
    """How statuses are decided, generated from the status rule's own constants, and which of
    the published voices count as one."""
    shared_speakers = (
        Speaker.objects.published().exclude(affiliation=None).order_by("voice_root_name", "name")
    )
    shared_publishers = (
        Publisher.objects.filter(sources__in=Source.objects.published())
        .exclude(part_of=None, organisation=None)
        .distinct()
        .order_by("voice_root_name", "name")
    )
    return render(
        request,
        "claims/methodology.html",
        {
            "principles": status_rule.PRINCIPLES,
            "voice_kinds": status_rule.VOICE_KINDS.values(),
            "needed": status_rule.INDEPENDENT_VOICES_FOR_AGREEMENT,
            "shared_speakers": shared_speakers,
            "shared_publishers": shared_publishers,
        },
    )


@public
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
