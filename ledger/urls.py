from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = "Claim ledger: editorial desk"
admin.site.site_title = "Claim ledger"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("claims.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("claims.web.urls")),
]
handler404 = "ledger.errors.not_found"
handler400 = "ledger.errors.bad_request"
handler500 = "ledger.errors.server_error"
