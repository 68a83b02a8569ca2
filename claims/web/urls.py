from django.contrib.sitemaps import views as sitemaps_views
from django.urls import path

from claims.web import views
from claims.web.feeds import ClaimFeed
from claims.web.sitemaps import SITEMAPS

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_index, name="claim-index"),
    path("disputes/", views.dispute_index, name="dispute-index"),
    path("sources/", views.source_index, name="source-index"),
    path("speakers/", views.speaker_index, name="speaker-index"),
    path("disputes/<slug:slug>/", views.dispute_detail, name="dispute"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("sources/<slug:slug>/text", views.source_text, name="source-text"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker"),
    path("facts/", views.facts, name="facts"),
    path("methodology/", views.methodology, name="methodology"),
    path("search/", views.search, name="search"),
    path("feeds/claims.atom", views.public(ClaimFeed()), name="feed"),
    path(
        "sitemap.xml",
        views.public(sitemaps_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "claims:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        views.public(sitemaps_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]
