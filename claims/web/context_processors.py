from django.conf import settings


def ledger(request):
    """The ledger's name, and the canonical URL of the page (no query string)."""
    return {
        "ledger_name": settings.LEDGER_NAME,
        "canonical_url": request.build_absolute_uri(request.path),
    }
