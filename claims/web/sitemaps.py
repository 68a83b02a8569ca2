"""The sitemaps: every public page a search engine should know about.

`/sitemap.xml` is a sitemap index naming one sitemap per section (`/sitemap-claims.xml`...);
each section is paged at `Sitemap.limit` (50,000, the protocol's most per file) with `?p=`, so an
archive of any size stays within the protocol.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from claims.models import Claim, Dispute, Source, Speaker


class StaticSitemap(Sitemap):
    def items(self):
        return [
            "claims:home",
            "claims:dispute-index",
            "claims:claim-index",
            "claims:facts",
            "claims:source-index",
            "claims:speaker-index",
            "claims:methodology",
        ]

    def location(self, name):
        return reverse(name)


class ChangedSitemap(Sitemap):
    """A section whose pages carry their last change. The index's date for the section is one
    aggregate query (Django would otherwise load every row of the section to find it)."""

    def lastmod(self, record):
        return record.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class DisputeSitemap(ChangedSitemap):
    def items(self):
        return Dispute.objects.published().order_by("pk")


class ClaimSitemap(ChangedSitemap):
    def items(self):
        return Claim.objects.published().order_by("pk")


class SourceSitemap(ChangedSitemap):
    def items(self):
        return Source.objects.published().defer("text").order_by("pk")


class SpeakerSitemap(Sitemap):
    def items(self):
        # Every speaker with a public page: claimants, the quoted, and those they speak for.
        return Speaker.objects.published().order_by("pk")


SITEMAPS = {
    "pages": StaticSitemap,
    "disputes": DisputeSitemap,
    "claims": ClaimSitemap,
    "sources": SourceSitemap,
    "speakers": SpeakerSitemap,
}
