from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from claims.ops import search_index
        from ledger import cache, checks, credentials  # noqa: F401 (checks register on import)

        cache.connect_signals()
        credentials.connect_signals()
        search_index.connect_signals()


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, serving the desk's own site (`admin.site` is one of these)."""

    default = False  # named in INSTALLED_APPS; "claims" itself is ClaimsConfig
    default_site = "claims.admin_site.DeskAdminSite"
