from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ledger import cache, credentials

        cache.connect_signals()
        credentials.connect_signals()
