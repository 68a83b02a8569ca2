"""Anonymous reads come from a shared cache, and no one ever reads a page older than the ledger."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, LedgerState
from claims.services import workflow
from ledger import cache
from tests import factories

# Real commits: the cache learns of a write when its transaction commits.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _response_cache_on(settings):
    from django.core.cache import caches

    settings.LEDGER_RESPONSE_CACHE_SECONDS = 600
    caches[cache.RESPONSE_CACHE].clear()


@pytest.fixture
def ledger(editor):
    source = factories.source()
    published = factories.claim("He was beaten by guards.")
    factories.evidence(published, source, "savage beating by prison guards")
    return {"source": source, "published": published}


def queries_for(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


@pytest.mark.parametrize("path", ["/", "/facts/", "/api/v1/claims/", "/api/v1/facts/"])
def test_a_repeated_anonymous_read_costs_one_query(client, ledger, path):
    first, cold = queries_for(client, path)
    again, warm = queries_for(client, path)
    assert again.content == first.content
    assert warm == 1 < cold  # the change token, nothing else


def test_a_publication_is_visible_on_the_very_next_read(client, ledger, editor, reviewer):
    assert b"Guards denied it." not in client.get("/api/v1/claims/").content
    claim = services.claim_create(text="Guards denied it.", by=editor)
    services.evidence_add(
        claim=claim,
        excerpt=services.excerpt_create(
            source=ledger["source"], quote="in November 2009", by=editor
        ),
        stance="supports",
        by=editor,
        expected_version=claim.version,
    )
    claim = workflow.claim_transition(
        claim=claim, action="submit", by=editor, expected_version=claim.version
    )
    workflow.claim_transition(
        claim=claim, action="publish", by=reviewer, expected_version=claim.version
    )
    assert b"Guards denied it." in client.get("/api/v1/claims/").content


def test_a_withdrawal_disappears_at_once_from_pages_and_api(client, ledger, reviewer):
    claim = ledger["published"]
    claim.refresh_from_db()
    assert client.get(f"/claims/{claim.slug}/").status_code == 200
    assert claim.text.encode() in client.get("/api/v1/claims/").content
    workflow.claim_transition(
        claim=claim,
        action="withdraw",
        by=reviewer,
        expected_version=claim.version,
        comment="Retracted.",
    )
    assert claim.text.encode() not in client.get("/api/v1/claims/").content
    assert client.get(f"/claims/{claim.slug}/").status_code == 410


def test_a_rolled_back_write_leaves_the_token_alone(ledger, editor):
    before = cache.change_token()
    with transaction.atomic():
        services.claim_create(text="Never committed.", by=editor)
        transaction.set_rollback(True)
    assert cache.change_token() == before


def test_opening_the_desk_or_changing_ones_notifications_leaves_the_token_alone(
    client, ledger, editor
):
    # Both write a person's desk settings, which readers never see.
    before = cache.change_token()
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    client.post("/admin/notifications/", {})
    assert cache.change_token() == before


def test_one_transaction_replaces_the_token_once_however_many_rows_it_writes(ledger, editor):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(5):
            services.claim_create(text=f"Claim number {n}.", by=editor)
    updates = [q for q in queries if q["sql"].startswith('UPDATE "claims_ledgerstate"')]
    assert len(updates) == 1


def test_staff_and_token_holders_are_never_served_from_the_shared_cache(client, ledger, editor):
    draft = services.claim_create(text="A draft only staff see.", by=editor)
    assert draft.text.encode() not in client.get("/api/v1/claims/?review_state=draft").content

    api = APIClient()
    api.force_login(editor)
    assert draft.text.encode() in api.get("/api/v1/claims/?review_state=draft").content
    # ...and the staff answer did not leak into the anonymous one.
    assert draft.text.encode() not in client.get("/api/v1/claims/?review_state=draft").content


def test_different_formats_of_one_address_are_cached_apart(client, ledger):
    excerpt_id = ledger["published"].evidence.get().excerpt_id
    plain = client.get(f"/api/v1/excerpts/{excerpt_id}/")
    annotation = client.get(
        f"/api/v1/excerpts/{excerpt_id}/",
        HTTP_ACCEPT='application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    )
    assert plain["Content-Type"].startswith("application/json")
    assert annotation["Content-Type"].startswith("application/ld+json")


def test_a_cached_page_still_answers_a_conditional_request_with_304(client, ledger):
    first = client.get("/api/v1/claims/")
    client.get("/api/v1/claims/")  # now cached
    again = client.get("/api/v1/claims/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_bulk_writers_replace_the_token_themselves(ledger):
    from claims.ops.generation import Scale, generate_ledger

    before = cache.change_token()
    generate_ledger(
        scale=Scale(
            publishers=2,
            speakers=1,
            sources=1,
            text_size=2_000,
            excerpts=4,
            disputes=1,
            claims=2,
            evidence=3,
        ),
        progress=lambda label, done, total: None,
    )
    assert cache.change_token() != before


def test_the_token_is_recreated_if_its_row_is_lost(ledger, editor):
    LedgerState.objects.all().delete()
    assert cache.change_token() == "unset"
    services.claim_create(text="After the loss.", by=editor)
    assert cache.change_token() not in ("unset", "")
    assert Claim.objects.filter(text="After the loss.").exists()


def test_the_same_path_under_another_host_is_cached_apart(client, ledger, settings):
    settings.ALLOWED_HOSTS = ["ledger.example.org", "mirror.example.net"]
    second_claim = factories.claim("Guards denied any beating.")
    factories.evidence(second_claim, ledger["source"], "in November 2009")
    first = client.get("/api/v1/claims/?page_size=1", HTTP_HOST="ledger.example.org")
    again = client.get("/api/v1/claims/?page_size=1", HTTP_HOST="mirror.example.net")
    assert first.json()["next"].startswith("http://ledger.example.org/")
    assert again.json()["next"].startswith("http://mirror.example.net/")


def test_a_cached_answer_carries_the_same_security_headers(client, ledger):
    fresh = client.get("/facts/")
    cached = client.get("/facts/")
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert cached[header] == fresh[header]
    assert cached["Cache-Control"] == fresh["Cache-Control"]
