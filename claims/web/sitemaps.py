"""sitemap.xml: every public page a search engine should know about."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from claims.models import Claim, Dispute, Source, Speaker


class StaticSitemap(Sitemap):
    def items(self):
        return ["claims:home", "claims:facts"]

    def location(self, name):
        return reverse(name)


class DisputeSitemap(Sitemap):
    def items(self):
        return Dispute.objects.published().order_by("pk")

    def lastmod(self, dispute):
        return dispute.updated_at


class ClaimSitemap(Sitemap):
    def items(self):
        return Claim.objects.published().order_by("pk")

    def lastmod(self, claim):
        return claim.updated_at


class SourceSitemap(Sitemap):
    def items(self):
        return Source.objects.published().defer("text").order_by("pk")

    def lastmod(self, source):
        return source.updated_at


class SpeakerSitemap(Sitemap):
    def items(self):
        return (
            Speaker.objects.filter(claims__in=Claim.objects.published()).distinct().order_by("pk")
        )


SITEMAPS = {
    "pages": StaticSitemap,
    "disputes": DisputeSitemap,
    "claims": ClaimSitemap,
    "sources": SourceSitemap,
    "speakers": SpeakerSitemap,
}
