"""Public pages: only published content, everything else is a 404."""

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render

from claims import highlighting
from claims.models import Claim, Dispute, Evidence, Source
from claims.status import ClaimStatus


def home(request):
    disputes = Dispute.objects.published().with_published_claims()
    status_counts = dict(
        Claim.objects.published().values_list("status").annotate(n=Count("pk")).order_by()
    )
    counts = [(status.label, status_counts.get(status, 0)) for status in ClaimStatus]
    sources = (
        Source.objects.published().select_related("publisher").order_by("published_on", "title")
    )
    return render(
        request,
        "claims/home.html",
        {"disputes": disputes, "status_counts": counts, "sources": sources},
    )


def dispute_detail(request, slug):
    dispute = get_object_or_404(Dispute.objects.published(), slug=slug)
    claims = Claim.objects.published().filter(dispute=dispute).with_evidence()
    return render(request, "claims/dispute.html", {"dispute": dispute, "claims": claims})


def claim_detail(request, slug):
    claim = get_object_or_404(Claim.objects.published().with_evidence(), slug=slug)
    return render(request, "claims/claim.html", {"claim": claim})


def source_detail(request, slug):
    published_evidence = Evidence.objects.filter(claim__in=Claim.objects.published())
    source = get_object_or_404(Source.objects.published().select_related("publisher"), slug=slug)
    excerpts = (
        source.excerpts.published()
        .select_related("item", "speaker")
        .prefetch_related(Prefetch("evidence", queryset=published_evidence.select_related("claim")))
    )
    runs = highlighting.runs(source.text, ((e.pk, e.start, e.end) for e in excerpts))
    return render(
        request, "claims/source.html", {"source": source, "excerpts": excerpts, "runs": runs}
    )
