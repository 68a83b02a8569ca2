from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Claim ledger: editorial desk"
admin.site.site_title = "Claim ledger"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
