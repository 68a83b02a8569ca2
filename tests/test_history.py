"""Nothing changes without a record: every write path, from every door, leaves history behind.

The check is an invariant, not a count of calls: after each operation, every row of every
historied model must equal its latest history row, and every deleted row must have a deletion
record. A write that bypassed the history (a queryset `update()`, a raw `bulk_update`) leaves a
row that differs from its last record, and the test names it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    Source,
    SourceItem,
    Speaker,
)
from claims.ops.loader import load_ledger
from claims.services import workflow
from tests import factories

pytestmark = pytest.mark.django_db

HISTORIED = [
    Publisher,
    Speaker,
    Source,
    SourceItem,
    Excerpt,
    Dispute,
    Claim,
    Evidence,
    ChangeRequest,
]
# Timestamps kept by the database or the history itself, not by the writer.
UNCOMPARED = {"updated_at"}


def unrecorded_changes() -> list[str]:
    """Rows that differ from their latest history record, or were deleted without one."""
    problems = []
    for model in HISTORIED:
        # Fields a model keeps out of its history are derived (a voice's root): not compared.
        recorded = {field.attname for field in model.history.model._meta.concrete_fields}
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.attname not in UNCOMPARED and field.attname in recorded
        ]
        key = model._meta.pk.attname  # a history record's own pk is its history_id
        latest = {}
        for record in model.history.order_by("history_date", "history_id"):
            latest[getattr(record, key)] = record
        current = {row.pk: row for row in model.objects.all()}
        for pk, row in current.items():
            record = latest.get(pk)
            if record is None:
                problems.append(f"{model.__name__} {pk}: no history at all")
                continue
            if record.history_type == "-":
                problems.append(f"{model.__name__} {pk}: exists but its history says deleted")
            for name in fields:
                if getattr(row, name) != getattr(record, name):
                    problems.append(
                        f"{model.__name__} {pk}.{name}: is {getattr(row, name)!r}, "
                        f"last recorded as {getattr(record, name)!r}"
                    )
        for pk, record in latest.items():
            if pk not in current and record.history_type != "-":
                problems.append(f"{model.__name__} {pk}: deleted without a record")
    return problems


def history_rows() -> int:
    return sum(model.history.count() for model in HISTORIED)


@pytest.fixture
def desk(editor, reviewer):
    """A quoted source and a draft claim with evidence, written through the services."""
    source = factories.source()
    claim = services.claim_create(text="He was beaten.", dispute=factories.dispute(), by=editor)
    excerpt = services.excerpt_create(
        source=source, quote="savage beating by prison guards", by=editor
    )
    services.evidence_add(
        claim=claim, excerpt=excerpt, stance="supports", by=editor, expected_version=claim.version
    )
    claim.refresh_from_db()
    return {"source": source, "claim": claim, "excerpt": excerpt}


def version(claim) -> int:
    """The claim's version as it is now in the database (what a caller would have read)."""
    return Claim.objects.get(pk=claim.pk).version


def test_loading_the_seed_ledger_records_every_row_it_writes():
    load_ledger(settings.LEDGER_SEEDS_DIR / "ledger.yaml")
    assert unrecorded_changes() == []
    assert Claim.history.count() >= Claim.objects.count()


def test_service_writes_leave_history_for_every_row_they_change(desk, editor, other_editor):
    claim, source = desk["claim"], desk["source"]
    other = services.excerpt_create(source=source, quote="died of heart failure", by=editor)
    unquoted = factories.source()
    writes = [
        lambda: services.evidence_add(
            claim=claim,
            excerpt=other,
            stance="contradicts",
            by=editor,
            expected_version=version(claim),
        ),
        lambda: services.claim_update(
            claim=claim,
            by=other_editor,
            expected_version=version(claim),
            text="He was beaten badly.",
        ),
        lambda: services.evidence_remove(
            evidence=Evidence.objects.get(claim=claim, excerpt=other),
            by=editor,
            expected_version=version(claim),
        ),
        lambda: workflow.claim_transition(
            claim=claim, action="submit", by=editor, expected_version=version(claim)
        ),
        # Items are marked before a source is quoted: on a fresh copy of it.
        lambda: services.source_item_add(
            source=unquoted, heading="Officials said", by=editor, published_on=None
        ),
    ]
    for write in writes:
        before = history_rows()
        write()
        assert history_rows() > before
        assert unrecorded_changes() == []


