from django.apps import AppConfig


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
