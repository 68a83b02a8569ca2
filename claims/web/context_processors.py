from django.conf import settings

from claims.rules import status


def ledger(request):
    """The ledger's name, the canonical URL of the page (no query string), and what each status
    means, in the status rule's own words (every page's legend explains its badges)."""
    return {
        "ledger_name": settings.LEDGER_NAME,
        "canonical_url": request.build_absolute_uri(request.path),
        "status_meanings": [
            {"value": value, "label": status.STATUS_LABELS[value], "meaning": meaning}
            for value, meaning in status.STATUS_MEANINGS.items()
        ],
    }
