from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("disputes/<slug:slug>/", views.dispute_detail, name="dispute"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
]
