"""Queries per request for each endpoint, at page size 10 and 50 (they must be equal).

Run by benchmarks/run.py with the benchmark's DATABASE_URL; prints JSON.
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims.models import Dispute, Source  # noqa: E402

ENDPOINTS = {
    "claims": "/api/v1/claims/?status=agreement&page_size={n}",
    "facts": "/api/v1/facts/?page_size={n}",
    "sources": "/api/v1/sources/?page_size={n}",
    "excerpts": "/api/v1/excerpts/?page_size={n}",
    "claimreview": "/api/v1/claimreview/?page_size={n}",
}


def count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def main():
    client = Client()
    results = {
        name: [count(client, url.format(n=n)) for n in (10, 50)] for name, url in ENDPOINTS.items()
    }
    dispute = Dispute.objects.published().order_by("pk").first()
    source = Source.objects.published().order_by("pk").first()
    results["dispute page"] = [count(client, dispute.get_absolute_url())] * 2
    results["source page"] = [count(client, source.get_absolute_url())] * 2
    print(json.dumps(results))


if __name__ == "__main__":
    main()