def test_a_status_change_caused_by_evidence_is_in_the_claims_history(desk, editor):
    claim = desk["claim"]
    other = services.excerpt_create(source=desk["source"], quote="died of heart failure", by=editor)
    services.evidence_add(
        claim=claim, excerpt=other, stance="contradicts", by=editor, expected_version=claim.version
    )
    latest = claim.history.latest()
    assert latest.status == "contradiction"
    assert latest.history_change_reason == f"evidence: excerpt {other.pk} contradicts this claim"
    assert latest.history_user == editor


def test_approved_corrections_leave_history_for_every_row_they_change(desk, editor, reviewer):
    claim = desk["claim"]
    workflow.claim_transition(
        claim=claim, action="submit", by=editor, expected_version=version(claim)
    )
    workflow.claim_transition(
        claim=claim, action="publish", by=reviewer, expected_version=version(claim)
    )
    other = services.excerpt_create(source=desk["source"], quote="died of heart failure", by=editor)
    corrections = [
        # A publisher's owner and an excerpt's speaker are inputs of the status rule.
        (desk["source"].publisher, {"part_of": factories.publisher("A media group")}),
        (desk["excerpt"], {"speaker": factories.speaker(), "voice": "quote"}),
        (desk["source"], {"title": "A corrected title"}),
        (claim, {"text": "He was beaten by guards."}),
        (claim, {"add_evidence": {"excerpt": other, "stance": "contradicts"}}),
    ]
    for target, changes in corrections:
        before = history_rows()
        change = services.change_propose(
            target=target, changes=changes, reason="A correction.", by=editor
        )
        assert history_rows() > before
        assert unrecorded_changes() == []
        before = history_rows()
        services.change_approve(change=change, by=reviewer)
        assert history_rows() > before
        assert unrecorded_changes() == []
    latest = claim.history.latest()
    assert (latest.status, latest.text) == ("contradiction", "He was beaten by guards.")
    assert latest.history_change_reason == "correction approved: A correction."
    assert latest.history_user == reviewer


def test_api_writes_leave_history(desk, editor, reviewer):
    api = APIClient()
    api.force_authenticate(editor)
    base = "/api/v1"
    created = api.post(f"{base}/claims/", {"text": "Written over the API."}, format="json")
    assert created.status_code == 201
    claim_id = created.json()["id"]
    excerpt = api.post(
        f"{base}/excerpts/",
        {"source": desk["source"].pk, "quote": "in November 2009"},
        format="json",
    )
    assert excerpt.status_code == 201
    steps = [
        (
            "post",
            f"{base}/claims/{claim_id}/evidence/",
            {"excerpt": excerpt.json()["id"], "stance": "supports"},
        ),
        ("patch", f"{base}/claims/{claim_id}/", {"text": "Written, then edited."}),
        ("post", f"{base}/claims/{claim_id}/submit/", {}),
    ]
    for method, url, payload in steps:
        version = Claim.objects.get(pk=claim_id).version
        response = getattr(api, method)(url, {**payload, "version": version}, format="json")
        assert response.status_code in (200, 201), response.content
    api.force_authenticate(reviewer)
    version = Claim.objects.get(pk=claim_id).version
    published = api.post(f"{base}/claims/{claim_id}/publish/", {"version": version}, format="json")
    assert published.status_code == 200
    assert unrecorded_changes() == []
    assert [r.history_user for r in Claim.history.filter(id=claim_id).order_by("history_id")][
        -1
    ] == reviewer


def test_admin_writes_and_bulk_actions_leave_history(client, desk, editor, reviewer):
    client.force_login(editor)
    added = client.post(
        reverse("admin:claims_claim_add"),
        {
            "text": "Written in the admin.",
            "slug": "written-in-the-admin",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert added.status_code == 302
    claim = Claim.objects.get(slug="written-in-the-admin")
    quoted = client.post(
        reverse("admin:claims_source_quote", args=[desk["source"].pk]),
        {"quote": "his body bearing bruises", "claim": claim.pk, "stance": "supports"},
    )
    assert quoted.status_code == 302
    acted = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "submit", "_selected_action": [claim.pk, desk["claim"].pk]},
    )
    assert acted.status_code == 302
    assert set(Claim.objects.values_list("review_state", flat=True)) == {"in_review"}
    assert unrecorded_changes() == []


@pytest.mark.writes_outside_services("simulates a write that bypasses the history")
def test_the_check_itself_catches_a_write_that_bypasses_history(desk):
    Claim.objects.filter(pk=desk["claim"].pk).update(text="Changed behind the back.")
    assert unrecorded_changes() == [
        f"Claim {desk['claim'].pk}.text: is 'Changed behind the back.', "
        "last recorded as 'He was beaten.'"
    ]
