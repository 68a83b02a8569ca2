from django.urls import include, path
from rest_framework.routers import DefaultRouter

from claims.api import views

app_name = "api"

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("facts", views.FactViewSet, basename="fact")
router.register("disputes", views.DisputeViewSet, basename="dispute")
router.register("sources", views.SourceViewSet, basename="source")
router.register("excerpts", views.ExcerptViewSet, basename="excerpt")
router.register("speakers", views.SpeakerViewSet, basename="speaker")
router.register("claimreview", views.ClaimReviewViewSet, basename="claimreview")
router.register("changes", views.ChangeRequestViewSet, basename="change")

urlpatterns = [
    path("ns/anno.jsonld", views.annotation_context, name="anno-context"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logoutall/", views.LogoutAllView.as_view(), name="logout-all"),
    path("", include(router.urls)),
]
